"use strict";

document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("error");
  error.textContent = "";
  const form = event.target;
  try {
    const signed = await Hotline.call("POST", "/api/login", {
      username: form.username.value, password: form.password.value,
    });
    const next = new URLSearchParams(location.search).get("next");
    const home = { admin: "/admin", supervisor: "/wallboard" }[signed.user.role] || "/console";
    // Only a path on this site: never an address someone put in the link.
    location.assign(next && /^\/[a-z]+$/.test(next) ? next : home);
  } catch (problem) {
    error.textContent = problem.code === "login-throttled"
      ? "登录失败次数过多，请稍后再试。"
      : "用户名或密码错误。";
    form.password.value = "";
  }
});

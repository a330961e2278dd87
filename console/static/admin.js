// The admin's page: the live config (check, reload with the error list) and the accounts.
"use strict";

(async () => {
  const H = Hotline;
  const $ = (id) => document.getElementById(id);
  const ROLE_LABELS = { agent: "话务员", supervisor: "班长", judge: "咨询法官", admin: "管理员" };
  let me;

  try { me = await H.signedIn(); } catch (_) { return; }
  for (const platform of me.platforms) {
    $("new-platform").append(H.el("option", { value: platform.id }, platform.name));
  }

  function showConfig(summary) {
    $("config-path").textContent = summary.path;
    $("config-summary").textContent = summary.name + "：" + summary.platforms + " 个平台，"
      + summary.seats + " 个座席，" + summary.queues + " 个队列，" + summary.prompts + " 段提示音";
  }

  function showErrors(errors) {
    $("config-errors").replaceChildren(...errors.map((text) => H.el("li", {}, text)));
  }

  async function loadConfig() {
    try {
      const summary = await H.call("GET", "/api/config");
      showConfig(summary);
      showErrors(summary.last_errors);
    } catch (problem) {
      $("config-result").textContent = problem.message;
    }
  }

  $("do-check").addEventListener("click", async () => {
    $("config-result").textContent = "";
    const result = await H.call("POST", "/api/config/check", {});
    $("config-result").textContent = result.valid ? "文件校验通过，可以重新加载。" : "文件有错误，未加载：";
    showErrors(result.errors);
  });

  $("do-reload").addEventListener("click", async () => {
    $("config-result").textContent = "";
    try {
      const summary = await H.call("POST", "/api/config/reload", {});
      showConfig(summary);
      showErrors([]);
      $("config-result").textContent = "已重新加载，新来电按新配置处理。";
    } catch (problem) {
      $("config-result").textContent = "加载被拒绝，系统继续使用原配置：";
      const reply = await H.call("POST", "/api/config/check", {});
      showErrors(reply.errors);
    }
  });

  async function loadUsers() {
    const users = await H.call("GET", "/api/users");
    $("users").replaceChildren(
      H.el("tr", {}, ["用户名", "姓名", "角色", "平台", "座席", "状态", ""].map((title) => H.el("th", {}, title))),
      ...users.map((user) => H.el("tr", { "data-user": user.username },
        H.el("td", {}, user.username), H.el("td", {}, user.display_name),
        H.el("td", {}, ROLE_LABELS[user.role] || user.role), H.el("td", {}, user.platform || "全部"),
        H.el("td", {}, user.seats.join(", ") || "—"),
        H.el("td", {}, H.el("span", { class: "pill " + (user.disabled ? "bad" : "ok") }, user.disabled ? "停用" : "启用")),
        H.el("td", {}, user.username === me.user.username ? "" : H.el("button", {
          type: "button", onclick: () => toggle(user),
        }, user.disabled ? "启用" : "停用")))));
  }

  async function toggle(user) {
    $("user-error").textContent = "";
    try {
      await H.call("PUT", "/api/users/" + encodeURIComponent(user.username), {
        display_name: user.display_name, role: user.role, platform: user.platform,
        seats: user.seats, disabled: !user.disabled,
      });
      await loadUsers();
    } catch (problem) {
      $("user-error").textContent = problem.message;
    }
  }

  $("do-add").addEventListener("click", async () => {
    $("user-error").textContent = "";
    try {
      await H.call("POST", "/api/users", {
        username: $("new-username").value.trim(), display_name: $("new-name").value.trim(),
        role: $("new-role").value, platform: $("new-platform").value || null,
        seats: $("new-seats").value.split(",").map((seat) => seat.trim()).filter(Boolean),
        password: $("new-password").value,
      });
      $("new-password").value = "";
      await loadUsers();
    } catch (problem) {
      $("user-error").textContent = problem.message;
    }
  });

  await loadConfig();
  await loadUsers();
})();

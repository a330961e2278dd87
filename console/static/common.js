// What every console page shares: the signed-in user, JSON calls with the CSRF token, labels.
"use strict";

const Hotline = (() => {
  let me = null;

  const STATUS = { logged_out: "未签入", available: "示闲", paused: "示忙" };
  const STATE = { idle: "空闲", reserved: "待接", ringing: "振铃", talking: "通话中", wrap_up: "话后处理" };
  const REASONS = { break: "小休", meal: "用餐", training: "培训", meeting: "会议", "no-answer": "连续未接" };
  const WORK_ORDER_STATUS = { created: "待派单", dispatched: "办理中", replied: "已回复", closed: "已办结" };
  const END_REASONS = {
    completed: "已接通", abandoned_in_ivr: "语音导航中挂机", abandoned_in_queue: "排队中挂机",
    no_input: "无按键", self_service: "自助服务", message_left: "留言", queue_timeout: "排队超时",
    urgent_unreached: "紧急联系未接通", abandoned_in_contact: "联系法官时挂机",
    callback_requested: "预约回拨", failed: "失败",
  };
  const ROLES = { judge: "承办法官", division_office: "庭室座机", division_head: "庭长", duty_judge: "值班法官" };
  const STEP_OUTCOMES = {
    accepted: "已接通", declined: "拒接", no_answer: "无应答", busy: "占线", failed: "呼叫失败",
    no_choice: "接听未按键", caller_left: "来电方已挂机",
  };

  function label(table, value) { return (value && table[value]) || value || "—"; }

  async function call(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && me) headers["X-CSRF-Token"] = me.csrf_token;
    const reply = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let document = null;
    try { document = await reply.json(); } catch (_) { document = null; }
    if (reply.status === 401 && path !== "/api/login") {
      location.assign("/login?next=" + encodeURIComponent(location.pathname));
      throw new Error("未登录");
    }
    if (!reply.ok) {
      const problem = new Error((document && document.message) || ("HTTP " + reply.status));
      problem.code = document && document.error;
      problem.status = reply.status;
      throw problem;
    }
    return document;
  }

  async function signedIn() {
    me = await call("GET", "/api/me");
    const who = document.getElementById("who");
    if (who) who.textContent = me.user.display_name + "（" + me.user.role_label + "）";
    const out = document.getElementById("sign-out");
    if (out) {
      out.addEventListener("click", async () => {
        try { await call("POST", "/api/logout", {}); } finally { location.assign("/login"); }
      });
    }
    return me;
  }

  function can(permission) { return !!me && me.permissions.includes(permission); }

  function stream(path, event, onDocument) {
    // EventSource reconnects by itself; a signed-out event ends it for good.
    const source = new EventSource(path);
    source.addEventListener(event, (message) => onDocument(JSON.parse(message.data)));
    source.addEventListener("signed-out", () => { source.close(); location.assign("/login"); });
    source.addEventListener("gone", () => source.close());
    return source;
  }

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const two = (n) => String(n).padStart(2, "0");
    return (h ? h + ":" + two(m) : String(m)) + ":" + two(r);
  }

  function since(iso) { return (Date.now() - Date.parse(iso)) / 1000; }

  function clock(iso) {
    if (!iso) return "—";
    const at = new Date(iso);
    return at.toLocaleString("zh-CN", { hour12: false, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  }

  function percent(rate) { return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + "%"; }

  return {
    STATUS, STATE, REASONS, WORK_ORDER_STATUS, END_REASONS, ROLES, STEP_OUTCOMES,
    label, call, signedIn, can, stream, el, duration, since, clock, percent,
    get me() { return me; },
  };
})();

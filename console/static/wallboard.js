// The supervisor's wallboard: pushed by the server on every change; the clocks tick locally.
"use strict";

(async () => {
  const H = Hotline;
  const $ = (id) => document.getElementById(id);
  const SUPERVISE = { listen: "监听", whisper: "耳语", barge: "强插" };
  let me, board = null;

  try { me = await H.signedIn(); } catch (_) { return; }
  const mayChange = H.can("seat-status-any");
  if (H.can("users-manage")) $("to-admin").hidden = false;
  if (mayChange) {
    $("pause-row").hidden = false;
    for (const reason of me.pause_reasons) {
      $("pause-reason").append(H.el("option", { value: reason }, H.label(H.REASONS, reason)));
    }
  }

  H.stream("/api/live/board", "board", (doc) => { board = doc; draw(); });

  function draw() {
    $("scope").textContent = board.scope ? "范围：" + (board.platforms[0] ? board.platforms[0].name : board.scope) : "范围：全部平台";
    $("updated").textContent = "更新于 " + new Date(board.at).toLocaleTimeString("zh-CN", { hour12: false });
    $("alerts-card").hidden = !board.alerts.length;
    $("alerts").replaceChildren(...board.alerts.map((alert) => H.el("li", { "data-kind": alert.kind }, alert.text)));
    $("queues").replaceChildren(...board.queues.map(queueTile));
    const byPlatform = new Map(board.platforms.map((platform) => [platform.id, []]));
    for (const seat of board.seats) {
      if (!byPlatform.has(seat.platform)) byPlatform.set(seat.platform, []);
      byPlatform.get(seat.platform).push(seat);
    }
    const names = new Map(board.platforms.map((platform) => [platform.id, platform.name]));
    $("platforms").replaceChildren(...[...byPlatform.entries()].filter(([, seats]) => seats.length).map(([id, seats]) =>
      H.el("div", { class: "platform" }, H.el("h3", {}, names.get(id) || id),
        H.el("div", { class: "seats" }, seats.map(seatCard)))));
    tick();
  }

  function queueTile(queue) {
    const alarm = queue.oldest_queued_at && H.since(queue.oldest_queued_at) >= queue.max_wait_s;
    return H.el("div", { class: "tile" + (alarm ? " alarm" : ""), "data-queue": queue.id },
      H.el("h3", {}, queue.name),
      H.el("div", { class: "figures" },
        H.el("span", {}, "排队"), H.el("span", { class: "big waiting" }, queue.waiting),
        H.el("span", {}, "最长等待"), H.el("span", { class: "longest", "data-since": queue.oldest_queued_at || "" }, "—"),
        H.el("span", {}, "服务水平"), H.el("span", {}, H.percent(queue.service_level)),
        H.el("span", {}, "接通率"), H.el("span", {}, H.percent(queue.connection_rate)),
        H.el("span", {}, "进线/接通/放弃"), H.el("span", {}, queue.offered + " / " + queue.answered + " / " + queue.abandoned),
        H.el("span", {}, "平均等待"), H.el("span", {}, queue.average_wait_s === null ? "—" : Math.round(queue.average_wait_s) + " 秒")));
  }

  function seatCard(seat) {
    const look = seat.status === "available" ? seat.state : seat.status;
    const actions = [];
    if (mayChange && seat.status === "available") actions.push(H.el("button", { type: "button", onclick: () => change(seat.id, "pause") }, "暂停"));
    if (mayChange && seat.status === "paused") actions.push(H.el("button", { type: "button", onclick: () => change(seat.id, "resume") }, "恢复"));
    const supervising = H.can("call-supervise") && me.seats.length > 0;
    if (seat.supervision) {
      actions.push(H.el("button", { type: "button", onclick: () => stopSupervision(seat.supervision.id) }, "结束" + SUPERVISE[seat.supervision.mode]));
    } else if (supervising && seat.state === "talking") {
      for (const [mode, label] of Object.entries(SUPERVISE)) {
        actions.push(H.el("button", { type: "button", onclick: () => supervise(seat.id, mode) }, label));
      }
    }
    const hq = board.platforms.find((platform) => platform.kind === "hq");
    if (mayChange && board.scope === null && hq && seat.platform !== hq.id) {
      actions.push(seat.serving_platform
        ? H.el("button", { type: "button", onclick: () => serve(seat.id, null) }, "归还本院")
        : H.el("button", { type: "button", onclick: () => serve(seat.id, hq.id) }, "借调总平台"));
    }
    return H.el("div", { class: "seat " + look + (seat.registered ? "" : " unregistered"), "data-seat": seat.id },
      H.el("div", { class: "head" }, H.el("span", {}, seat.id), H.el("span", { class: "in-state", "data-since": seat.since }, "")),
      H.el("div", {},
        H.el("span", { class: "pill " + seat.status }, H.label(H.STATUS, seat.status) + (seat.pause_reason ? "·" + H.label(H.REASONS, seat.pause_reason) : "")), " ",
        H.el("span", { class: "pill " + seat.state + " seat-state" }, H.label(H.STATE, seat.state)),
        seat.registered ? "" : H.el("span", { class: "pill bad" }, "未注册")),
      seat.serving_platform ? H.el("div", { class: "pill info" }, "借调至总平台") : null,
      seat.supervision ? H.el("div", { class: "pill warn supervised" }, SUPERVISE[seat.supervision.mode] + "中") : null,
      H.el("div", { class: "muted" }, "今日接听 " + seat.calls_answered + " · 占用率 " + H.percent(seat.occupancy)),
      actions.length ? H.el("div", { class: "row" }, actions) : null);
  }

  async function change(seatId, action) {
    $("board-error").textContent = "";
    const body = { action };
    if (action === "pause") body.reason = $("pause-reason").value;
    try {
      await H.call("POST", "/api/seats/" + encodeURIComponent(seatId) + "/status", body);
    } catch (problem) {
      $("board-error").textContent = seatId + "：" + problem.message;
    }
  }

  async function supervise(seatId, mode) {
    $("board-error").textContent = "";
    try {
      // The supervisor's own softphone rings; answering it puts them on the call.
      await H.call("POST", "/api/seats/" + encodeURIComponent(seatId) + "/supervise", { mode, phone_seat: me.seats[0].id });
    } catch (problem) {
      $("board-error").textContent = seatId + "：" + problem.message;
    }
  }

  async function stopSupervision(sessionId) {
    try {
      await H.call("DELETE", "/api/supervisions/" + encodeURIComponent(sessionId));
    } catch (problem) {
      $("board-error").textContent = problem.message;
    }
  }

  async function serve(seatId, platform) {
    $("board-error").textContent = "";
    try {
      await H.call("POST", "/api/seats/" + encodeURIComponent(seatId) + "/platform", { platform });
    } catch (problem) {
      $("board-error").textContent = seatId + "：" + problem.message;
    }
  }

  function tick() {
    for (const node of document.querySelectorAll("[data-since]")) {
      const at = node.getAttribute("data-since");
      node.textContent = at ? H.duration(H.since(at)) : "—";
    }
  }
  setInterval(tick, 1000);  // the clocks only: the data comes by push
})();

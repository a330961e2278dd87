// The agent console: one seat's status, the screen pop of the call on it, and its actions.
"use strict";

(async () => {
  const H = Hotline;
  const $ = (id) => document.getElementById(id);
  let me, source = null, live = null, popFor = null, contactShown = null;

  try { me = await H.signedIn(); } catch (_) { return; }
  if (H.can("calls-view")) $("to-wallboard").hidden = false;

  for (const reason of me.pause_reasons) {
    $("pause-reason").append(H.el("option", { value: reason }, H.label(H.REASONS, reason)));
  }
  // Transfer targets: the queues, then the consulting judges (咨询法官) from the directory.
  const queueGroup = H.el("optgroup", { label: "队列" });
  for (const queue of me.queues) {
    queueGroup.append(H.el("option", { value: "queue:" + queue.id }, queue.name));
  }
  $("transfer-target").append(queueGroup);
  if (me.consulting_judges.length) {
    const judgeGroup = H.el("optgroup", { label: "咨询法官" });
    for (const judge of me.consulting_judges) {
      judgeGroup.append(H.el("option", { value: "judge:" + judge.id }, "咨询法官 " + judge.name));
    }
    $("transfer-target").append(judgeGroup);
  }
  for (const category of me.categories) {
    $("order-category").append(H.el("option", { value: category.id }, category.label));
  }
  if (!me.seats.length) {
    $("seat-error").textContent = "您的账号没有可用的座席，请联系管理员。";
    return;
  }
  for (const seat of me.seats) $("seat").append(H.el("option", { value: seat.id }, seat.id));
  const remembered = localStorage.getItem("hotline-seat");
  if (me.seats.some((seat) => seat.id === remembered)) $("seat").value = remembered;
  $("seat").addEventListener("change", follow);

  async function setStatus(action) {
    $("seat-error").textContent = "";
    const body = { action };
    if (action === "pause") body.reason = $("pause-reason").value;
    try {
      await H.call("POST", "/api/seats/" + encodeURIComponent($("seat").value) + "/status", body);
    } catch (problem) {
      $("seat-error").textContent = problem.message;
    }
  }
  $("do-login").addEventListener("click", () => setStatus("login"));
  $("do-resume").addEventListener("click", () => setStatus("resume"));
  $("do-pause").addEventListener("click", () => setStatus("pause"));
  $("do-logout").addEventListener("click", () => setStatus("logout"));

  function follow() {
    localStorage.setItem("hotline-seat", $("seat").value);
    if (source) source.close();
    source = H.stream("/api/live/seats/" + encodeURIComponent($("seat").value), "seat", (doc) => {
      live = doc;
      showSeat();
    });
  }

  function showSeat() {
    const seat = live.seat;
    $("status").textContent = H.label(H.STATUS, seat.status) + (seat.pause_reason ? "（" + H.label(H.REASONS, seat.pause_reason) + "）" : "");
    $("status").className = "pill " + seat.status;
    $("state").textContent = H.label(H.STATE, seat.state);
    $("state").className = "pill " + seat.state;
    const call = live.call;
    if (call && call.id !== popFor) loadPop(call);
    if (!call && seat.state === "idle" && popFor) clearPop();
    $("do-urgent").disabled = !(call && call.connected_at);
    $("do-hold").disabled = !(call && call.state === "connected");
    const consult = call && call.consult;
    $("do-transfer").disabled = !(call && call.state === "connected") || !!consult;
    $("do-consult").disabled = !(call && call.state === "connected") || !!consult;
    $("consult").hidden = !consult;
    if (consult) {
      $("consult-state").textContent = consult.answered
        ? "已接通" + consult.name + "，来电人保持中" : "正在呼叫" + consult.name + "……";
      $("consult-state").className = "pill " + (consult.answered ? "ok" : "info");
      $("do-consult-complete").disabled = !consult.answered;
    }
    $("do-hold").textContent = call && call.held ? "恢复通话" : "保持";
    $("held").hidden = !(call && call.held);
    $("do-order").disabled = !(call && call.connected_at);
    if (live.contact) showContact(live.contact);
    tick();
  }

  function tick() {
    if (!live) return;
    const seat = live.seat;
    $("state-time").textContent = H.duration(H.since(seat.since));
    $("wrap-up").textContent = seat.state === "wrap_up" && seat.wrap_up_until
      ? "话后处理剩余 " + Math.max(0, Math.ceil(-H.since(seat.wrap_up_until))) + " 秒" : "";
    const call = live.call;
    if (call && call.connected_at) {
      const talked = H.since(call.connected_at);
      $("talk-time").textContent = H.duration(talked);
      const long = talked >= live.long_call_s;
      $("long-call").hidden = !long;
      if (long) $("long-call").textContent = "通话已超过 " + Math.round(live.long_call_s / 60) + " 分钟，请注意控制通话时长。";
    }
  }
  setInterval(tick, 1000);  // the clocks only: no request is made

  async function loadPop(call) {
    popFor = call.id;
    contactShown = null;
    $("no-call").hidden = true;
    $("call").hidden = false;
    $("caller").textContent = call.caller || "号码未显示";
    $("home-platform").textContent = platformName(call.home_platform);
    $("ivr-path").replaceChildren(...call.ivr_path.map((node) => H.el("li", {}, node)));
    $("case").textContent = call.case ? call.case.case_number + "（" + platformName(call.case.court_id) + "）" : "未识别";
    $("urgent-court").value = call.case ? call.case.court_id : call.home_platform;
    $("urgent-case").value = call.case ? call.case.case_number : "";
    $("order-court").value = call.case ? call.case.court_id : call.home_platform;
    $("order-case").value = call.case ? call.case.case_number : "";
    $("urgent-steps").replaceChildren();
    $("urgent-outcome").textContent = "";
    $("order-result").textContent = "";
    try {
      const pop = await H.call("GET", "/api/calls/" + encodeURIComponent(call.id) + "/screen-pop");
      showHistory(pop);
    } catch (problem) {
      $("orders").replaceChildren(H.el("p", { class: "error" }, problem.message));
    }
  }

  function clearPop() {
    popFor = null;
    $("call").hidden = true;
    $("no-call").hidden = false;
  }

  function platformName(id) {
    const found = me.platforms.find((platform) => platform.id === id);
    return found ? found.name : (id || "—");
  }

  function showHistory(pop) {
    if (pop.work_orders.length) {
      $("orders").replaceChildren(H.el("table", {},
        H.el("tr", {}, H.el("th", {}, "工单"), H.el("th", {}, "状态"), H.el("th", {}, "诉求"), H.el("th", {}, "答复")),
        pop.work_orders.map((order) => H.el("tr", { class: order.open ? "open-order" : "" },
          H.el("td", {}, "#" + order.id, H.el("br"), H.el("span", { class: "muted" }, H.clock(order.created_at))),
          H.el("td", {}, H.el("span", { class: "pill " + (order.open ? "warn" : "ok") }, H.label(H.WORK_ORDER_STATUS, order.status)),
            H.el("br"), H.el("span", { class: "muted" }, "承办：" + order.handler)),
          H.el("td", {}, order.content),
          H.el("td", {}, order.reply || H.el("span", { class: "muted" }, "期限 " + H.clock(order.due_at)))))));
    } else {
      $("orders").replaceChildren(H.el("p", { class: "muted" }, "无"));
    }
    if (pop.earlier_calls.length) {
      $("earlier").replaceChildren(H.el("table", {},
        pop.earlier_calls.map((earlier) => H.el("tr", {},
          H.el("td", {}, H.clock(earlier.started_at)),
          H.el("td", {}, H.label(H.END_REASONS, earlier.end_reason)),
          H.el("td", {}, earlier.seat ? "座席 " + earlier.seat : ""),
          H.el("td", { class: "recordings" }, H.can("recordings-listen") && earlier.answered
            ? recordingsButton(earlier.id) : "")))));
    } else {
      $("earlier").replaceChildren(H.el("p", { class: "muted" }, "无"));
    }
  }

  function showContact(contact) {
    const key = JSON.stringify(contact);
    if (key === contactShown) return;
    contactShown = key;
    $("urgent-steps").replaceChildren(...contact.steps.map((step) => H.el("li", { class: "step" },
      H.label(H.ROLES, step.role) + " " + step.name + " " + step.number + "：",
      H.el("span", { class: "pill " + (step.outcome === "accepted" ? "ok" : step.outcome ? "bad" : "info") },
        step.outcome ? H.label(H.STEP_OUTCOMES, step.outcome) : (step.answered ? "已应答，确认中" : "呼叫中")))));
    $("urgent-outcome").textContent = contact.outcome === "bridged" ? "已接通，法官已加入通话。"
      : contact.outcome === "unreached" ? "均未接通，已自动生成紧急工单并短信通知。" : "";
  }

  // Supervisors hear an earlier call's recordings here; each play is audited by the server.
  function recordingsButton(callId) {
    const button = H.el("button", { type: "button", class: "small" }, "录音");
    button.addEventListener("click", async () => {
      const cell = button.parentElement;
      try {
        const found = await H.call("GET", "/api/calls/" + encodeURIComponent(callId) + "/recordings");
        const stored = found.recordings.filter((recording) => recording.audio);
        cell.replaceChildren(...(stored.length ? stored.map((recording) => H.el("div", {},
          H.el("audio", { controls: "", preload: "none", src: recording.audio }),
          H.el("a", { href: recording.audio + "?download=1" }, "下载")))
          : [H.el("span", { class: "muted" }, "无录音")]));
      } catch (problem) {
        cell.replaceChildren(H.el("span", { class: "error" }, problem.message));
      }
    });
    return button;
  }

  $("do-hold").addEventListener("click", async () => {
    if (!live || !live.call) return;
    const action = live.call.held ? "resume" : "hold";
    try {
      await H.call("POST", "/api/calls/" + encodeURIComponent(live.call.id) + "/" + action, {});
    } catch (problem) {
      $("seat-error").textContent = problem.message;
    }
  });

  // Blind to a queue waits in that queue's line; blind to a judge puts the caller through
  // when the judge answers. Attended (咨询转接) keeps the caller on hold until "完成转接".
  async function transfer(attended) {
    if (!live || !live.call) return;
    const [kind, target] = $("transfer-target").value.split(/:(.*)/s);
    const base = "/api/calls/" + encodeURIComponent(live.call.id);
    try {
      if (kind === "queue" && !attended) {
        await H.call("POST", base + "/transfer", { queue: target });
      } else {
        await H.call("POST", base + "/consult", { kind, target, blind: !attended });
      }
      $("seat-error").textContent = "";
    } catch (problem) {
      $("seat-error").textContent = problem.message;
    }
  }
  $("do-transfer").addEventListener("click", () => transfer(false));
  $("do-consult").addEventListener("click", () => transfer(true));

  async function endConsult(how) {
    if (!live || !live.call) return;
    try {
      await H.call("POST", "/api/calls/" + encodeURIComponent(live.call.id) + "/consult/" + how, {});
      $("seat-error").textContent = "";
    } catch (problem) {
      $("seat-error").textContent = problem.message;
    }
  }
  $("do-consult-complete").addEventListener("click", () => endConsult("complete"));
  $("do-consult-cancel").addEventListener("click", () => endConsult("cancel"));

  $("do-urgent").addEventListener("click", async () => {
    $("urgent-error").textContent = "";
    if (!live || !live.call) return;
    try {
      await H.call("POST", "/api/calls/" + encodeURIComponent(live.call.id) + "/urgent-contact", {
        court_id: $("urgent-court").value.trim(), case_number: $("urgent-case").value.trim(),
        seat: live.seat.id,
      });
      $("urgent-outcome").textContent = "正在依次联系……";
    } catch (problem) {
      $("urgent-error").textContent = problem.message;
    }
  });

  $("do-order").addEventListener("click", async () => {
    $("order-error").textContent = "";
    $("order-result").textContent = "";
    if (!live || !live.call) return;
    const body = {
      category: $("order-category").value, court_id: $("order-court").value.trim(),
      content: $("order-content").value.trim(),
    };
    const caseNumber = $("order-case").value.trim();
    if (caseNumber) body.case_number = caseNumber;
    try {
      const order = await H.call("POST", "/api/calls/" + encodeURIComponent(live.call.id) + "/work-order", body);
      $("order-result").textContent = order.follow_up
        ? "该来电人已有未办结工单 #" + order.id + "，已追加跟进。"
        : "工单 #" + order.id + " 已派至 " + order.handler + "，期限 " + H.clock(order.due_at) + "。";
      $("order-content").value = "";
    } catch (problem) {
      $("order-error").textContent = problem.message;
    }
  });

  // 回访: the sampled follow-ups of this agent's courts, called from the chosen seat.
  const ANSWERS = [["yes", "是"], ["no", "否"], ["unknown", "不清楚"]];
  async function loadFollowUps() {
    if (!H.can("follow-ups")) return;
    $("follow-up-card").hidden = false;
    try {
      const open = await H.call("GET", "/api/follow-ups?state=open");
      $("follow-ups").replaceChildren(...(open.length ? open.map(followUpItem)
        : [H.el("li", { class: "muted" }, "暂无待回访工单")]));
    } catch (problem) {
      $("follow-up-error").textContent = problem.message;
    }
  }

  function followUpItem(task) {
    const selects = Object.entries(task.questions).map(([name, question]) =>
      H.el("label", {}, question, H.el("select", { "data-answer": name },
        ANSWERS.map(([value, text]) => H.el("option", { value }, text)))));
    const act = (path, body) => async () => {
      $("follow-up-error").textContent = "";
      try {
        await H.call("POST", "/api/follow-ups/" + task.id + path, body());
        await loadFollowUps();
      } catch (problem) {
        $("follow-up-error").textContent = problem.message;
      }
    };
    const answers = () => Object.fromEntries(selects.map((label) => {
      const select = label.querySelector("select");
      return [select.dataset.answer, select.value];
    }));
    return H.el("li", { class: "follow-up", "data-follow-up": task.id },
      H.el("div", { class: "row" },
        "工单 #" + task.work_order_id + " · " + task.caller + " · 已拨 " + task.attempts + " 次",
        H.el("button", { type: "button", onclick: act("/call", () => ({ seat: $("seat").value })) }, "拨打"),
        H.el("button", { type: "button", onclick: act("/attempts", () => ({ outcome: "no_answer" })) }, "未接通")),
      ...selects,
      H.el("button", { type: "button", class: "primary",
        onclick: act("/attempts", () => ({ outcome: "answered", answers: answers() })) }, "记录答复"));
  }
  loadFollowUps();

  $("knowledge-search").addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = $("knowledge-q").value.trim();
    if (!q) return;
    try {
      const found = await H.call("GET", "/api/knowledge?limit=5&q=" + encodeURIComponent(q));
      $("knowledge-results").replaceChildren(...(found.entries.length ? found.entries.map((entry) =>
        H.el("li", { class: "knowledge-entry" },
          H.el("strong", {}, entry.question), H.el("p", {}, entry.answer),
          H.el("button", { type: "button", onclick: () => useAnswer(entry.id) }, "引用到工单")))
        : [H.el("li", { class: "muted" }, "没有找到相关问答。")]));
    } catch (problem) {
      $("knowledge-results").replaceChildren(H.el("li", { class: "error" }, problem.message));
    }
  });

  async function useAnswer(entryId) {
    const used = await H.call("POST", "/api/knowledge/" + entryId + "/used", {});
    const content = $("order-content");
    content.value = (content.value ? content.value + "\n" : "") + "【答复口径】" + used.answer;
    content.focus();
  }

  follow();
})();

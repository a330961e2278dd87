"""The web console's API through the whole controller (fake ARI, real PostgreSQL): sign-in,
sessions, CSRF, login throttling, roles and platforms, the audit log, live push, the screen pop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from console.model import Role
from directory.model import Judge
from tests.conftest import TEST_CONFIG
from tests.directory_data import CASE_NUMBER, load_directory
from tests.functional.call_harness import (
    API_TOKEN,
    CALLER,
    Stack,
    connect_call,
    eventually_rows,
)
from tests.support import eventually

PASSWORD = "correct-horse-42"
CALLER_NUMBER = "13912345678"  # the harness's caller


class Browser:
    """A signed-in console user as the pages behave: the cookie, and the CSRF header."""

    def __init__(self, stack: Stack) -> None:
        self.base = stack.hotline.status_url
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def sign_in(self, username: str, password: str = PASSWORD) -> tuple[int, Any]:
        status, body = await self.send(
            "POST", "/api/login", {"username": username, "password": password}
        )
        if status == 200:
            self.csrf = body["csrf_token"]
        return status, body

    async def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        csrf: bool = True,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        sent = dict(headers or {})
        if csrf and self.csrf and method != "GET":
            sent.setdefault("X-CSRF-Token", self.csrf)
        async with self.session.request(
            method, f"{self.base}{path}", json=body, headers=sent
        ) as response:
            return response.status, await response.json()

    async def close(self) -> None:
        await self.session.close()


@pytest.fixture
async def people(stack: Stack) -> AsyncIterator[dict[str, Browser]]:
    console = stack.hotline.console
    assert console is not None
    accounts = [
        ("zhang", "张话务", Role.AGENT, "high", ["high-01"]),
        ("li", "李话务", Role.AGENT, "chaoyang", []),
        ("wang", "王班长", Role.SUPERVISOR, "chaoyang", []),
        ("zhao", "赵主任", Role.SUPERVISOR, None, []),
        ("admin", "管理员", Role.ADMIN, None, []),
    ]
    for name, display, role, platform, seats in accounts:
        await console.add_user(name, display, role, PASSWORD, platform=platform, seats=seats)
    browsers = {name: Browser(stack) for name, *_ in accounts}
    yield browsers
    for browser in browsers.values():
        await browser.close()


async def audit_actions(stack: Stack) -> list[tuple[str, str, str]]:
    rows = await stack.fetch("SELECT actor, action, target FROM audit_log ORDER BY id")
    return [(row["actor"], row["action"], row["target"]) for row in rows]


async def test_signing_in_sets_a_locked_down_cookie_and_me_describes_the_user(
    stack: Stack, people: dict[str, Browser]
) -> None:
    zhang = people["zhang"]
    async with zhang.session.post(
        f"{zhang.base}/api/login", json={"username": "zhang", "password": PASSWORD}
    ) as response:
        assert response.status == 200
        cookie = response.headers["Set-Cookie"]
        zhang.csrf = (await response.json())["csrf_token"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    status, me = await zhang.send("GET", "/api/me")
    assert status == 200
    assert me["user"]["username"] == "zhang" and me["user"]["role_label"] == "话务员"
    assert me["csrf_token"] == zhang.csrf
    assert [seat["id"] for seat in me["seats"]] == ["high-01"], "only the agent's own seat"
    assert "calls-view" not in me["permissions"]
    # The database keeps a hash of the cookie, never the cookie itself.
    value = cookie.split(";")[0].split("=", 1)[1]
    stored = await stack.fetch("SELECT id FROM console_sessions")
    assert [row["id"] for row in stored] != [value] and len(stored[0]["id"]) == 64
    assert ("zhang", "login", "zhang") in await audit_actions(stack)


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    stack: Stack, people: dict[str, Browser]
) -> None:
    status, body = await people["zhang"].sign_in("zhang", "not-the-password-1")
    assert (status, body["error"]) == (401, "login-failed")
    status, unknown = await people["zhang"].sign_in("nobody", "not-the-password-1")
    assert (status, unknown["message"]) == (401, body["message"])
    status, _ = await people["zhang"].send("GET", "/api/me")
    assert status == 401
    failed = [entry for entry in await audit_actions(stack) if entry[1] == "login-failed"]
    assert [target for _actor, _action, target in failed] == ["zhang", "nobody"]


async def test_repeated_failures_lock_the_name_out_even_with_the_right_password(
    stack: Stack, people: dict[str, Browser]
) -> None:
    zhang = people["zhang"]
    for _ in range(5):
        status, _ = await zhang.sign_in("zhang", "guess-guess-1")
        assert status == 401
    status, body = await zhang.sign_in("zhang")
    assert (status, body["error"]) == (429, "login-throttled")
    assert 0 < body["retry_after_s"] <= 15 * 60
    # Another user from the same address is throttled too (the address has failed 5 times)…
    status, body = await people["li"].sign_in("li")
    assert (status, body["error"]) == (429, "login-throttled")
    # …until the failures are older than the lockout.
    await stack.fetch("UPDATE console_login_failures SET at = at - interval '16 minutes'")
    status, _ = await zhang.sign_in("zhang")
    assert status == 200
    throttled = await stack.fetch(
        "SELECT target FROM audit_log"
        " WHERE action = 'login-failed' AND detail->>'throttled' = 'true'"
    )
    assert [row["target"] for row in throttled] == ["zhang", "li"]


async def test_changes_need_the_session_csrf_token_and_our_own_origin(
    stack: Stack, people: dict[str, Browser]
) -> None:
    li = people["li"]
    await li.sign_in("li")
    path = "/api/seats/chaoyang-01/status"
    status, body = await li.send("POST", path, {"action": "pause", "reason": "break"}, csrf=False)
    assert (status, body["error"]) == (403, "csrf-failed")
    status, body = await li.send(
        "POST", path, {"action": "pause", "reason": "break"}, headers={"X-CSRF-Token": "forged"}
    )
    assert (status, body["error"]) == (403, "csrf-failed")
    status, body = await li.send(
        "POST",
        path,
        {"action": "pause", "reason": "break"},
        headers={"Origin": "https://evil.example"},
    )
    assert (status, body["error"]) == (403, "csrf-failed")
    assert stack.hotline.seats.get("chaoyang-01").status.value == "available"  # type: ignore[union-attr]
    status, body = await li.send("POST", path, {"action": "pause", "reason": "break"})
    assert status == 200 and body["status"] == "paused"
    # A sign-in posted by a cross-site form (not JSON) is refused before any password check.
    async with li.session.post(
        f"{li.base}/api/login", data={"username": "li", "password": PASSWORD}
    ) as response:
        assert response.status == 403


async def test_an_agent_sees_and_changes_only_their_own_platform(
    stack: Stack, people: dict[str, Browser]
) -> None:
    li = people["li"]
    await li.sign_in("li")
    status, body = await li.send("POST", "/api/seats/high-01/status", {"action": "logout"})
    assert (status, body["error"]) == (404, "seat-not-found")
    status, body = await li.send("POST", "/api/seats/chaoyang-02/status", {"action": "logout"})
    assert status == 200, body
    for path in ("/api/live/board", "/api/status", "/api/seats"):
        status, body = await li.send("GET", path)
        assert (status, body["error"]) == (403, "forbidden"), path
    status, body = await li.send("GET", "/api/live/seats/high-01")
    assert (status, body["error"]) == (404, "seat-not-found")


async def test_a_branch_supervisor_acts_on_their_courts_seats_and_it_is_audited(
    stack: Stack, people: dict[str, Browser]
) -> None:
    wang = people["wang"]
    await wang.sign_in("wang")
    status, body = await wang.send(
        "POST", "/api/seats/chaoyang-01/status", {"action": "pause", "reason": "meeting"}
    )
    assert status == 200 and body["pause_reason"] == "meeting"
    status, body = await wang.send(
        "POST", "/api/seats/high-01/status", {"action": "pause", "reason": "meeting"}
    )
    assert (status, body["error"]) == (404, "seat-not-found")
    status, body = await wang.send("GET", "/api/status")
    assert (status, body["error"]) == (403, "forbidden"), "the whole switch is HQ's view"
    assert ("wang", "seat-status-changed", "chaoyang-01") in await audit_actions(stack)


async def read_events(
    response: aiohttp.ClientResponse, count: int, seconds: float = 5.0
) -> list[tuple[str, Any]]:
    """The next `count` events of a text/event-stream (heartbeat comments skipped)."""
    events: list[tuple[str, Any]] = []
    name, data = "", ""
    async with asyncio.timeout(seconds):
        while len(events) < count:
            line = (await response.content.readline()).decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif line == "" and name:
                events.append((name, json.loads(data)))
                name, data = "", ""
    return events


async def test_the_wallboard_is_pushed_each_change_and_scoped_to_the_viewers_platform(
    stack: Stack, people: dict[str, Browser]
) -> None:
    zhao, wang = people["zhao"], people["wang"]
    await zhao.sign_in("zhao")
    await wang.sign_in("wang")
    async with (
        zhao.session.get(f"{zhao.base}/api/live/board") as everything,
        wang.session.get(f"{wang.base}/api/live/board") as chaoyang,
    ):
        assert everything.headers["Content-Type"].startswith("text/event-stream")
        [(kind, board)] = await read_events(everything, 1)
        assert kind == "board"
        assert {seat["id"] for seat in board["seats"]} == {
            "high-01",
            "chaoyang-01",
            "chaoyang-02",
            "haidian-01",
        }
        [(_, branch)] = await read_events(chaoyang, 1)
        assert {seat["id"] for seat in branch["seats"]} == {"chaoyang-01", "chaoyang-02"}
        assert [p["id"] for p in branch["platforms"]] == ["chaoyang"]

        status, _ = await wang.send(
            "POST", "/api/seats/chaoyang-02/status", {"action": "pause", "reason": "break"}
        )
        assert status == 200
        [(_, after)] = await read_events(everything, 1)
        seat = next(s for s in after["seats"] if s["id"] == "chaoyang-02")
        assert (seat["status"], seat["pause_reason"]) == ("paused", "break")
        [(_, after_branch)] = await read_events(chaoyang, 1)
        assert any(s["status"] == "paused" for s in after_branch["seats"])


async def test_the_board_counts_todays_calls_per_queue_and_raises_alerts(
    stack: Stack, people: dict[str, Browser]
) -> None:
    await stack.fetch(
        "INSERT INTO calls (id, caller_channel_id, state, queue_id, home_platform, started_at,"
        " queued_at, connected_at, ended_at, end_reason) VALUES"
        " ('a', 'ca', 'ended', 'general', 'high', now(), now(), now() + interval '5 s',"
        "  now() + interval '60 s', 'completed'),"
        " ('b', 'cb', 'ended', 'general', 'high', now(), now(), now() + interval '45 s',"
        "  now() + interval '90 s', 'completed'),"
        " ('c', 'cc', 'ended', 'general', 'chaoyang', now(), now(), NULL,"
        "  now() + interval '30 s', 'abandoned_in_queue'),"
        " ('d', 'cd', 'queued', 'general', 'high', now(), now(), NULL, NULL, NULL)"
    )
    zhao = people["zhao"]
    await zhao.sign_in("zhao")
    async with zhao.session.get(f"{zhao.base}/api/live/board") as response:
        [(_, board)] = await read_events(response, 1)
    queue = next(q for q in board["queues"] if q["id"] == "general")
    # Three calls finished waiting (d is still in line): two answered, one within 20 s.
    assert (queue["offered"], queue["answered"], queue["abandoned"]) == (3, 2, 1)
    assert queue["service_level"] == pytest.approx(1 / 3, abs=1e-4)
    assert queue["connection_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert queue["average_wait_s"] == pytest.approx(25.0)
    assert not [a for a in board["alerts"] if a["kind"] == "work-orders-overdue"]
    assert [a["kind"] for a in board["alerts"]] == [], "d waits less than the queue's max wait"


async def test_the_screen_pop_shows_the_callers_path_and_open_work_order(
    stack: Stack, people: dict[str, Browser], tmp_path: Path
) -> None:
    await load_directory(stack.database, tmp_path)
    admin = people["admin"]
    status, body = await admin.send(
        "POST",
        "/api/work-orders",
        {
            "court_id": "chaoyang",
            "case_number": CASE_NUMBER,
            "category": "contact_judge",
            "caller_number": CALLER_NUMBER,
            "content": "询问立案进度，请回电。",
            "by": "high-01",
        },
        headers={"Authorization": f"Bearer {API_TOKEN}"},
    )
    assert status == 201, body
    call_id, _seat_channel, _bridge = await connect_call(stack)
    zhang, li = people["zhang"], people["li"]
    await zhang.sign_in("zhang")
    await li.sign_in("li")
    status, pop = await zhang.send("GET", f"/api/calls/{call_id}/screen-pop")
    assert status == 200, pop
    assert pop["caller"] == "139****5678", "masked as configured"
    assert pop["ivr_path"] and pop["ivr_path"][0] == stack.hotline.holder.current.ivr.start
    [order] = pop["work_orders"]
    assert (order["open"], order["content"]) == (True, "询问立案进度，请回电。")
    status, body = await li.send("GET", f"/api/calls/{call_id}/screen-pop")
    assert (status, body["error"]) == (404, "call-not-found"), "another court's agent"


async def test_an_agent_files_a_work_order_for_the_caller_on_their_call(
    stack: Stack, people: dict[str, Browser], tmp_path: Path
) -> None:
    await load_directory(stack.database, tmp_path)
    call_id, _seat_channel, _bridge = await connect_call(stack)
    zhang, li = people["zhang"], people["li"]
    await zhang.sign_in("zhang")
    await li.sign_in("li")
    order = {
        "category": "contact_judge",
        "court_id": "chaoyang",
        "case_number": CASE_NUMBER,
        "content": "当事人请求法官回电。",
    }
    status, body = await li.send("POST", f"/api/calls/{call_id}/work-order", order)
    assert (status, body["error"]) == (404, "call-not-found"), "not li's call"
    status, body = await zhang.send("POST", f"/api/calls/{call_id}/work-order", order)
    assert status == 201, body
    assert body["handler"] == "张明" and not body["follow_up"]
    [row] = await stack.fetch("SELECT caller_number, call_id FROM work_orders")
    # The number comes from the call itself: the agent never typed (or saw) it in full.
    assert (row["caller_number"], row["call_id"]) == (CALLER_NUMBER, call_id)
    [event] = await stack.fetch("SELECT actor FROM work_order_events WHERE kind = 'created'")
    assert event["actor"] == "zhang@high-01"
    status, body = await zhang.send(
        "POST", f"/api/calls/{call_id}/work-order", {"category": "no-such", "court_id": "high"}
    )
    assert (status, body["error"]) == (422, "bad-field") and "category" in body["message"]


async def test_signing_out_ends_the_session_and_an_idle_session_expires(
    stack: Stack, people: dict[str, Browser]
) -> None:
    zhang, li = people["zhang"], people["li"]
    await zhang.sign_in("zhang")
    status, _ = await zhang.send("POST", "/api/logout", {})
    assert status == 200
    status, _ = await zhang.send("GET", "/api/me")
    assert status == 401
    await li.sign_in("li")
    idle = stack.hotline.holder.current.console.idle_limit + timedelta(minutes=1)
    await stack.fetch(
        "UPDATE console_sessions SET last_seen_at = last_seen_at - $1::interval", idle
    )
    status, _ = await li.send("GET", "/api/me")
    assert status == 401
    assert not await stack.fetch("SELECT id FROM console_sessions")
    actions = await audit_actions(stack)
    assert ("zhang", "logout", "zhang") in actions


async def test_the_console_pages_are_served_with_a_strict_content_policy(
    stack: Stack,
) -> None:
    async with aiohttp.ClientSession() as session:
        for path in ("/login", "/console", "/wallboard"):
            async with session.get(f"{stack.hotline.status_url}{path}") as response:
                assert response.status == 200
                assert "zh-CN" in await response.text()
                policy = response.headers["Content-Security-Policy"]
                assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        async with session.get(f"{stack.hotline.status_url}/static/agent.js") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/javascript")
        for bad in ("/static/..%2Fhttp.py", "/static/nothing.js", "/static/app.py"):
            async with session.get(f"{stack.hotline.status_url}{bad}") as response:
                assert response.status == 404, bad


async def test_personal_data_views_need_the_right_and_are_audited(
    stack: Stack, people: dict[str, Browser]
) -> None:
    zhang, zhao = people["zhang"], people["zhao"]
    await zhang.sign_in("zhang")
    await zhao.sign_in("zhao")
    await stack.fetch(
        "INSERT INTO calls (id, caller_channel_id, state, started_at) VALUES"
        " ('c1', 'ch1', 'ended', now())"
    )
    await stack.fetch(
        "INSERT INTO urgent_contacts (call_id, court_id, case_number, caller_number,"
        " initiated_by, started_at)"
        " VALUES ('c1', 'high', '(2024)京01民初1号', $1, 'high-01', now())",
        CALLER_NUMBER,
    )
    [row] = await stack.fetch("SELECT id FROM urgent_contacts")
    status, body = await zhang.send("GET", f"/api/urgent-contacts/{row['id']}?personal=1")
    assert (status, body["error"]) == (403, "forbidden")
    status, _ = await zhao.send("GET", f"/api/urgent-contacts/{row['id']}?personal=1")
    assert status == 200
    assert ("zhao", "personal-data-viewed", f"urgent-contact:{row['id']}") in await audit_actions(
        stack
    )


async def test_work_orders_are_seen_by_their_court_masked_and_in_full_only_when_audited(
    stack: Stack, people: dict[str, Browser], tmp_path: Path
) -> None:
    await load_directory(stack.database, tmp_path)
    token = {"Authorization": f"Bearer {API_TOKEN}"}
    status, created = await people["admin"].send(
        "POST",
        "/api/work-orders",
        {
            "court_id": "chaoyang",
            "case_number": CASE_NUMBER,
            "category": "contact_judge",
            "caller_number": CALLER_NUMBER,
            "content": "请法官回电。",
            "by": "court-system",
        },
        headers=token,
    )
    assert status == 201 and created["caller_number"] == CALLER_NUMBER, "the token sees all"
    path = f"/api/work-orders/{created['id']}"
    li, zhang, zhao = people["li"], people["zhang"], people["zhao"]
    haidian = Browser(stack)
    await stack.hotline.console.add_user(  # type: ignore[union-attr]
        "sun", "孙话务", Role.AGENT, PASSWORD, platform="haidian"
    )
    try:
        for browser, name in ((li, "li"), (zhang, "zhang"), (zhao, "zhao"), (haidian, "sun")):
            await browser.sign_in(name)
        status, order = await li.send("GET", path)
        assert status == 200 and order["caller_number"] == "139****5678", "chaoyang's own order"
        status, order = await zhang.send("GET", path)
        assert status == 200, "an HQ agent serves every court"
        status, body = await haidian.send("GET", path)
        assert (status, body["error"]) == (404, "work-order-not-found"), "another court's order"
        status, body = await li.send("GET", f"{path}?personal=1")
        assert (status, body["error"]) == (403, "forbidden")
        status, order = await zhao.send("GET", f"{path}?personal=1")
        assert status == 200 and order["caller_number"] == CALLER_NUMBER
        assert ("zhao", "personal-data-viewed", f"work-order:{created['id']}") in (
            await audit_actions(stack)
        )
        status, body = await haidian.send(
            "POST",
            "/api/work-orders",
            {
                "court_id": "chaoyang",
                "category": "other",
                "caller_number": CALLER_NUMBER,
                "content": "代朝阳法院登记。",
            },
        )
        assert (status, body["error"]) == (403, "forbidden") and "court_id" in body["message"]
        status, replied = await li.send(
            "POST", f"{path}/reply", {"text": "法官已回电。", "by": "someone-else"}
        )
        assert status == 200 and replied["status"] == "closed", "a reply closes the order"
        events = await stack.fetch("SELECT kind, actor FROM work_order_events ORDER BY id")
        actors = {row["kind"]: row["actor"] for row in events}
        # The token's caller names itself; a signed-in user is who they are, whatever the body says.
        assert (actors["created"], actors["replied"]) == ("court-system", "li")
    finally:
        await haidian.close()


async def test_a_broken_config_is_refused_with_its_errors_and_a_good_one_applied(
    stack: Stack, people: dict[str, Browser], tmp_path: Path
) -> None:
    admin, zhao = people["admin"], people["zhao"]
    await admin.sign_in("admin")
    await zhao.sign_in("zhao")
    holder = stack.hotline.holder
    good = TEST_CONFIG.read_text(encoding="utf-8")
    holder.path.write_text(good.replace("ring_timeout_s: 6", "ring_timeout_s: six"), "utf-8")
    live = holder.current

    status, body = await zhao.send("POST", "/api/config/reload", {})
    assert (status, body["error"]) == (403, "forbidden"), "a supervisor cannot reload"
    status, checked = await admin.send("POST", "/api/config/check", {})
    assert status == 200 and checked["valid"] is False
    assert any(f"{holder.path}:" in e and "ring_timeout_s" in e for e in checked["errors"])
    status, body = await admin.send("POST", "/api/config/reload", {})
    assert (status, body["error"]) == (422, "config-refused")
    assert body["errors"] == checked["errors"], "the same file:line errors"
    assert holder.current is live, "the last good config keeps running"

    holder.path.write_text(good.replace("name: 综合咨询", "name: 综合咨询服务"), "utf-8")
    status, body = await admin.send("POST", "/api/config/reload", {})
    assert status == 200 and body["applied"] is True and body["last_errors"] == []
    assert holder.current.queue("general").name == "综合咨询服务"
    actions = [action for actor, action, _ in await audit_actions(stack) if actor == "admin"]
    assert actions[-2:] == ["config-reload-refused", "config-reloaded"]


async def test_an_admin_manages_accounts_and_a_new_password_ends_their_sessions(
    stack: Stack, people: dict[str, Browser]
) -> None:
    admin, li = people["admin"], people["li"]
    await admin.sign_in("admin")
    await li.sign_in("li")
    status, body = await li.send("GET", "/api/users")
    assert (status, body["error"]) == (403, "forbidden")
    new = {
        "username": "qian",
        "display_name": "钱话务",
        "role": "agent",
        "platform": "haidian",
        "seats": ["haidian-01"],
        "password": "qian-pass-2026",
    }
    status, created = await admin.send("POST", "/api/users", new)
    assert status == 201 and created["seats"] == ["haidian-01"]
    status, body = await admin.send("POST", "/api/users", new)
    assert (status, body["error"]) == (409, "user-exists")
    status, body = await admin.send(
        "POST", "/api/users", new | {"username": "x1", "seats": ["nope"]}
    )
    assert (status, body["error"]) == (422, "user-invalid") and "nope" in body["message"]
    status, body = await admin.send(
        "PUT",
        "/api/users/admin",
        {"display_name": "管理员", "role": "admin", "platform": None, "disabled": True},
    )
    assert (status, body["error"]) == (409, "user-self-lockout")
    status, _ = await admin.send("POST", "/api/users/li/password", {"password": "li-new-pass-9"})
    assert status == 200
    status, _ = await li.send("GET", "/api/me")
    assert status == 401, "the old session ended with the old password"
    status, _ = await li.sign_in("li", "li-new-pass-9")
    assert status == 200
    targets = [
        target for actor, action, target in await audit_actions(stack) if action == "user-changed"
    ]
    assert targets == ["qian", "li"]


async def test_directory_and_urgent_contacts_are_scoped_to_the_viewers_court(
    stack: Stack, people: dict[str, Browser], tmp_path: Path
) -> None:
    await load_directory(stack.database, tmp_path)
    await stack.hotline.console.add_user(  # type: ignore[union-attr]
        "sun", "孙话务", Role.AGENT, PASSWORD, platform="haidian"
    )
    li, zhang, zhao = people["li"], people["zhang"], people["zhao"]
    sun = Browser(stack)
    try:
        for browser, name in ((li, "li"), (zhang, "zhang"), (zhao, "zhao"), (sun, "sun")):
            await browser.sign_in(name)
        status, courts = await sun.send("GET", "/api/directory/courts")
        assert status == 200 and [c["id"] for c in courts["courts"]] in ([], ["haidian"])
        status, body = await sun.send("GET", "/api/directory/judges?court=chaoyang")
        assert (status, body["error"]) == (404, "court-not-found")
        status, body = await sun.send("GET", "/api/directory/judges/cy-zhang")
        assert (status, body["error"]) == (404, "judge-not-found")
        status, judge = await li.send("GET", "/api/directory/judges/cy-zhang")
        assert status == 200 and judge["mobile"] == "138****0001"
        status, _ = await zhao.send("GET", f"/api/directory/cases/chaoyang/{CASE_NUMBER}")
        assert status == 200, "HQ sees every court"

        await stack.fetch(
            "INSERT INTO urgent_contacts (call_id, court_id, case_number, caller_number,"
            " initiated_by, started_at) VALUES ('c9', 'chaoyang', $1, $2, 'chaoyang-01', now())",
            CASE_NUMBER,
            CALLER_NUMBER,
        )
        [row] = await stack.fetch("SELECT id FROM urgent_contacts")
        path = f"/api/urgent-contacts/{row['id']}"
        assert (await li.send("GET", path))[0] == 200, "started from a seat of li's court"
        assert (await zhao.send("GET", path))[0] == 200, "a supervisor of every court"
        for other in (sun, zhang):
            status, body = await other.send("GET", path)
            assert (status, body["error"]) == (404, "contact-not-found")
    finally:
        await sun.close()


async def test_signing_out_needs_the_csrf_token_too(
    stack: Stack, people: dict[str, Browser]
) -> None:
    li = people["li"]
    await li.sign_in("li")
    status, body = await li.send("POST", "/api/logout", {}, csrf=False)
    assert (status, body["error"]) == (403, "csrf-failed")
    assert (await li.send("GET", "/api/me"))[0] == 200, "still signed in"


async def test_hq_pulls_a_branch_seat_into_hq_queues_and_gives_it_back(
    stack: Stack, people: dict[str, Browser]
) -> None:
    zhao, wang = people["zhao"], people["wang"]
    await zhao.sign_in("zhao")
    await wang.sign_in("wang")
    path = "/api/seats/chaoyang-01/platform"
    status, body = await wang.send("POST", path, {"platform": "high"})
    assert (status, body["error"]) == (403, "forbidden"), "a branch supervisor cannot"
    status, body = await zhao.send("POST", path, {"platform": "narnia"})
    assert (status, body["error"]) == (422, "bad-field")
    status, seat = await zhao.send("POST", path, {"platform": "high"})
    assert status == 200 and seat["serving_platform"] == "high"
    assert stack.hotline.seats.get("chaoyang-01").routing_platform == "high"  # type: ignore[union-attr]

    # A 12368 caller (HQ's) now reaches the pulled seat at HQ's first tier, not after 8 s.
    stack.hotline.seats.set_registered("high-01", False)
    stack.hotline.seats.set_registered("chaoyang-01", True)
    await stack.caller_arrives()
    await stack.press("0")
    [offer] = await eventually(lambda: stack.originations(), 3)
    assert offer["endpoint"] == "PJSIP/chaoyang-01"

    status, seat = await zhao.send("POST", path, {"platform": None})
    assert status == 200 and seat["serving_platform"] is None
    audited = await stack.fetch(
        "SELECT detail->>'serving_platform' AS platform FROM audit_log"
        " WHERE action = 'seat-status-changed' ORDER BY id"
    )
    assert [row["platform"] for row in audited] == ["high", "chaoyang"]


async def test_only_the_agent_on_a_connected_call_puts_it_on_hold(
    stack: Stack, people: dict[str, Browser]
) -> None:
    call_id, _seat_channel, bridge = await connect_call(stack)
    zhang, zhao = people["zhang"], people["zhao"]
    await zhang.sign_in("zhang")
    await zhao.sign_in("zhao")
    status, body = await zhao.send("POST", f"/api/calls/{call_id}/hold", {})
    assert (status, body["error"]) == (403, "not-your-call"), "a supervisor listens, not holds"
    status, body = await zhang.send("POST", f"/api/calls/{call_id}/resume", {})
    assert (status, body["error"]) == (409, "call-not-holdable")
    status, body = await zhang.send("POST", f"/api/calls/{call_id}/hold", {})
    assert (status, body) == (202, {"call_id": call_id, "held": True})
    await eventually(lambda: stack.requests("POST", f"/bridges/{bridge}/removeChannel"))
    assert stack.hotline.calls.call(call_id).held  # type: ignore[union-attr]
    status, body = await zhang.send("POST", f"/api/calls/{call_id}/hold", {})
    assert (status, body["error"]) == (409, "call-not-holdable"), "already on hold"


async def test_an_agent_transfers_the_caller_to_another_queue_and_the_next_seat_takes_over(
    stack: Stack, people: dict[str, Browser]
) -> None:
    call_id, seat_channel, bridge = await connect_call(stack)
    zhang = people["zhang"]
    await zhang.sign_in("zhang")
    status, body = await zhang.send("POST", f"/api/calls/{call_id}/transfer", {"queue": "nope"})
    assert (status, body["error"]) == (422, "bad-field") and "complaint" in body["message"]
    stack.hotline.seats.set_registered("chaoyang-01", True)  # the complaint queue's seat
    status, body = await zhang.send(
        "POST", f"/api/calls/{call_id}/transfer", {"queue": "complaint"}
    )
    assert (status, body) == (202, {"call_id": call_id, "queue": "complaint"})

    # This leg ends: the agent's channel and the bridge go, the seat is free for the next call.
    await eventually(lambda: stack.requests("DELETE", f"/channels/{seat_channel}"))
    await eventually(lambda: stack.requests("DELETE", f"/bridges/{bridge}"))
    offer = await eventually(
        lambda: [o for o in stack.originations() if o["channelId"] == f"{call_id}-seat2"]
    )
    assert offer[0]["endpoint"] == "PJSIP/chaoyang-01"
    await stack.seat_answers(f"{call_id}-seat2", call_id)
    records = await eventually(
        lambda: [
            r
            for r in stack.fake.requests
            if r.method == "POST"
            and r.path.endswith("/record")
            and r.params.get("name") == f"{call_id}-2"
        ]
    )
    assert records, "the second leg has its own recording"
    legs = await eventually_rows(
        stack,
        "SELECT name, seat_id FROM recordings WHERE call_id = $1 AND name = $2",
        call_id,
        f"{call_id}-2",
    )
    assert legs[0]["seat_id"] == "chaoyang-01"
    [first] = await stack.fetch("SELECT seat_id FROM recordings WHERE name = $1", call_id)
    assert first["seat_id"] == "high-01", "each leg's recording names its own seat"
    [row] = await stack.fetch("SELECT queue_id, seat_id FROM calls WHERE id = $1", call_id)
    assert (row["queue_id"], row["seat_id"]) == ("complaint", "chaoyang-01")


async def consult_answers(stack: Stack, channel_id: str, call_id: str) -> None:
    channel = stack.fake.channels[channel_id]
    channel["state"] = "Up"
    await stack.fake.emit({"type": "StasisStart", "channel": channel, "args": ["consult", call_id]})


def added_to(stack: Stack, bridge: str, channel_id: str) -> list[Any]:
    return [
        r
        for r in stack.requests("POST", f"/bridges/{bridge}/addChannel")
        if r.params.get("channel") == channel_id
    ]


def seat_state(stack: Stack, seat_id: str) -> str:
    seat = stack.hotline.seats.get(seat_id)
    assert seat is not None
    return seat.state.value


async def test_an_agent_consults_a_seat_of_another_queue_then_hands_the_caller_over(
    stack: Stack, people: dict[str, Browser]
) -> None:
    call_id, seat_channel, bridge = await connect_call(stack)
    zhang = people["zhang"]
    await zhang.sign_in("zhang")
    stack.hotline.seats.set_registered("chaoyang-01", True)  # the complaint queue's seat
    path = f"/api/calls/{call_id}/consult"
    status, body = await zhang.send("POST", path, {"kind": "queue", "target": "complaint"})
    assert (status, body) == (
        202,
        {"call_id": call_id, "consult": {"kind": "queue", "target": "complaint"}},
    )

    leg = f"{call_id}-consult1"
    [offer] = await eventually(lambda: [o for o in stack.originations() if o["channelId"] == leg])
    assert offer["endpoint"] == "PJSIP/chaoyang-01"
    await eventually(lambda: stack.requests("POST", f"/bridges/{bridge}/removeChannel"))
    assert seat_state(stack, "chaoyang-01") == "ringing"
    status, body = await zhang.send("POST", f"{path}/complete", {})
    assert (status, body["error"]) == (409, "no-consultation"), "not answered yet"

    await consult_answers(stack, leg, call_id)
    await eventually(lambda: added_to(stack, bridge, leg))
    assert seat_state(stack, "chaoyang-01") == "talking"
    call = stack.hotline.calls.call(call_id)  # type: ignore[union-attr]
    assert call is not None and call.held and call.seat_id == "high-01"

    status, body = await zhang.send("POST", f"{path}/complete", {})
    assert (status, body) == (202, {"call_id": call_id, "consult": "complete"})
    await eventually(lambda: stack.requests("DELETE", f"/channels/{seat_channel}"))
    await eventually(lambda: added_to(stack, bridge, CALLER))
    assert seat_state(stack, "high-01") == "idle"  # the general queue has no wrap-up
    rows = await eventually_rows(
        stack,
        "SELECT queue_id, seat_id FROM calls WHERE id = $1 AND seat_id = 'chaoyang-01'",
        call_id,
    )
    assert rows[0]["queue_id"] == "complaint"
    # The caller is chaoyang-01's call now: zhang (HQ agent) no longer even sees it.
    status, body = await zhang.send("POST", f"/api/calls/{call_id}/hold", {})
    assert (status, body["error"]) == (404, "call-not-found")


async def test_a_consultation_cancelled_frees_the_consulted_seat_and_brings_the_caller_back(
    stack: Stack, people: dict[str, Browser]
) -> None:
    call_id, _seat_channel, bridge = await connect_call(stack)
    zhang = people["zhang"]
    await zhang.sign_in("zhang")
    stack.hotline.seats.set_registered("chaoyang-01", True)
    path = f"/api/calls/{call_id}/consult"
    assert (await zhang.send("POST", path, {"kind": "queue", "target": "complaint"}))[0] == 202
    leg = f"{call_id}-consult1"
    await eventually(lambda: [o for o in stack.originations() if o["channelId"] == leg])
    await consult_answers(stack, leg, call_id)
    await eventually(lambda: added_to(stack, bridge, leg))
    status, body = await zhang.send("POST", path, {"kind": "queue", "target": "complaint"})
    assert (status, body["error"]) == (409, "call-not-transferable"), "one at a time"
    status, body = await zhang.send(
        "POST",
        f"/api/calls/{call_id}/urgent-contact",
        {"court_id": "chaoyang", "case_number": "(2026)京0105民初100号", "seat": "high-01"},
    )
    assert (status, body["error"]) == (409, "call-not-connected"), body
    assert "consulting" in body["message"]

    assert (await zhang.send("POST", f"{path}/cancel", {}))[0] == 202
    await eventually(lambda: stack.requests("DELETE", f"/channels/{leg}"))
    await eventually(lambda: added_to(stack, bridge, CALLER))
    await eventually(lambda: seat_state(stack, "chaoyang-01") == "idle")
    call = stack.hotline.calls.call(call_id)  # type: ignore[union-attr]
    assert call is not None and not call.held and call.consult is None
    assert call.seat_id == "high-01"


async def test_consulting_asks_for_a_known_target_with_a_free_seat_or_a_number(
    stack: Stack, people: dict[str, Browser]
) -> None:
    call_id, _seat_channel, _bridge = await connect_call(stack)
    zhang, zhao = people["zhang"], people["zhao"]
    await zhang.sign_in("zhang")
    await zhao.sign_in("zhao")
    path = f"/api/calls/{call_id}/consult"
    cases = [
        ({"kind": "fax", "target": "complaint"}, 422, "bad-field"),
        ({"kind": "queue"}, 422, "bad-field"),
        ({"kind": "queue", "target": "complaint", "blind": "yes"}, 422, "bad-field"),
        ({"kind": "queue", "target": "nope"}, 422, "queue-not-found"),
        # chaoyang-01's phone is not registered: nobody in that queue is free now.
        ({"kind": "queue", "target": "complaint"}, 409, "no-free-seat"),
        ({"kind": "judge", "target": "cy-zhang"}, 422, "judge-not-found"),
        # Listed as a consulting judge, but not (yet) in the directory.
        ({"kind": "judge", "target": "cy-zhou"}, 409, "no-contact-number"),
    ]
    for body, status, code in cases:
        got_status, got = await zhang.send("POST", path, body)
        assert (got_status, got["error"]) == (status, code), body
    status, body = await zhao.send("POST", path, {"kind": "queue", "target": "complaint"})
    assert (status, body["error"]) == (403, "not-your-call")
    status, body = await zhang.send("POST", f"{path}/cancel", {})
    assert (status, body["error"]) == (409, "no-consultation")
    assert not [o for o in stack.originations() if "consult" in o["channelId"]]
    _, me = await zhang.send("GET", "/api/me")
    assert me["consulting_judges"] == [], "a judge missing from the directory is not offered"


async def test_a_blind_transfer_to_the_consulting_judge_leaves_caller_and_judge_talking(
    stack: Stack, people: dict[str, Browser], tmp_path: Path
) -> None:
    await load_directory(stack.database, tmp_path)
    directory = stack.hotline.directory
    assert directory is not None
    await directory.upsert_judge(
        Judge("cy-zhou", "chaoyang", "周法官", office_phone="01065550101", mobile="13800000777")
    )
    call_id, seat_channel, bridge = await connect_call(stack)
    zhang = people["zhang"]
    await zhang.sign_in("zhang")
    _, me = await zhang.send("GET", "/api/me")
    assert me["consulting_judges"] == [{"id": "cy-zhou", "name": "周法官"}]
    body = {"kind": "judge", "target": "cy-zhou", "blind": True}
    assert (await zhang.send("POST", f"/api/calls/{call_id}/consult", body))[0] == 202

    leg = f"{call_id}-consult1"
    [offer] = await eventually(lambda: [o for o in stack.originations() if o["channelId"] == leg])
    # The office phone, through the carrier, showing the hotline's number.
    assert offer["endpoint"] == "PJSIP/01065550101@carrier"
    assert offer["callerId"] == '"12368" <12368>'
    await consult_answers(stack, leg, call_id)
    # Blind: the caller joins the judge at once and the agent's seat is let go.
    await eventually(lambda: added_to(stack, bridge, CALLER))
    await eventually(lambda: stack.requests("DELETE", f"/channels/{seat_channel}"))
    call = stack.hotline.calls.call(call_id)  # type: ignore[union-attr]
    assert call is not None and (call.contact_channel_id, call.seat_channel_id) == (leg, None)
    await eventually(lambda: seat_state(stack, "high-01") == "idle")

    await stack.hang_up(leg)  # the judge hangs up: the call is over
    row = await stack.ended_row(call_id)
    assert (row["end_reason"], row["ended_by"]) == ("completed", "contact")
    await eventually(lambda: stack.requests("DELETE", f"/channels/{CALLER}"))

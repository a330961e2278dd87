"""The work-order API and the judge's reply page over HTTP, against a real WorkOrderService on
PostgreSQL with a controllable clock: token checks, field errors, the lifecycle through the API,
and the SMS link's page (expiry, tampering, empty replies, escaping, no replay, "I have phoned
the caller")."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from console.sessions import SessionGuard
from directory.store import DirectoryStore
from schedule.calendar import WorkdayCalendar
from store.database import create_pool, migrate
from tests.directory_data import (
    CASE_NUMBER,
    HEAD_MOBILE,
    JUDGE_MOBILE,
    PARTY_PHONE,
    load_directory,
)
from tests.functional.test_work_orders import SECRET, ZONE, Clock, Orders
from tests.support import fetch
from workorders.config import WorkOrdersSection
from workorders.http import WorkOrderApi
from workorders.service import WorkOrderService, WorkOrderSettings
from workorders.store import WorkOrderStore

TOKEN = "work-order-api-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Client = TestClient[web.Request, web.Application]
SECTION = WorkOrdersSection()
CONTENT = "请法官尽快联系我，关于执行线索。"
OTHER_CALLER = "13700001111"
OTHER_CONTENT = "另一位当事人：请告知开庭时间。"
MISSING = object()  # a field left out of the request body
PHONED = {"action": "phoned_caller"}  # the form of the "我已电话联系当事人" button
# Wednesday 16:00 before the National Day holiday: one working day later is Thursday 10-08 16:00.
DISPATCHED_AT = datetime(2026, 9, 30, 16, 0, tzinfo=ZONE)
DUE_AT = datetime(2026, 10, 8, 16, 0, tzinfo=ZONE)


# The API token only: console sessions and roles are tested in test_console.py.
GUARD = SessionGuard(lambda: None, lambda: TOKEN)


@dataclass
class Api:
    client: Client
    orders: Orders

    async def create(self, **changes: object) -> dict[str, Any]:
        response = await self.client.post(
            "/api/work-orders", headers=AUTH, json=new_order(**changes)
        )
        assert response.status in (200, 201), await response.text()
        document: dict[str, Any] = await response.json()
        return document

    async def act(self, order_id: int, action: str, **body: str) -> ClientResponse:
        return await self.client.post(
            f"/api/work-orders/{order_id}/{action}", headers=AUTH, json={"by": "high-01", **body}
        )

    async def row(self, order_id: int) -> dict[str, Any]:
        [row] = await fetch(
            self.orders.database,
            "SELECT status, reply, replied_by, follow_ups, reopened_count FROM work_orders"
            " WHERE id = $1",
            order_id,
        )
        return dict(row)

    async def events(self, order_id: int) -> list[tuple[str, str]]:
        rows = await fetch(
            self.orders.database,
            "SELECT kind, actor FROM work_order_events WHERE work_order_id = $1 ORDER BY id",
            order_id,
        )
        return [(row["kind"], row["actor"]) for row in rows]

    async def order_count(self) -> int:
        [row] = await fetch(self.orders.database, "SELECT count(*) AS n FROM work_orders")
        return int(row["n"])

    async def sms_kinds(self) -> list[tuple[str, str]]:
        return [(to, kind) for to, kind, _text in await self.orders.sms()]

    async def reply_path(
        self, order_id: int, kind: str = "dispatch", to: str = JUDGE_MOBILE
    ) -> str:
        """The path of the link in one of the order's SMS, as the recipient's phone opens it."""
        [row] = await fetch(
            self.orders.database,
            "SELECT text FROM sms_outbox WHERE reference = $1 AND kind = $2 AND to_number = $3",
            f"work-order:{order_id}",
            kind,
            to,
        )
        found = re.search(r"https?://[!-~]+", row["text"])
        assert found is not None, row["text"]
        url = found.group(0)
        assert url.startswith(f"{SECTION.public_url}/w/")
        return urlsplit(url).path


def new_order(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "court_id": "chaoyang",
        "case_number": CASE_NUMBER,
        "category": "contact_judge",
        "urgency": "normal",
        "caller_number": PARTY_PHONE,
        "content": CONTENT,
        "by": "high-01",
    }
    body.update(changes)
    return {name: value for name, value in body.items() if value is not MISSING}


async def serve(service: WorkOrderService | None) -> Client:
    app = web.Application()
    WorkOrderApi(lambda: service, GUARD).add_routes(app)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


@contextlib.asynccontextmanager
async def running_api(database: dict[str, Any], tmp_path: Path) -> AsyncIterator[Api]:
    """The WorkOrderApi on a test server, over a real service and PostgreSQL (also used by the
    browser tests of the reply page)."""
    await load_directory(database, tmp_path)
    pool = await create_pool(database, max_size=4)
    await migrate(pool)
    clock = Clock(DISPATCHED_AT)
    settings = WorkOrderSettings(SECTION, SECRET, "12368热线", WorkdayCalendar())
    service = WorkOrderService(WorkOrderStore(pool), DirectoryStore(pool), lambda: settings, clock)
    client = await serve(service)
    try:
        yield Api(client, Orders(service, clock, database, pool))
    finally:
        await client.close()
        await pool.close()


@pytest.fixture
async def api(database: dict[str, Any], tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database, tmp_path) as running:
        yield running


# ---- the API ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/work-orders"),
        ("GET", "/api/work-orders/1"),
        ("POST", "/api/work-orders/1/close"),
    ],
)
async def test_every_api_route_needs_the_api_token(api: Api, method: str, path: str) -> None:
    await api.create()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = await api.client.request(method, path, headers=headers, json=new_order())
        assert response.status == 401
        assert (await response.json())["error"] == "unauthorized"
    assert await api.order_count() == 1
    assert (await api.row(1))["status"] == "dispatched"


async def test_an_agent_creates_an_order_dispatched_to_the_judge_with_numbers_and_due_time(
    api: Api,
) -> None:
    response = await api.client.post("/api/work-orders", headers=AUTH, json=new_order())
    assert response.status == 201
    document = await response.json()
    # The agent's API shows numbers in full (personal_data=True), unlike the directory API.
    assert {
        name: document[name]
        for name in ("case_number", "category", "urgency", "status", "caller_number", "content")
    } == {
        "case_number": CASE_NUMBER,
        "category": "contact_judge",
        "urgency": "normal",
        "status": "dispatched",
        "caller_number": PARTY_PHONE,
        "content": CONTENT,
    }
    assert document["handler"] == {"kind": "judge", "name": "张明", "mobile": JUDGE_MOBILE}
    assert datetime.fromisoformat(document["due_at"]) == DUE_AT
    assert datetime.fromisoformat(document["created_at"]) == DISPATCHED_AT
    assert (document["follow_up"], document["follow_ups"], document["reply"]) == (False, 0, None)
    assert await api.sms_kinds() == [(JUDGE_MOBILE, "dispatch")]


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"text"', b"\xff\xfe", b""])
async def test_a_create_body_that_is_not_a_json_object_is_bad_json(api: Api, body: bytes) -> None:
    response = await api.client.post(
        "/api/work-orders",
        headers={**AUTH, "Content-Type": "application/json"},
        data=body,
    )
    assert response.status == 400
    assert (await response.json())["error"] == "bad-json"
    assert await api.order_count() == 0


@pytest.mark.parametrize(
    ("changes", "status", "code", "named"),
    [
        pytest.param(
            {"category": "weather"},
            422,
            "bad-field",
            "category: must be one of contact_judge",
            id="unknown-category",
        ),
        pytest.param({"category": MISSING}, 422, "bad-field", "category:", id="no-category"),
        pytest.param(
            {"urgency": "asap"},
            422,
            "bad-field",
            "urgency: must be normal or urgent",
            id="unknown-urgency",
        ),
        pytest.param({"content": "   "}, 422, "bad-field", "content:", id="blank-content"),
        pytest.param({"content": MISSING}, 422, "bad-field", "content:", id="no-content"),
        pytest.param({"content": "长" * 2001}, 422, "bad-field", "content:", id="long-content"),
        pytest.param({"content": 12}, 422, "bad-field", "content:", id="content-not-text"),
        pytest.param({"caller_number": ""}, 422, "bad-field", "caller_number:", id="no-caller"),
        pytest.param(
            {"caller_number": "call me"},
            422,
            "work-order-invalid",
            "caller number",
            id="caller-not-a-number",
        ),
        pytest.param({"by": MISSING}, 422, "bad-field", "by:", id="no-agent"),
        pytest.param(
            {"case_number": "(2026)京0105民初999号"},
            404,
            "work-order-not-found",
            "case_number: no case",
            id="unknown-case",
        ),
        pytest.param(
            {"court_id": "haidian"},
            404,
            "work-order-not-found",
            "case_number: no case",
            id="case-of-another-court",
        ),
        # Not named as a field: an unknown court without a case has nobody to handle it.
        pytest.param(
            {"court_id": "haidian", "case_number": MISSING},
            422,
            "work-order-no-eligible-handler",
            "nobody may handle",
            id="unknown-court-without-case",
        ),
    ],
)
async def test_a_create_with_a_bad_field_is_refused_naming_the_field(
    api: Api, changes: dict[str, object], status: int, code: str, named: str
) -> None:
    response = await api.client.post("/api/work-orders", headers=AUTH, json=new_order(**changes))
    assert response.status == status
    document = await response.json()
    assert document["error"] == code
    assert named in document["message"]
    assert await api.order_count() == 0
    assert await api.orders.sms() == []


async def test_get_shows_the_order_and_its_history(api: Api) -> None:
    created = await api.create()
    response = await api.client.get(f"/api/work-orders/{created['id']}", headers=AUTH)
    assert response.status == 200
    document = await response.json()
    assert (document["id"], document["status"], document["content"]) == (
        created["id"],
        "dispatched",
        CONTENT,
    )
    assert datetime.fromisoformat(document["due_at"]) == DUE_AT
    assert [(event["kind"], event["actor"]) for event in document["events"]] == [
        ("created", "high-01"),
        ("dispatched", "high-01"),
    ]


# "²" is a digit to str.isdigit but not to int(): it must be a 404 like any other bad id.
@pytest.mark.parametrize("order_id", ["999", "abc", "%C2%B2", "1234567890123456789", "-1"])
async def test_an_unknown_or_malformed_order_id_is_work_order_not_found(
    api: Api, order_id: str
) -> None:
    await api.create()
    for method, path in (
        ("GET", f"/api/work-orders/{order_id}"),
        ("POST", f"/api/work-orders/{order_id}/close"),
    ):
        response = await api.client.request(method, path, headers=AUTH, json={"by": "high-01"})
        assert response.status == 404, (path, await response.text())
        assert (await response.json())["error"] == "work-order-not-found"
    assert (await api.row(1))["status"] == "dispatched"


async def test_a_reply_through_the_api_closes_the_order_and_texts_the_caller(api: Api) -> None:
    order_id = (await api.create())["id"]
    api.orders.clock.now += timedelta(hours=2)
    response = await api.act(order_id, "reply", text="已电话联系当事人，下周二安排谈话。")
    assert response.status == 200
    document = await response.json()
    assert (document["status"], document["reply"]) == (
        "closed",
        "已电话联系当事人，下周二安排谈话。",
    )
    assert datetime.fromisoformat(document["closed_at"]) == DISPATCHED_AT + timedelta(hours=2)
    to, kind, text = (await api.orders.sms())[-1]
    assert (to, kind) == (PARTY_PHONE, "reply") and "下周二安排谈话" in text


async def test_a_closed_order_is_reopened_dispatched_again_and_closed(api: Api) -> None:
    order_id = (await api.create())["id"]
    assert (await api.act(order_id, "reply", text="已联系。")).status == 200
    api.orders.clock.now += timedelta(days=1)
    reopened = await api.act(order_id, "reopen", reason="当事人称未接到电话")
    assert reopened.status == 200
    document = await reopened.json()
    assert (document["status"], document["reply"]) == ("dispatched", None)
    assert datetime.fromisoformat(document["due_at"]) > DUE_AT
    closed = await api.act(order_id, "close")
    assert closed.status == 200
    assert (await closed.json())["status"] == "closed"
    assert await api.sms_kinds() == [
        (JUDGE_MOBILE, "dispatch"),
        (PARTY_PHONE, "reply"),
        (JUDGE_MOBILE, "dispatch"),
    ]
    history = await (await api.client.get(f"/api/work-orders/{order_id}", headers=AUTH)).json()
    assert [event["kind"] for event in history["events"]] == [
        "created",
        "dispatched",
        "replied",
        "closed",
        "reopened",
        "dispatched",
        "closed",
    ]


async def test_an_action_the_status_does_not_allow_is_a_bad_transition(api: Api) -> None:
    order_id = (await api.create())["id"]
    reopen_open = await api.act(order_id, "reopen", reason="还没办结")
    assert reopen_open.status == 409
    assert (await reopen_open.json())["error"] == "work-order-bad-transition"
    assert (await api.act(order_id, "close")).status == 200
    for action, body in (("close", {}), ("reply", {"text": "迟到的答复"})):
        response = await api.act(order_id, action, **body)
        assert response.status == 409, action
        document = await response.json()
        assert document["error"] == "work-order-bad-transition"
        assert "closed" in document["message"]
    row = await api.row(order_id)
    assert (row["status"], row["reply"], row["reopened_count"]) == ("closed", None, 0)
    assert await api.sms_kinds() == [(JUDGE_MOBILE, "dispatch")]


@pytest.mark.parametrize(
    ("action", "body", "status", "code", "named"),
    [
        ("reply", {}, 422, "bad-field", "text:"),
        ("reply", {"text": " \n "}, 422, "bad-field", "text:"),
        ("reply", {"text": "已联系。", "by": ""}, 422, "bad-field", "by:"),
        ("reopen", {}, 422, "bad-field", "reason:"),
        ("delete", {}, 404, "bad-action", "action: must be reply, close or reopen"),
    ],
)
async def test_an_action_with_a_missing_field_or_unknown_name_is_refused(
    api: Api, action: str, body: dict[str, str], status: int, code: str, named: str
) -> None:
    order_id = (await api.create())["id"]
    response = await api.act(order_id, action, **body)
    assert response.status == status
    document = await response.json()
    assert (document["error"], named in document["message"]) == (code, True)
    assert (await api.row(order_id))["status"] == "dispatched"
    assert await api.sms_kinds() == [(JUDGE_MOBILE, "dispatch")]


async def test_a_repeat_caller_gets_a_follow_up_on_the_same_order_not_a_new_one(
    api: Api,
) -> None:
    first = await api.create()
    api.orders.clock.now += timedelta(hours=1)
    response = await api.client.post(
        "/api/work-orders", headers=AUTH, json=new_order(content="我又打来了，还没有法官联系我。")
    )
    assert response.status == 200
    again = await response.json()
    assert (again["id"], again["follow_up"], again["follow_ups"]) == (first["id"], True, 1)
    assert again["content"] == CONTENT
    assert await api.order_count() == 1
    assert await api.sms_kinds() == [(JUDGE_MOBILE, "dispatch"), (JUDGE_MOBILE, "follow_up")]


async def test_while_the_switch_starts_the_api_and_the_page_answer_503() -> None:
    client = await serve(None)
    try:
        create = await client.post("/api/work-orders", headers=AUTH, json=new_order())
        assert (create.status, (await create.json())["error"]) == (503, "not-ready")
        get = await client.get("/api/work-orders/1", headers=AUTH)
        assert (get.status, (await get.json())["error"]) == (503, "not-ready")
        page = await client.get("/w/" + "A" * 40)
        assert page.status == 503 and "系统启动中" in await page.text()
    finally:
        await client.close()


# ---- the judge's reply page ------------------------------------------------------------------
async def test_the_sms_link_opens_a_zh_cn_phone_page_with_this_order_and_a_reply_form(
    api: Api,
) -> None:
    order_id = (await api.create())["id"]
    other_id = (await api.create(caller_number=OTHER_CALLER, content=OTHER_CONTENT))["id"]
    assert other_id != order_id
    response = await api.client.get(await api.reply_path(order_id))
    assert response.status == 200
    assert response.content_type == "text/html" and response.charset == "utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "form-action 'self'" in response.headers["Content-Security-Policy"]
    page = await response.text()
    assert '<html lang="zh-CN">' in page
    assert '<meta name="viewport" content="width=device-width' in page
    assert f"<title>工单{order_id}</title>" in page
    assert CONTENT in page and CASE_NUMBER in page and "办理中" in page
    # The judge is to call the caller back: the number is shown in full, as in the dispatch SMS.
    assert PARTY_PHONE in page
    assert JUDGE_MOBILE not in page
    # The deadline as the judge reads it, in the court's time (Beijing), not UTC.
    assert "2026-10-08 16:00" in page
    assert '<form method="post">' in page and 'name="reply"' in page
    assert OTHER_CONTENT not in page and OTHER_CALLER not in page

    other = await (await api.client.get(await api.reply_path(other_id))).text()
    assert OTHER_CONTENT in other and CONTENT not in other and PARTY_PHONE not in other


async def test_an_escalation_link_shows_the_order_read_only_and_cannot_reply(api: Api) -> None:
    order_id = (await api.create())["id"]
    api.orders.clock.now = DUE_AT + timedelta(hours=1)
    assert await api.orders.service.press() == 1
    # The division head, pressed past the due time, may look but not answer for the judge.
    path = await api.reply_path(order_id, "escalation", HEAD_MOBILE)
    response = await api.client.get(path)
    assert response.status == 200
    page = await response.text()
    assert CONTENT in page and "仅供查阅" in page
    assert "<form" not in page

    response = await api.client.post(path, data={"reply": "我来答复。"})
    assert response.status == 403
    assert "仅供查阅" in await response.text()
    row = await api.row(order_id)
    assert (row["status"], row["reply"]) == ("dispatched", None)


async def test_a_reply_from_the_page_closes_the_order_texts_the_caller_and_shows_it_answered(
    api: Api,
) -> None:
    order_id = (await api.create())["id"]
    path = await api.reply_path(order_id)
    api.orders.clock.now += timedelta(hours=3)
    response = await api.client.post(path, data={"reply": "  已电话联系当事人，下周二安排谈话。 "})
    assert response.status == 200
    assert f"工单{order_id}的答复已提交" in await response.text()
    row = await api.row(order_id)
    assert (row["status"], row["reply"], row["replied_by"]) == (
        "closed",
        "已电话联系当事人，下周二安排谈话。",
        "reply-link",
    )
    to, kind, text = (await api.orders.sms())[-1]
    assert (to, kind) == (PARTY_PHONE, "reply") and "下周二安排谈话" in text

    again = await api.client.get(path)
    assert again.status == 200
    page = await again.text()
    assert "已办结" in page and "此工单已办结。答复：已电话联系当事人，下周二安排谈话。" in page
    assert "<form" not in page


async def test_a_replayed_reply_cannot_change_a_closed_order(api: Api) -> None:
    order_id = (await api.create())["id"]
    path = await api.reply_path(order_id)
    first = await api.client.post(path, data={"reply": "第一次答复"})
    assert first.status == 200
    for _ in range(2):
        replay = await api.client.post(path, data={"reply": "改过的答复"})
        assert replay.status == 409
        assert "无法提交" in await replay.text()
    assert (await api.row(order_id))["reply"] == "第一次答复"
    assert await api.sms_kinds() == [(JUDGE_MOBILE, "dispatch"), (PARTY_PHONE, "reply")]


async def test_the_page_cannot_reply_to_an_order_the_agent_closed(api: Api) -> None:
    order_id = (await api.create())["id"]
    path = await api.reply_path(order_id)
    assert (await api.act(order_id, "close")).status == 200
    page = await (await api.client.get(path)).text()
    assert "此工单已办结" in page and "<form" not in page
    response = await api.client.post(path, data={"reply": "迟到的答复"})
    assert response.status == 409
    row = await api.row(order_id)
    assert (row["status"], row["reply"]) == ("closed", None)
    assert await api.sms_kinds() == [(JUDGE_MOBILE, "dispatch")]


async def test_an_expired_link_shows_the_expiry_page_and_changes_nothing(api: Api) -> None:
    order_id = (await api.create())["id"]
    path = await api.reply_path(order_id)
    api.orders.clock.now = DISPATCHED_AT + SECTION.link_ttl - timedelta(seconds=1)
    assert (await api.client.get(path)).status == 200
    api.orders.clock.now = DISPATCHED_AT + SECTION.link_ttl
    for response in (
        await api.client.get(path),
        await api.client.post(path, data={"reply": "太晚的答复"}),
        await api.client.post(path, data=PHONED, allow_redirects=False),
    ):
        assert response.status == 410
        page = await response.text()
        assert "链接已过期" in page and '<html lang="zh-CN">' in page
        assert CONTENT not in page and PARTY_PHONE not in page
    row = await api.row(order_id)
    assert (row["status"], row["reply"]) == ("dispatched", None)
    assert await api.sms_kinds() == [(JUDGE_MOBILE, "dispatch")]


@pytest.mark.parametrize("position", [0, 4, 20, 39])
async def test_a_tampered_link_is_refused_and_changes_nothing(api: Api, position: int) -> None:
    order_id = (await api.create())["id"]
    path = await api.reply_path(order_id)
    prefix, token = path.rsplit("/", 1)
    changed = "B" if token[position] == "A" else "A"
    tampered = f"{prefix}/{token[:position]}{changed}{token[position + 1 :]}"
    for response in (
        await api.client.get(tampered),
        await api.client.post(tampered, data={"reply": "伪造的答复"}),
        await api.client.post(tampered, data=PHONED, allow_redirects=False),
    ):
        assert response.status == 404
        page = await response.text()
        assert "链接无效" in page
        assert CONTENT not in page and PARTY_PHONE not in page
    row = await api.row(order_id)
    assert (row["status"], row["reply"]) == ("dispatched", None)
    assert await api.sms_kinds() == [(JUDGE_MOBILE, "dispatch")]
    assert await api.events(order_id) == [("created", "high-01"), ("dispatched", "high-01")]


@pytest.mark.parametrize("form", [{"reply": ""}, {"reply": " \n\t "}, {}, {"reply": "长" * 2001}])
async def test_an_empty_or_too_long_reply_shows_an_error_and_changes_nothing(
    api: Api, form: dict[str, str]
) -> None:
    order_id = (await api.create())["id"]
    path = await api.reply_path(order_id)
    response = await api.client.post(path, data=form)
    assert response.status == 422
    page = await response.text()
    assert "答复内容不能为空" in page
    # Back to the form, relative to the link itself (the token is its last part).
    assert f'href="{path.rsplit("/", 1)[1]}">返回工单</a>' in page
    row = await api.row(order_id)
    assert (row["status"], row["reply"]) == ("dispatched", None)
    assert await api.sms_kinds() == [(JUDGE_MOBILE, "dispatch")]


async def test_html_in_the_content_and_the_reply_is_escaped_on_the_page(api: Api) -> None:
    order_id = (await api.create(content='<script>alert("content")</script>'))["id"]
    path = await api.reply_path(order_id)
    page = await (await api.client.get(path)).text()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;content&quot;)&lt;/script&gt;" in page

    reply = '</p><img src=x onerror="alert(1)"><p>'
    assert (await api.client.post(path, data={"reply": reply})).status == 200
    answered = await (await api.client.get(path)).text()
    assert "<img" not in answered and 'onerror="' not in answered
    assert "&lt;/p&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;p&gt;" in answered


# ---- "我已电话联系当事人" on the reply page -----------------------------------------------------
async def test_the_judge_records_phoning_the_caller_and_the_page_shows_when(api: Api) -> None:
    order_id = (await api.create())["id"]
    path = await api.reply_path(order_id)
    before = await (await api.client.get(path)).text()
    assert "我已电话联系当事人" in before and 'value="phoned_caller"' in before
    assert "电话联系当事人</p>" not in before
    api.orders.clock.now += timedelta(minutes=5, seconds=30)

    response = await api.client.post(path, data=PHONED, allow_redirects=False)
    # Post/Redirect/Get, to the same link (relative: the console may sit behind a prefix).
    assert response.status == 303
    assert response.headers["Location"] == path.rsplit("/", 1)[1]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"

    page = await (await api.client.get(path)).text()
    # In the court's time, as the deadline is shown.
    assert "已于 16:05 电话联系当事人" in page
    # Still open: the judge can still reply, and the reply is what closes it.
    assert '<textarea id="reply" name="reply"' in page
    row = await api.row(order_id)
    assert (row["status"], row["reply"]) == ("dispatched", None)
    assert await api.events(order_id) == [
        ("created", "high-01"),
        ("dispatched", "high-01"),
        ("phoned_caller", "reply-link"),
    ]
    assert await api.sms_kinds() == [(JUDGE_MOBILE, "dispatch")]


async def test_a_judge_who_phoned_then_replied_has_both_in_the_history(api: Api) -> None:
    order_id = (await api.create())["id"]
    path = await api.reply_path(order_id)
    api.orders.clock.now += timedelta(hours=1)
    page = await (await api.client.post(path, data=PHONED)).text()  # the redirect is followed
    assert "已于 17:00 电话联系当事人" in page
    api.orders.clock.now += timedelta(minutes=10)
    replied = await api.client.post(path, data={"action": "reply", "reply": "已电话沟通。"})
    assert replied.status == 200
    assert f"工单{order_id}的答复已提交" in await replied.text()

    assert [kind for kind, _actor in await api.events(order_id)] == [
        "created",
        "dispatched",
        "phoned_caller",
        "replied",
        "closed",
    ]
    history = await (await api.client.get(f"/api/work-orders/{order_id}", headers=AUTH)).json()
    phoned = next(e for e in history["events"] if e["kind"] == "phoned_caller")
    assert datetime.fromisoformat(phoned["at"]) == DISPATCHED_AT + timedelta(hours=1)
    closed = await (await api.client.get(path)).text()
    assert "已于 17:00 电话联系当事人" in closed and "此工单已办结。答复：已电话沟通。" in closed
    assert "<form" not in closed
    assert await api.sms_kinds() == [(JUDGE_MOBILE, "dispatch"), (PARTY_PHONE, "reply")]


async def test_a_phone_call_on_another_day_shows_its_date(api: Api) -> None:
    order_id = (await api.create())["id"]
    path = await api.reply_path(order_id)
    await api.client.post(path, data=PHONED)
    api.orders.clock.now += timedelta(days=1)
    assert "已于 09-30 16:00 电话联系当事人" in await (await api.client.get(path)).text()


async def test_a_reopened_order_no_longer_shows_the_earlier_phone_call(api: Api) -> None:
    order_id = (await api.create())["id"]
    path = await api.reply_path(order_id)
    await api.client.post(path, data=PHONED)
    assert (await api.client.post(path, data={"reply": "已联系。"})).status == 200
    api.orders.clock.now += timedelta(hours=1)
    assert (await api.act(order_id, "reopen", reason="当事人称未接到电话")).status == 200
    # The caller says nobody called: the page of the new round does not say someone did.
    page = await (await api.client.get(path)).text()
    assert "电话联系当事人</p>" not in page and "我已电话联系当事人" in page


async def test_an_escalation_link_cannot_record_a_phone_call(api: Api) -> None:
    order_id = (await api.create())["id"]
    api.orders.clock.now = DUE_AT + timedelta(hours=1)
    assert await api.orders.service.press() == 1
    path = await api.reply_path(order_id, "escalation", HEAD_MOBILE)
    assert "我已电话联系当事人" not in await (await api.client.get(path)).text()
    reply = await api.client.post(path, data={"reply": "我来答复。"})
    phoned = await api.client.post(path, data=PHONED, allow_redirects=False)
    # The same refusal as a reply gets.
    assert (phoned.status, await phoned.text()) == (reply.status, await reply.text())
    assert phoned.status == 403
    assert [kind for kind, _actor in await api.events(order_id)] == [
        "created",
        "dispatched",
        "escalated",
    ]


async def test_a_closed_order_cannot_record_a_phone_call(api: Api) -> None:
    order_id = (await api.create())["id"]
    path = await api.reply_path(order_id)
    assert (await api.act(order_id, "close")).status == 200
    response = await api.client.post(path, data=PHONED, allow_redirects=False)
    assert response.status == 409
    page = await response.text()
    assert "无法提交" in page and "此工单已办结，不能再提交。" in page
    assert [kind for kind, _actor in await api.events(order_id)] == [
        "created",
        "dispatched",
        "closed",
    ]


async def test_an_unknown_page_action_is_refused_and_changes_nothing(api: Api) -> None:
    order_id = (await api.create())["id"]
    path = await api.reply_path(order_id)
    response = await api.client.post(path, data={"action": "close", "reply": "关闭"})
    assert response.status == 422
    assert "无法识别的操作" in await response.text()
    assert (await api.row(order_id))["status"] == "dispatched"
    assert len(await api.events(order_id)) == 2

"""Work orders on PostgreSQL with a controllable clock: dispatch, repeat callers, reminders over a
holiday week, escalation, the reply link, and the SMS each step leaves in the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from directory.store import DirectoryStore
from schedule.calendar import WorkdayCalendar
from store.database import create_pool, migrate
from tests.directory_data import (
    CASE_NUMBER,
    CLERK_MOBILE,
    HEAD_MOBILE,
    JUDGE_MOBILE,
    PARTY_PHONE,
    load_directory,
)
from tests.support import fetch
from urgent.service import Unreached
from urgent.store import NewContact, UrgentStore
from workorders import links
from workorders.config import WorkOrdersSection
from workorders.errors import LinkExpired, LinkInvalid
from workorders.model import Category, HandlerKind, Status, Urgency
from workorders.service import PRESS_LOCK, NewWorkOrder, WorkOrderService, WorkOrderSettings
from workorders.store import WorkOrderStore

ZONE = ZoneInfo("Asia/Shanghai")
SECRET = "reply-link-secret-for-the-functional-tests"


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Orders:
    service: WorkOrderService
    clock: Clock
    database: dict[str, Any]
    pool: asyncpg.Pool

    async def sms(self) -> list[tuple[str, str, str]]:
        rows = await fetch(
            self.database, "SELECT to_number, kind, text FROM sms_outbox ORDER BY id"
        )
        return [(row["to_number"], row["kind"], row["text"]) for row in rows]


@pytest.fixture
async def orders(database: dict[str, Any], tmp_path: Path) -> AsyncIterator[Orders]:
    await load_directory(database, tmp_path)
    pool = await create_pool(database, max_size=4)
    await migrate(pool)
    clock = Clock(datetime(2026, 9, 30, 16, 0, tzinfo=ZONE))
    settings = WorkOrderSettings(WorkOrdersSection(), SECRET, "12368热线", WorkdayCalendar())
    service = WorkOrderService(WorkOrderStore(pool), DirectoryStore(pool), lambda: settings, clock)
    try:
        yield Orders(service, clock, database, pool)
    finally:
        await pool.close()


def contact_judge(
    content: str = "请法官尽快联系我，关于执行线索。", **changes: Any
) -> NewWorkOrder:
    fields: dict[str, Any] = {
        "court_id": "chaoyang",
        "case_number": CASE_NUMBER,
        "category": Category.CONTACT_JUDGE,
        "urgency": Urgency.NORMAL,
        "caller_number": PARTY_PHONE,
        "content": content,
        "by": "high-01",
    }
    return NewWorkOrder(**{**fields, **changes})


async def test_an_order_is_dispatched_to_the_judge_with_an_sms_and_a_due_time(
    orders: Orders,
) -> None:
    created = await orders.service.create(contact_judge())
    order = created.order
    assert (order.status, order.handler.kind, order.handler.mobile) == (
        Status.DISPATCHED,
        HandlerKind.JUDGE,
        JUDGE_MOBILE,
    )
    # Wednesday 16:00 before the National Day holiday: one working day is Thursday 10-08 16:00.
    assert order.due_at == datetime(2026, 10, 8, 16, 0, tzinfo=ZONE)
    [(to, kind, text)] = await orders.sms()
    assert (to, kind) == (JUDGE_MOBILE, "dispatch")
    assert CASE_NUMBER in text and "/w/" in text
    history = await orders.service.history(order.id or 0)
    assert [event.kind.value for event in history] == ["created", "dispatched"]


async def test_a_repeat_caller_gets_a_follow_up_on_the_open_order_not_a_new_one(
    orders: Orders,
) -> None:
    first = await orders.service.create(contact_judge())
    orders.clock.now += timedelta(hours=1)
    again = await orders.service.create(contact_judge("我又打来了，还没有法官联系我。"))
    assert again.follow_up and again.order.id == first.order.id
    assert again.order.follow_ups == 1
    rows = await fetch(orders.database, "SELECT id FROM work_orders")
    assert len(rows) == 1
    kinds = [kind for _to, kind, _text in await orders.sms()]
    assert kinds == ["dispatch", "follow_up"]


async def test_a_complaint_about_the_judge_goes_to_the_division_head(orders: Orders) -> None:
    created = await orders.service.create(
        contact_judge(
            "投诉承办法官态度问题。",
            category=Category.COMPLAINT,
            complained_judge_id="cy-zhang",
        )
    )
    assert created.order.handler.kind is HandlerKind.DIVISION_HEAD
    assert created.order.handler.mobile == HEAD_MOBILE
    assert all(to != JUDGE_MOBILE for to, _kind, _text in await orders.sms())


async def test_reminders_twice_a_working_day_over_the_holiday_then_escalation(
    orders: Orders,
) -> None:
    await orders.service.create(contact_judge())
    sent: list[tuple[datetime, str, str]] = []
    seen = 1  # the dispatch SMS
    moment = orders.clock.now
    while moment < datetime(2026, 10, 9, 12, 0, tzinfo=ZONE):
        moment += timedelta(minutes=30)
        orders.clock.now = moment
        await orders.service.press()
        sms = await orders.sms()
        sent += [(moment, to, kind) for to, kind, _text in sms[seen:]]
        seen = len(sms)
    # No reminder during the 10-01..10-07 holiday; 09:00 and 15:00 on Thursday 10-08; past due
    # (16:00) the clerk and the division head are pressed; a day later the head and supervision.
    assert sent == [
        (datetime(2026, 10, 8, 9, 0, tzinfo=ZONE), JUDGE_MOBILE, "reminder"),
        (datetime(2026, 10, 8, 15, 0, tzinfo=ZONE), JUDGE_MOBILE, "reminder"),
        (datetime(2026, 10, 8, 16, 30, tzinfo=ZONE), CLERK_MOBILE, "escalation"),
        (datetime(2026, 10, 8, 16, 30, tzinfo=ZONE), HEAD_MOBILE, "escalation"),
        (datetime(2026, 10, 9, 9, 0, tzinfo=ZONE), JUDGE_MOBILE, "reminder"),
    ]
    [row] = await fetch(orders.database, "SELECT escalation_level FROM work_orders")
    assert row["escalation_level"] == 1


async def test_only_one_controller_presses_at_a_time(orders: Orders) -> None:
    await orders.service.create(contact_judge())
    orders.clock.now = datetime(2026, 10, 8, 9, 0, tzinfo=ZONE)
    # Another controller is pressing: this one leaves the reminder to it.
    other = await asyncpg.connect(**orders.database)
    try:
        await other.execute("SELECT pg_advisory_lock(hashtext($1))", PRESS_LOCK)
        assert await orders.service.press() == 0
        assert [kind for _to, kind, _text in await orders.sms()] == ["dispatch"]
    finally:
        await other.close()
    assert await orders.service.press() == 1
    assert [kind for _to, kind, _text in await orders.sms()] == ["dispatch", "reminder"]


async def test_the_judge_replies_through_the_link_the_caller_is_told_and_it_closes(
    orders: Orders,
) -> None:
    order = (await orders.service.create(contact_judge())).order
    assert order.id is not None
    token = links.sign(
        order.id, links.LinkPurpose.REPLY, orders.clock.now + timedelta(hours=72), SECRET
    )
    orders.clock.now += timedelta(hours=2)
    replied = await orders.service.reply_by_link(token, "已电话联系当事人，下周二安排谈话。")
    assert replied.status is Status.CLOSED
    to, kind, text = (await orders.sms())[-1]
    assert (to, kind) == (PARTY_PHONE, "reply") and "下周二" in text

    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(LinkInvalid):
        await orders.service.reply_by_link(tampered, "伪造的答复")
    orders.clock.now += timedelta(hours=71)
    with pytest.raises(LinkExpired):
        await orders.service.reply_by_link(token, "太晚的答复")


async def test_an_unreached_urgent_contact_makes_an_urgent_order_and_two_sms(
    orders: Orders,
) -> None:
    contacts = await DirectoryStore(orders.pool).contacts("chaoyang", CASE_NUMBER)
    assert contacts is not None
    started = orders.clock.now
    contact_id = await UrgentStore(orders.pool).create(
        NewContact("call-1", "chaoyang", CASE_NUMBER, PARTY_PHONE, "ivr", started)
    )
    await orders.service.urgent_unreached(
        Unreached(
            contact_id, "call-1", PARTY_PHONE, contacts, started, started + timedelta(seconds=40)
        )
    )
    [row] = await fetch(orders.database, "SELECT * FROM work_orders")
    assert (row["urgency"], row["category"], row["handler_kind"]) == (
        "urgent",
        "contact_judge",
        "judge",
    )
    sms = await orders.sms()
    assert sorted((to, kind) for to, kind, _text in sms) == [
        (JUDGE_MOBILE, "dispatch"),
        (HEAD_MOBILE, "urgent_unreached"),
    ]

"""A follow-up call (回访) placed from the console on the real Asterisk: the agent's SIPp softphone
rings, then the litigant's SIPp phone behind the carrier; the conversation is recorded; the
agent records the answers and the work order is graded from them."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from config.secrets import SecretStore
from tests.directory_data import CASE_NUMBER, load_directory
from tests.integration.conftest import SECRETS_DIR, Running, seat_phones, stored_recording
from tests.integration.test_urgent_contact import contact_phones, stop
from tests.support import ended_call, eventually, fetch
from workorders.model import Category, Urgency
from workorders.service import NewWorkOrder

LITIGANT = "13912340077"


async def api(running: Running, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    token = SecretStore(SECRETS_DIR).resolve("secret:api")
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session,
        session.request(method, f"{running.hotline.status_url}{path}", json=body) as reply,
    ):
        return reply.status, await reply.json()


async def sampled_follow_up(running: Running, tmp_path: Path) -> int:
    """One closed contact-the-judge order of LITIGANT's, drawn into this week's sample."""
    await load_directory(running.database, tmp_path / "directory")
    work_orders, quality = running.hotline.work_orders, running.hotline.quality
    assert work_orders is not None and quality is not None
    created = await work_orders.create(
        NewWorkOrder(
            court_id="chaoyang",
            case_number=CASE_NUMBER,
            category=Category.CONTACT_JUDGE,
            urgency=Urgency.NORMAL,
            caller_number=LITIGANT,
            content="请法官回电。",
            by="high-01",
        )
    )
    assert created.order.id is not None
    await work_orders.reply(created.order.id, "已电话联系当事人，告知开庭时间。", by="cy-zhang")
    today = datetime.now(running.hotline.holder.current.hours.zone).date()
    await quality.draw(today + timedelta(days=7 - today.weekday()), by="test")
    [follow_up] = await quality.follow_ups(state="open")
    return follow_up.id


async def test_a_follow_up_call_rings_the_agent_then_the_litigant_and_is_recorded(
    running: Running, tmp_path: Path
) -> None:
    follow_up_id = await sampled_follow_up(running, tmp_path)
    phones = await contact_phones(tmp_path / "phones", answer=LITIGANT, talk_ms=5000)
    try:
        async with seat_phones(running, tmp_path, {"high-01": ("127.0.0.34", True)}):
            status, placed = await api(
                running, "POST", f"/api/follow-ups/{follow_up_id}/call", {"seat": "high-01"}
            )
            assert status == 202, placed
            call_id = placed["call_id"]
            status, body = await api(
                running, "POST", f"/api/follow-ups/{follow_up_id}/call", {"seat": "high-01"}
            )
            assert (status, body["error"]) == (409, "follow-up-calling")
            # The litigant answers, talks 5 s and hangs up: one recorded conversation.
            rows = await ended_call(running.database, call_id)
            assert (rows["direction"], rows["seat_id"], rows["ended_by"]) == (
                "follow_up",
                "high-01",
                "caller",
            )
            recording = await stored_recording(running.database, call_id)
            assert recording["seat_id"] == "high-01" and recording["duration_ms"] > 3000
            await eventually(lambda: running.hotline.seats.get("high-01").state == "idle")  # type: ignore[union-attr]
    finally:
        await stop(phones)

    status, done = await api(
        running,
        "POST",
        f"/api/follow-ups/{follow_up_id}/attempts",
        {
            "outcome": "answered",
            "answers": {"judge_called": "yes", "problem_solved": "yes", "satisfied": "yes"},
        },
    )
    assert status == 200 and done["state"] == "done"
    [row] = await fetch(
        running.database, "SELECT last_call_id FROM follow_ups WHERE id = $1", follow_up_id
    )
    assert row["last_call_id"] == call_id
    [grade] = await fetch(running.database, "SELECT result, reasons FROM work_order_grades")
    assert (grade["result"], grade["reasons"]) == ("pass", [])


async def test_an_unanswered_follow_up_call_counts_as_an_attempt(
    running: Running, tmp_path: Path
) -> None:
    follow_up_id = await sampled_follow_up(running, tmp_path)
    phones = await contact_phones(tmp_path / "phones", busy=LITIGANT)
    try:
        async with seat_phones(running, tmp_path, {"high-01": ("127.0.0.35", True)}):
            status, _ = await api(
                running, "POST", f"/api/follow-ups/{follow_up_id}/call", {"seat": "high-01"}
            )
            assert status == 202
            rows = await eventually_attempts(running, follow_up_id)
            assert [row["outcome"] for row in rows] == ["busy"]
            await eventually(lambda: running.hotline.seats.get("high-01").state == "idle")  # type: ignore[union-attr]
    finally:
        await stop(phones)
    [follow_up] = await fetch(
        running.database, "SELECT state, attempts FROM follow_ups WHERE id = $1", follow_up_id
    )
    assert (follow_up["state"], follow_up["attempts"]) == ("open", 1), "tried again later"


async def eventually_attempts(running: Running, follow_up_id: int) -> list[Any]:
    async with asyncio.timeout(40):
        while True:
            rows = await fetch(
                running.database,
                "SELECT outcome FROM follow_up_attempts WHERE follow_up_id = $1",
                follow_up_id,
            )
            if rows:
                return rows
            await asyncio.sleep(0.2)

"""A scripted day on the real switch, from the calls to the weekly report.

Four citizens dial Chaoyang's number and press 0; one seat (chaoyang-02) works the general queue,
and the court counts a call as answered within its service level at 5 s:

- A is answered at once; the agent files a work order during the call;
- B waits for A to finish (well over 5 s), is answered, and gets a work order too;
- C and D give up after about 8 s in line (over the 5 s that puts a caller on the callback
  list); the switch calls them back through the carrier: C answers, D's line is busy.

The handler replies to A's order with substance and to B's with a bare "收到"; both are closed
and graded. The weekly sample (one order per division) draws one of them; the agent calls that
litigant back from the console (recorded) and records the answers. Every recording is checked
against its call's times and its file, and the week's report against hand-computed figures.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from config.schema import HotlineConfig
from reports.cli import run_command
from tests.directory_data import CASE_NUMBER, load_directory
from tests.integration.conftest import (
    RealAsterisk,
    Running,
    running_hotline,
    seat_phones,
    start_caller,
    stored_recording,
)
from tests.integration.test_acd import CHAOYANG_NUMBER, eventually_rows
from tests.integration.test_follow_up_call import api
from tests.integration.test_urgent_contact import contact_phones, stop
from tests.support import ended_call, eventually, fetch

SEAT = "chaoyang-02"
A, B, C, D = "13800138001", "13800138002", "13800138003", "13800138004"
SERVICE_LEVEL_S = 5


def scripted_config(config: HotlineConfig, now: datetime) -> HotlineConfig:
    """The test config, with a 5 s service level and one follow-up per division, in a fixed-offset
    time zone where it is now about noon of a working day: the day neither ends (one day, one
    week) nor closes (callbacks are dialled within seat hours) while the test runs, whenever
    it runs."""
    offset = 12 - now.astimezone(UTC).hour
    zone = f"Etc/GMT{-offset:+d}"  # the Etc/GMT names count the other way: Etc/GMT-8 is UTC+8
    today = now.astimezone(ZoneInfo(zone)).date()
    calendar = config.hours.calendar.model_copy(update={"working_days": [today]})
    hours = config.hours.model_copy(update={"timezone": zone, "calendar": calendar})
    console = config.console.model_copy(update={"service_level_s": SERVICE_LEVEL_S})
    follow_up = config.quality.follow_up.model_copy(update={"per_division": 1})
    quality = config.quality.model_copy(update={"follow_up": follow_up})
    return config.model_copy(update={"hours": hours, "console": console, "quality": quality})


def connected_call(running: Running, caller: str) -> str | None:
    calls = running.hotline.calls
    assert calls is not None
    for call in calls.live_calls():
        if call.caller_number == caller and call.connected_at is not None:
            return call.id
    return None


async def order_during_call(running: Running, caller: str, content: str) -> int:
    """The agent files a contact-the-judge order from the screen pop while talking to `caller`."""
    call_id = await eventually(lambda: connected_call(running, caller), 30)
    status, order = await api(
        running,
        "POST",
        f"/api/calls/{call_id}/work-order",
        {
            "category": "contact_judge",
            "court_id": "chaoyang",
            "case_number": CASE_NUMBER,
            "content": content,
        },
    )
    assert status == 201, order
    return int(order["id"])


async def checked_recording(running: Running, call_id: str) -> int:
    """The call's recording: as long as the call was connected, and its file is the one whose
    size and SHA-256 were filed. Returns its duration in ms."""
    recording = await stored_recording(running.database, call_id)
    [call] = await fetch(
        running.database, "SELECT connected_at, ended_at FROM calls WHERE id = $1", call_id
    )
    connected_ms = (call["ended_at"] - call["connected_at"]).total_seconds() * 1000
    assert abs(recording["duration_ms"] - connected_ms) < 1500, (call_id, recording, call)
    body = (running.hotline.locations.recordings_store_dir / recording["path"]).read_bytes()
    assert recording["size_bytes"] == len(body)
    assert recording["sha256"] == hashlib.sha256(body).hexdigest()
    return int(recording["duration_ms"])


async def the_calls(running: Running, workdir: Path) -> tuple[int, int]:
    """A, B, C and D call; A and B get work orders (returned); C and D are called back."""
    phones = await contact_phones(workdir / "phones", answer=C, busy=D, talk_ms=4000)
    try:
        first = await start_caller(
            running.asterisk,
            workdir / "a",
            talk_ms=16000,
            number=CHAOYANG_NUMBER,
            caller=A,
            port=5163,
            media_port=40100,
        )
        orders = [await order_during_call(running, A, "请承办法官回电，询问开庭时间。")]
        # While A talks, B, C and D queue behind.
        later = [
            await start_caller(
                running.asterisk,
                workdir / caller,
                talk_ms=talk_ms,
                number=CHAOYANG_NUMBER,
                caller=caller,
                port=port,
                media_port=media_port,
            )
            for caller, talk_ms, port, media_port in (
                (B, 20000, 5164, 40200),
                (C, 8000, 5165, 40300),
                (D, 8000, 5166, 40400),
            )
        ]
        orders.append(await order_during_call(running, B, "请法官联系我，补充证据的期限。"))
        for caller in (first, *later):
            assert await caller.finish(60) == 0, caller.errors()
        # The callbacks: C's conversation ends; D's line is busy (the switch tries again later).
        await eventually_rows(running, "SELECT * FROM callback_tasks WHERE outcome = 'reached'", 60)
        await eventually_rows(running, "SELECT * FROM callback_attempts WHERE outcome = 'busy'", 60)
    finally:
        await stop(phones)
    return orders[0], orders[1]


@pytest.fixture
async def scripted(
    real_asterisk: RealAsterisk, database: dict[str, Any], tmp_path: Path
) -> AsyncIterator[Running]:
    config = scripted_config(real_asterisk.config, datetime.now(UTC))
    async with running_hotline(real_asterisk, database, tmp_path, config) as running:
        yield running


async def test_a_scripted_day_of_calls_makes_recordings_a_sample_grades_and_the_weekly_report(
    scripted: Running, tmp_path: Path
) -> None:
    running = scripted
    await load_directory(running.database, tmp_path / "directory")
    zone = running.hotline.holder.current.hours.zone
    today = datetime.now(zone).date()

    async with seat_phones(running, tmp_path, {SEAT: ("127.0.0.36", True)}):
        first_order, second_order = await the_calls(running, tmp_path)

        # -- the calls as recorded -------------------------------------------------------------
        inbound = {
            row["caller_number"]: row
            for row in await fetch(
                running.database, "SELECT * FROM calls WHERE direction = 'inbound'"
            )
        }
        assert {number: row["end_reason"] for number, row in inbound.items()} == {
            A: "completed",
            B: "completed",
            C: "abandoned_in_queue",
            D: "abandoned_in_queue",
        }
        answered = [inbound[A], inbound[B]]
        waits = [(row["connected_at"] - row["queued_at"]).total_seconds() for row in answered]
        # The script's timing, checked before the figures that rest on it.
        assert waits[0] <= SERVICE_LEVEL_S < waits[1], waits
        after_s = running.hotline.holder.current.agents.abandoned_callback_after_s
        for row in (inbound[C], inbound[D]):
            waited = (row["ended_at"] - row["queued_at"]).total_seconds()
            assert waited >= after_s, f"{row['caller_number']} gave up after {waited:.1f} s"
        tasks = {
            row["caller_number"]: row
            for row in await fetch(running.database, "SELECT * FROM callback_tasks")
        }
        assert {n: (t["reason"], t["outcome"], t["attempts"]) for n, t in tasks.items()} == {
            C: ("abandoned", "reached", 1),
            D: ("abandoned", None, 1),
        }
        [callback] = await fetch(
            running.database, "SELECT * FROM calls WHERE direction = 'callback'"
        )
        assert (callback["caller_number"], callback["seat_id"]) == (C, SEAT)

        # -- recordings: durations and checksums ---------------------------------------------
        durations = [await checked_recording(running, row["id"]) for row in answered]
        assert 14_000 < durations[0] < 17_000, "A talks 16 s from the end of the key press"
        callback_ms = await checked_recording(running, callback["id"])
        assert 4_500 < callback_ms < 7_000, "C's phone answers, 2 s, then talks 4 s"
        recorded = await fetch(running.database, "SELECT call_id FROM recordings")
        assert sorted(row["call_id"] for row in recorded) == sorted(
            [inbound[A]["id"], inbound[B]["id"], callback["id"]]
        ), "nothing recorded of a wait given up, nor of the busy try"

        # -- the orders: replied (which closes them), graded --------------------------------
        for order_id, reply in (
            (first_order, "已电话联系当事人，告知开庭时间为下周三上午九点。"),
            (second_order, "收到"),
        ):
            status, document = await api(
                running,
                "POST",
                f"/api/work-orders/{order_id}/reply",
                {"text": reply, "by": "cy-zhang"},
            )
            assert (status, document["status"]) == (200, "closed"), document
        quality = running.hotline.quality
        assert quality is not None
        assert await quality.grade_pending() == 2  # the hourly grading job's step
        grades = {
            row["work_order_id"]: (row["result"], list(row["reasons"]))
            for row in await fetch(running.database, "SELECT * FROM work_order_grades")
        }
        assert grades == {
            first_order: ("pass", []),
            second_order: ("fail", ["not_substantive"]),
        }

        # -- the weekly sample: one order of the division, called back and answered ----------
        next_monday = today + timedelta(days=7 - today.weekday())
        status, drawn = await api(
            running, "POST", "/api/follow-ups/rounds", {"week": next_monday.isoformat(), "seed": 7}
        )
        assert status == 201, drawn
        [(division, [sampled])] = drawn["sampled"].items()
        assert division == "chaoyang/cy-civil1" and sampled in (first_order, second_order)
        [follow_up] = await fetch(
            running.database,
            "SELECT f.id, w.caller_number FROM follow_ups f"
            " JOIN work_orders w ON w.id = f.work_order_id WHERE w.id = $1",
            sampled,
        )
        litigant = await contact_phones(
            tmp_path / "litigant", answer=follow_up["caller_number"], talk_ms=3000
        )
        try:
            status, placed = await api(
                running, "POST", f"/api/follow-ups/{follow_up['id']}/call", {"seat": SEAT}
            )
            assert status == 202, placed
            await ended_call(running.database, placed["call_id"])
        finally:
            await stop(litigant)
        follow_up_ms = await checked_recording(running, placed["call_id"])
        assert 3_500 < follow_up_ms < 6_000, "the litigant answers, 2 s, then talks 3 s"
        answers = {"judge_called": "yes", "problem_solved": "yes", "satisfied": "yes"}
        status, done = await api(
            running,
            "POST",
            f"/api/follow-ups/{follow_up['id']}/attempts",
            {"outcome": "answered", "answers": answers},
        )
        assert (status, done["state"]) == (200, "done"), done
        await eventually(lambda: running.hotline.seats.get(SEAT).state == "idle")  # type: ignore[union-attr]

    # -- the week's report: `hotline report weekly --court chaoyang` and the console's -------
    expected = {
        "offered": 4,
        "to_agents": 4,
        "answered": 2,
        "connection_rate": 0.5,  # A and B of the four who asked for an agent
        "abandoned": 2,
        "callback_rate": 0.5,  # C reached back; D's line was busy
        "service_level": 0.25,  # A only: B waited longer than 5 s
        "self_service": 0,
        "orders_created": 2,
        "replied_on_time": 2,
        "overdue": 0,
        "pass_rate": 0.5,  # A's order passed, B's bare "收到" did not
        "follow_ups_done": 1,
    }
    status, report = await api(
        running, "GET", f"/api/reports/weekly?court=chaoyang&date={today.isoformat()}"
    )
    assert status == 200, report
    assert {key: report["total"][key] for key in expected} == expected
    assert report["total"]["average_wait_s"] == pytest.approx(sum(waits) / 2)
    assert report["total"]["average_handle_s"] == pytest.approx(
        sum((row["ended_at"] - row["connected_at"]).total_seconds() for row in answered) / 2
    )

    out = io.StringIO()
    args = argparse.Namespace(
        period="weekly", court="chaoyang", date=today, out=str(tmp_path / "reports")
    )
    pool = running.hotline.pool
    assert pool is not None
    assert await run_command(args, pool, running.hotline.holder.current, out) == 0
    html, csv_path, xlsx = (Path(line) for line in out.getvalue().splitlines())
    assert "25.0%" in html.read_text(encoding="utf-8") and xlsx.stat().st_size > 0
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    [total] = [row for row in rows if row["范围"] == "合计"]
    assert (total["接通率"], total["回拨率"], total["服务水平"], total["质检合格率"]) == (
        "0.5",
        "0.5",
        "0.25",
        "0.5",
    )

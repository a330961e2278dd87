"""Routing across courts on the real Asterisk: SIPp seats registered in three courts."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp

from agents.policy import StatusRequest
from config.secrets import SecretStore
from tests.integration.conftest import (
    SECRETS_DIR,
    SIPP_DIR,
    Running,
    seat_dials,
    seat_phones,
    start_caller,
    start_ivr_caller,
    start_sipp,
    stored_recording,
)
from tests.support import eventually, fetch

CHAOYANG_NUMBER = "12368105"  # the district court's own number: its seats first


async def offers_of(running: Running, call_id: str) -> list[tuple[str, str | None]]:
    rows = await fetch(
        running.database,
        "SELECT seat_id, outcome FROM call_offers WHERE call_id=$1 ORDER BY attempt",
        call_id,
    )
    return [(row["seat_id"], row["outcome"]) for row in rows]


async def all_ended(running: Running, count: int, seconds: float = 30) -> list[Any]:
    async with asyncio.timeout(seconds):
        while True:
            rows = await fetch(running.database, "SELECT * FROM calls ORDER BY started_at")
            if len(rows) >= count and all(row["ended_at"] for row in rows):
                return rows
            await asyncio.sleep(0.1)


async def test_least_busy_seat_gets_the_call_even_when_another_was_idle_longer(
    running: Running, tmp_path: Path
) -> None:
    seats = {
        "chaoyang-01": ("127.0.0.21", True),
        "haidian-01": ("127.0.0.22", True),
        "high-01": ("127.0.0.23", True),
    }
    async with seat_phones(running, tmp_path, seats):
        # Two callers at once (the general queue pools every court): one long, one short.
        long_call = await start_caller(
            running.asterisk, tmp_path / "a", talk_ms=8000, port=5163, media_port=40100
        )
        short_call = await start_caller(
            running.asterisk, tmp_path / "b", talk_ms=3000, port=5164, media_port=40200
        )
        for caller in (long_call, short_call):
            assert await caller.finish(40) == 0, caller.errors()
        # Then a very short call: the third seat, still unused, takes it.
        third = await start_caller(running.asterisk, tmp_path / "c", talk_ms=500, port=5163)
        assert await third.finish(40) == 0, third.errors()
        first_rows = await all_ended(running, 3)
        busy = {
            row["seat_id"]: (row["ended_at"] - row["connected_at"]).total_seconds()
            for row in first_rows
        }
        assert set(busy) == set(seats), "each court's seat took one of the first calls"
        least_busy = min(busy, key=lambda seat: busy[seat])
        freed_first = min(first_rows, key=lambda row: row["ended_at"])["seat_id"]
        assert least_busy != freed_first, "the test must tell least busy from longest idle"

        fourth = await start_caller(running.asterisk, tmp_path / "d", talk_ms=1000, port=5164)
        assert await fourth.finish(40) == 0, fourth.errors()

    rows = await all_ended(running, 4)
    assert rows[-1]["seat_id"] == least_busy, (busy, rows[-1]["seat_id"])
    assert running.asterisk.active_channels() == 0


async def test_court_call_widens_from_its_court_to_hq_then_to_every_branch(
    running: Running, tmp_path: Path
) -> None:
    # Nobody of the call's own court (Chaoyang) is there: HQ after 4 s, other branches after 8 s.
    seats = {"high-01": ("127.0.0.24", True), "haidian-01": ("127.0.0.25", True)}
    async with seat_phones(running, tmp_path, seats):
        first = await start_ivr_caller(
            running.asterisk, tmp_path / "first", "5", talk_ms=9000, number=CHAOYANG_NUMBER
        )
        assert await first.finish(60) == 0, first.errors()
        [row] = await all_ended(running, 1)
        assert (row["home_platform"], row["seat_id"]) == ("chaoyang", "high-01")
        waited = (row["offered_at"] - row["queued_at"]).total_seconds()
        assert 4.0 <= waited < 7.0, f"offered to HQ after {waited:.2f} s (tier opens at 4 s)"

        assert running.hotline.agents is not None
        running.hotline.agents.request("high-01", StatusRequest.PAUSE)
        second = await start_ivr_caller(
            running.asterisk, tmp_path / "second", "5", talk_ms=13000, number=CHAOYANG_NUMBER
        )
        assert await second.finish(60) == 0, second.errors()
        rows = await all_ended(running, 2)
        assert rows[1]["seat_id"] == "haidian-01"
        waited = (rows[1]["offered_at"] - rows[1]["queued_at"]).total_seconds()
        assert 8.0 <= waited < 11.0, f"offered to another branch after {waited:.2f} s"
        assert await offers_of(running, rows[1]["id"]) == [("haidian-01", "answered")]


async def test_unanswered_seat_is_skipped_then_paused_for_no_answer_after_two_calls(
    running: Running, tmp_path: Path
) -> None:
    seats = {"chaoyang-01": ("127.0.0.26", False), "chaoyang-02": ("127.0.0.27", True)}
    async with seat_phones(running, tmp_path, seats):
        for index in range(3):
            caller = await start_ivr_caller(
                running.asterisk,
                tmp_path / f"caller{index}",
                "5",
                talk_ms=11000 if index < 2 else 3000,
                number=CHAOYANG_NUMBER,
            )
            assert await caller.finish(60) == 0, caller.errors()
    rows = await all_ended(running, 3)
    offers = [await offers_of(running, row["id"]) for row in rows]
    rang_out = [("chaoyang-01", "no_answer"), ("chaoyang-02", "answered")]
    assert offers == [rang_out, rang_out, [("chaoyang-02", "answered")]]
    [status] = await fetch(running.database, "SELECT * FROM seat_status")
    assert (status["seat_id"], status["status"], status["reason"], status["source"]) == (
        "chaoyang-01",
        "paused",
        "no-answer",
        "switch",
    )
    assert all(row["end_reason"] == "completed" for row in rows)


async def test_wrap_up_keeps_the_next_caller_waiting_after_a_call_ends(
    running: Running, tmp_path: Path
) -> None:
    async with seat_phones(running, tmp_path, {"chaoyang-02": ("127.0.0.28", True)}):
        first = await start_ivr_caller(
            running.asterisk, tmp_path / "first", "5", talk_ms=3000, number=CHAOYANG_NUMBER
        )
        await asyncio.sleep(1.0)
        second = await start_ivr_caller(
            running.asterisk,
            tmp_path / "second",
            "5",
            talk_ms=12000,
            number=CHAOYANG_NUMBER,
            port=5163,
            media_port=40300,
        )
        for caller in (first, second):
            assert await caller.finish(60) == 0, caller.errors()
    first_row, second_row = await all_ended(running, 2)
    assert first_row["seat_id"] == second_row["seat_id"] == "chaoyang-02"
    gap = (second_row["offered_at"] - first_row["ended_at"]).total_seconds()
    assert 2.9 <= gap < 5.0, f"the court queue's 3 s wrap-up, then the next caller ({gap:.2f} s)"


async def test_paused_and_unregistered_seats_are_never_rung(
    running: Running, tmp_path: Path
) -> None:
    seats = {"chaoyang-01": ("127.0.0.29", True), "haidian-01": ("127.0.0.30", True)}
    async with seat_phones(running, tmp_path, seats):
        # The agent pauses from the softphone: *23 over digest-authenticated SIP.
        await seat_dials(running, tmp_path, "chaoyang-01", "*23", "127.0.0.29")
        board_seat = running.hotline.seats.get("chaoyang-01")
        assert board_seat is not None
        await eventually(lambda: board_seat.status.value == "paused", 5)
        # chaoyang-02 and high-01 have no softphone registered at all.
        for index in range(2):
            caller = await start_caller(
                running.asterisk, tmp_path / f"caller{index}", talk_ms=2000, port=5163 + index
            )
            assert await caller.finish(40) == 0, caller.errors()
        await seat_dials(running, tmp_path, "chaoyang-01", "*24", "127.0.0.29")
        await eventually(lambda: board_seat.status.value == "available", 5)

    offered = await fetch(running.database, "SELECT DISTINCT seat_id FROM call_offers")
    assert [row["seat_id"] for row in offered] == ["haidian-01"]
    events = await fetch(
        running.database, "SELECT status, source FROM seat_status_events ORDER BY id"
    )
    assert [tuple(e) for e in events] == [("paused", "feature_code"), ("available", "feature_code")]


async def test_queued_callback_rings_the_agent_first_then_the_citizen(
    running: Running, tmp_path: Path
) -> None:
    # The citizen's phone behind the carrier, where callbacks go out (carrier outbound).
    phone = await start_sipp(
        tmp_path / "phone",
        "citizen phone",
        running.asterisk.sip_target,
        "-sf",
        str(SIPP_DIR / "citizen-phone.xml"),
        "-i",
        "127.0.0.2",
        "-p",
        "5162",
        "-mi",
        "127.0.0.2",
        "-mp",
        "41000",
        "-key",
        "talk_ms",
        "4000",
        "-m",
        "1",
    )
    # Nobody is free: the caller presses 9 while waiting, hears the confirmation, is hung up.
    caller = await start_ivr_caller(
        running.asterisk, tmp_path / "caller", "5;9", talk_ms=10000, number=CHAOYANG_NUMBER
    )
    assert await caller.finish(40) == 0, caller.errors()
    [row] = await all_ended(running, 1)
    assert (row["end_reason"], row["ended_by"]) == ("callback_requested", "caller")

    async with seat_phones(running, tmp_path, {"chaoyang-01": ("127.0.0.31", True)}):
        assert await phone.finish(40) == 0, phone.errors()
        [task] = await eventually_rows(
            running, "SELECT * FROM callback_tasks WHERE state='done'", 20
        )
    assert (task["reason"], task["outcome"], task["attempts"], task["seat_id"]) == (
        "queued",
        "reached",
        1,
        "chaoyang-01",
    )
    assert task["place_at"] == row["queued_at"]
    [attempt] = await fetch(running.database, "SELECT * FROM callback_attempts")
    [talk] = await fetch(running.database, "SELECT * FROM calls WHERE direction='callback'")
    assert attempt["started_at"] < talk["connected_at"], "the seat was rung before the citizen"
    assert (talk["seat_id"], talk["caller_number"], talk["ended_by"]) == (
        "chaoyang-01",
        row["caller_number"],
        "caller",
    )
    recording = await stored_recording(running.database, talk["id"])
    assert 2500 < recording["duration_ms"] < 6000


async def test_caller_who_gives_up_after_waiting_lands_on_the_callback_list(
    running: Running, tmp_path: Path
) -> None:
    caller = await start_caller(running.asterisk, tmp_path / "caller", talk_ms=7000)
    assert await caller.finish(40) == 0, caller.errors()

    [row] = await all_ended(running, 1)
    assert row["end_reason"] == "abandoned_in_queue"
    [task] = await eventually_rows(running, "SELECT * FROM callback_tasks", 10)
    assert (task["reason"], task["caller_number"], task["state"]) == (
        "abandoned",
        row["caller_number"],
        "open",
    )
    assert running.hotline.router is not None
    assert [w.call_id for w in running.hotline.router.waiting()] == [f"callback-{task['id']}"]
    status = await _status(running)
    assert status["waiting"][0]["call_id"] == f"callback-{task['id']}"
    assert status["callbacks_today"] == {
        "abandoned": 1,
        "abandoned_reached": 0,
        "callback_rate": 0.0,
        "open": 1,
    }


async def eventually_rows(running: Running, query: str, seconds: float) -> list[Any]:
    async with asyncio.timeout(seconds):
        while not (rows := await fetch(running.database, query)):
            await asyncio.sleep(0.1)
    return rows


async def _status(running: Running) -> dict[str, Any]:
    token = SecretStore(SECRETS_DIR).resolve("secret:api")
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session,
        session.get(f"{running.hotline.status_url}/api/status") as reply,
    ):
        document: dict[str, Any] = await reply.json()
    return document

"""Citizens walking the menu by keypad (SIPp, RFC 2833) on the real Asterisk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cases.importer import import_cases
from schedule.hours import SeatHours
from store.database import create_pool
from tests.integration.conftest import (
    RealAsterisk,
    Running,
    running_hotline,
    seat_registered,
    start_ivr_caller,
    start_seat,
    stored_recording,
)
from tests.support import ended_calls, fetch

CASES_CSV = (
    "case_number,court_id,division,query_code,password,stage,judge_name,next_hearing,"
    "last_event,last_event_at\n"
    "(2024)京0105民初12345号,chaoyang,民一庭,20240105123,8888,审理中,张明,"
    "2026-12-03 09:30,已送达开庭传票,2026-11-20 10:00\n"
)


async def walk(running: Running, workdir: Path, keys: str, talk_ms: int, gap_ms: int = 3000) -> int:
    caller = await start_ivr_caller(running.asterisk, workdir, keys, talk_ms=talk_ms, gap_ms=gap_ms)
    code = await caller.finish(90)
    assert code == 0, caller.errors()
    return code


async def test_case_query_by_keypad_reads_the_status_aloud(
    running: Running, tmp_path: Path
) -> None:
    await import_the_case(running.database, tmp_path)
    # The status (~14 s) ends before the caller hangs up, the menu after it long before goodbye.
    await walk(running, tmp_path / "caller", "2;20240105123#;8888#", talk_ms=20000, gap_ms=1500)

    attempts = await fetch(running.database, "SELECT reason FROM case_query_attempts")
    assert [row["reason"] for row in attempts] == ["success"]
    speech = list((running.hotline.locations.prompts_dir / "speech").glob("tts-*.wav"))
    assert speech, "the status was synthesised for the caller"
    [row] = await ended_calls(running.database)
    assert row["end_reason"] == "self_service", "the caller heard the status and hung up"


@pytest.mark.parametrize(
    ("key", "queue"),
    [("1", "general"), ("3", "contact_judge"), ("4", "complaint"), ("0", "general")],
    ids=["consultation", "contact-judge", "complaint", "agent"],
)
async def test_each_top_level_service_reaches_a_seat_through_its_queue(
    running: Running, tmp_path: Path, key: str, queue: str
) -> None:
    seat = await start_seat(
        running.asterisk, tmp_path / "seat", "chaoyang-01", address="127.0.0.13", stay_ms=25000
    )
    await seat_registered(running, seat, "chaoyang-01")

    await walk(running, tmp_path / "caller", key, talk_ms=4000)

    [row] = await ended_calls(running.database)
    assert (row["queue_id"], row["seat_id"], row["end_reason"]) == (
        queue,
        "chaoyang-01",
        "completed",
    )
    assert row["connected_at"] is not None
    seat.process.terminate()
    await seat.process.wait()


async def test_after_hours_a_spoken_message_is_recorded_and_becomes_a_callback_task(
    real_asterisk: RealAsterisk,
    database: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(SeatHours, "is_open", lambda _self, _platform, _moment: False)
    config = real_asterisk.config
    ivr = config.ivr.model_copy(update={"after_hours": "leave_message"})
    after_hours = RealAsterisk(
        real_asterisk.instance, config.model_copy(update={"ivr": ivr}), real_asterisk.secrets
    )
    async with running_hotline(after_hours, database, tmp_path) as running:
        await walk(running, tmp_path / "caller", "0", talk_ms=6000)

        [row] = await ended_calls(running.database)
        assert (row["end_reason"], row["seat_id"]) == ("message_left", None)
        message = f"{row['id']}-message"
        [task] = await fetch(database, "SELECT * FROM callback_tasks")
        assert (task["call_id"], task["recording_name"]) == (row["id"], message)
        recording = await stored_recording(database, row["id"])
        assert (recording["name"], recording["kind"]) == (message, "message")
        # The caller talks 6 s after the key; the prompt and the beep take part of that.
        assert 1000 < recording["duration_ms"] < 7000
        path = running.hotline.locations.recordings_store_dir / recording["path"]
        assert path.is_file()


async def import_the_case(database: dict[str, Any], tmp_path: Path) -> None:
    source = tmp_path / "cases.csv"
    source.write_text(CASES_CSV, encoding="utf-8")
    pool = await create_pool(database, max_size=1)
    try:
        assert (await import_cases(source, pool)).inserted == 1
    finally:
        await pool.close()


async def test_wrong_passwords_hand_the_caller_to_an_agent_then_lock_self_service(
    running: Running, tmp_path: Path
) -> None:
    await import_the_case(running.database, tmp_path)
    wrong = "20240105123#;1111#"
    # Keys typed over a prompt stop it and count (barge-in); only the password check ignores
    # keys, for the few milliseconds it takes: so a brisk caller, 1.5 s between groups.
    await walk(running, tmp_path / "first", f"2;{wrong};{wrong};{wrong}", talk_ms=6000, gap_ms=1500)
    [first] = await ended_calls(running.database)
    assert first["queue_id"] == "general", "three wrong tries: handed to the agents' queue"

    # Same number, right password: self-service is locked for a while now.
    await walk(running, tmp_path / "second", "2;20240105123#;8888#", talk_ms=6000, gap_ms=1500)
    attempts = await fetch(running.database, "SELECT reason FROM case_query_attempts ORDER BY at")
    assert [row["reason"] for row in attempts] == ["wrong_password"] * 3 + ["locked"]
    second = (await ended_calls(running.database))[-1]
    assert second["queue_id"] == "general"


async def test_an_invalid_key_then_silence_ends_with_goodbye(
    running: Running, tmp_path: Path
) -> None:
    await walk(running, tmp_path / "caller", "9", talk_ms=40000)
    [row] = await ended_calls(running.database)
    assert (row["end_reason"], row["ended_by"], row["queued_at"]) == ("no_input", "system", None)


async def test_when_the_seat_hangs_up_first_the_caller_rates_the_call_by_keypad(
    running: Running, tmp_path: Path
) -> None:
    seat = await start_seat(
        running.asterisk,
        tmp_path / "seat",
        "chaoyang-01",
        address="127.0.0.13",
        stay_ms=30000,
        hangs_up_after_ms=3000,
    )
    await seat_registered(running, seat, "chaoyang-01")

    # 0 for an agent; the seat answers and hangs up after 3 s; 1 = satisfied in the survey.
    await walk(running, tmp_path / "caller", "0;1", talk_ms=8000, gap_ms=8000)

    [row] = await ended_calls(running.database)
    assert (row["end_reason"], row["ended_by"], row["survey_answer"]) == (
        "completed",
        "seat",
        "satisfied",
    )
    seat.process.terminate()
    await seat.process.wait()

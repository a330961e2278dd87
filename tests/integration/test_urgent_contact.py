"""Urgent contact on the real switch: SIPp plays the phones of judge, office and division head."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from config.base import SecretReference
from sms.config import SmsSection
from tests.directory_data import (
    CASE_NUMBER,
    HEAD_MOBILE,
    JUDGE_MOBILE,
    OFFICE_PHONE,
    QUERY_CODE,
    load_directory,
)
from tests.integration.conftest import (
    SECRETS_DIR,
    SIPP_DIR,
    RealAsterisk,
    Running,
    Sipp,
    running_hotline,
    start_ivr_caller,
    start_sipp,
    stored_recording,
)
from tests.sms_sink import SmsSink
from tests.support import ended_calls, eventually, fetch

# Case query, then 5 at the next menu: the status (~11 s) and the menu prompt play between.
# Groups 2 s apart: the code and the password barge in on their prompts; the empty groups wait
# 16 s after the password, for the status and the start of the menu, as before.
URGENT_KEYS = f"2;{QUERY_CODE}#;8888#;;;;;;;;5"


async def contact_phones(
    workdir: Path, *, answer: str = "none", busy: str = "none", talk_ms: int = 6000
) -> Sipp:
    """Every phone behind the carrier's outbound address (127.0.0.2:5162)."""
    return await start_sipp(
        workdir,
        "contact phones",
        *("-sf", str(SIPP_DIR / "contact-phones.xml")),
        *("-i", "127.0.0.2", "-p", "5162", "-mi", "127.0.0.2", "-mp", "41000"),
        *("-key", "answer_number", answer, "-key", "busy_number", busy),
        *("-key", "press_key", "1", "-key", "press_ms", "2000", "-key", "talk_ms", str(talk_ms)),
    )


async def stop(phones: Sipp) -> None:
    if phones.process.returncode is None:
        phones.process.terminate()
        await phones.process.wait()


async def urgent_call(running: Running, workdir: Path, talk_ms: int) -> None:
    caller = await start_ivr_caller(
        running.asterisk, workdir, URGENT_KEYS, talk_ms=talk_ms, gap_ms=2000
    )
    assert await caller.finish(120) == 0, caller.errors()


async def steps(running: Running) -> list[tuple[str, str, str]]:
    rows = await fetch(
        running.database,
        "SELECT role, number, outcome FROM urgent_contact_steps ORDER BY step_no",
    )
    return [(row["role"], row["number"], row["outcome"]) for row in rows]


async def test_judge_answers_and_presses_1_and_is_bridged_and_recorded(
    running: Running, tmp_path: Path
) -> None:
    await load_directory(running.database, tmp_path)
    phones = await contact_phones(tmp_path / "phones", answer=JUDGE_MOBILE, talk_ms=6000)
    try:
        await urgent_call(running, tmp_path / "caller", talk_ms=30000)
        [call] = await ended_calls(running.database, 30)
    finally:
        await stop(phones)

    assert await steps(running) == [("judge", JUDGE_MOBILE, "accepted")]
    [contact] = await fetch(running.database, "SELECT * FROM urgent_contacts")
    assert (contact["outcome"], contact["bridged_step"], contact["initiated_by"]) == (
        "bridged",
        1,
        "ivr",
    )
    # The judge hung up after talking: the call ends with the judge, not the caller.
    assert (call["end_reason"], call["ended_by"]) == ("completed", "contact")
    recording = await stored_recording(running.database, call["id"])
    # Hold message and music, the judge's 6 s: all on the call's one bridge recording.
    assert recording["duration_ms"] > 6000
    assert (running.hotline.locations.recordings_store_dir / recording["path"]).is_file()


async def test_judge_silent_office_busy_then_division_head_answers_and_is_bridged(
    running: Running, tmp_path: Path
) -> None:
    await load_directory(running.database, tmp_path)
    phones = await contact_phones(
        tmp_path / "phones", answer=HEAD_MOBILE, busy=OFFICE_PHONE, talk_ms=4000
    )
    try:
        await urgent_call(running, tmp_path / "caller", talk_ms=40000)
        [call] = await ended_calls(running.database, 40)
    finally:
        await stop(phones)

    assert await steps(running) == [
        ("judge", JUDGE_MOBILE, "no_answer"),
        ("division_office", OFFICE_PHONE, "busy"),
        ("division_head", HEAD_MOBILE, "accepted"),
    ]
    [contact] = await fetch(running.database, "SELECT * FROM urgent_contacts")
    assert (contact["outcome"], contact["bridged_step"]) == ("bridged", 3)
    [judge_step] = await fetch(
        running.database,
        "SELECT dialled_at, ended_at FROM urgent_contact_steps WHERE step_no = 1",
    )
    # The judge's mobile rang for the configured 5 s before the office was tried.
    rang = (judge_step["ended_at"] - judge_step["dialled_at"]).total_seconds()
    assert 4.5 <= rang <= 8
    assert (call["end_reason"], call["ended_by"]) == ("completed", "contact")
    await stored_recording(running.database, call["id"])


async def test_nobody_answers_the_caller_is_told_and_an_urgent_order_sends_two_sms(
    real_asterisk: RealAsterisk, database: dict[str, Any], tmp_path: Path
) -> None:
    await load_directory(database, tmp_path)
    async with SmsSink.start() as sink:
        (SECRETS_DIR / "sms-gateway").write_text(sink.secret)
        (SECRETS_DIR / "sms-gateway").chmod(0o600)
        sms = SmsSection(gateway="http", url=sink.url, secret=SecretReference("secret:sms-gateway"))
        config = real_asterisk.config.model_copy(update={"sms": sms})
        async with running_hotline(real_asterisk, database, tmp_path, config) as running:
            # Every phone rings and nobody picks up: judge, office and head, 5 s each.
            phones = await contact_phones(tmp_path / "phones")
            try:
                await urgent_call(running, tmp_path / "caller", talk_ms=60000)
                [call] = await ended_calls(database, 40)
            finally:
                await stop(phones)
            await eventually(lambda: len(sink.new_deliveries) >= 2, 15)

    assert await steps(running) == [
        ("judge", JUDGE_MOBILE, "no_answer"),
        ("division_office", OFFICE_PHONE, "no_answer"),
        ("division_head", HEAD_MOBILE, "no_answer"),
    ]
    [contact] = await fetch(database, "SELECT * FROM urgent_contacts")
    assert contact["outcome"] == "unreached"
    # The caller heard the unreached prompt, then the switch hung up (the caller would have
    # stayed 60 s).
    assert (call["end_reason"], call["ended_by"]) == ("urgent_unreached", "system")
    [order] = await fetch(database, "SELECT * FROM work_orders")
    assert (order["category"], order["urgency"], order["status"]) == (
        "contact_judge",
        "urgent",
        "dispatched",
    )
    assert (order["case_number"], order["urgent_contact_id"]) == (CASE_NUMBER, contact["id"])
    outbox = await fetch(database, "SELECT to_number, kind, state FROM sms_outbox ORDER BY id")
    assert sorted((row["to_number"], row["kind"], row["state"]) for row in outbox) == [
        (JUDGE_MOBILE, "dispatch", "sent"),
        (HEAD_MOBILE, "urgent_unreached", "sent"),
    ]
    # Received by the HTTP gateway, signed, each once.
    assert sorted(payload["to"] for payload in sink.delivered.values()) == sorted(
        [JUDGE_MOBILE, HEAD_MOBILE]
    )
    assert not sink.duplicates
    assert sink.rejected_signatures == 0
    await stored_recording(database, call["id"])

"""Citizens walking the menu by keypad (SIPp, RFC 2833) on the real Asterisk."""

from __future__ import annotations

from pathlib import Path

from cases.importer import import_cases
from store.database import create_pool
from tests.integration.conftest import SIPP_DIR, Running, start_sipp
from tests.support import ended_calls, fetch

CASES_CSV = (
    "case_number,court_id,division,query_code,password,stage,judge_name,next_hearing,"
    "last_event,last_event_at\n"
    "(2024)京0105民初12345号,chaoyang,民一庭,20240105123,8888,审理中,张明,"
    "2026-12-03 09:30,已送达开庭传票,2026-11-20 10:00\n"
)


async def walk(running: Running, workdir: Path, keys: str, talk_ms: int) -> int:
    caller = await start_sipp(
        workdir,
        "ivr caller",
        running.asterisk.sip_target,
        "-sf",
        str(SIPP_DIR / "ivr-caller.xml"),
        "-s",
        "12368",
        "-i",
        "127.0.0.2",
        "-p",
        "5161",
        "-mi",
        "127.0.0.2",
        "-mp",
        "40000",
        "-key",
        "keys",
        keys,
        "-key",
        "first_ms",
        "2500",
        "-key",
        "gap_ms",
        "3000",
        "-key",
        "talk_ms",
        str(talk_ms),
        "-m",
        "1",
    )
    code = await caller.finish(90)
    assert code == 0, caller.errors()
    return code


async def test_case_query_by_keypad_reads_the_status_aloud(
    running: Running, tmp_path: Path
) -> None:
    source = tmp_path / "cases.csv"
    source.write_text(CASES_CSV, encoding="utf-8")
    pool = await create_pool(running.database, max_size=1)
    try:
        assert (await import_cases(source, pool)).inserted == 1
    finally:
        await pool.close()

    await walk(running, tmp_path / "caller", "2;20240105123#;8888#", talk_ms=25000)

    attempts = await fetch(running.database, "SELECT reason FROM case_query_attempts")
    assert [row["reason"] for row in attempts] == ["success"]
    speech = list((running.hotline.locations.prompts_dir / "speech").glob("tts-*.wav"))
    assert speech, "the status was synthesised for the caller"
    [row] = await ended_calls(running.database)
    assert row["end_reason"] == "self_service", "the caller heard the status and hung up"

"""The menu through the whole controller (PostgreSQL, fake ARI): self-service, hours, reload."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from config.schema import HotlineConfig
from tests.conftest import TEST_CONFIG
from tests.fakes.ari_server import FakeAri
from tests.functional.call_harness import (
    CALLER,
    Stack,
    connect_call,
    enter_case,
    make_hotline,
    plays,
    prompt_ends,
    write_wav,
)
from tests.support import eventually


async def test_rejected_config_reload_keeps_serving_the_last_good_menu(
    fake: FakeAri, database: dict[str, Any], test_config: HotlineConfig, tmp_path: Path
) -> None:
    path = tmp_path / "hotline.yaml"
    text = TEST_CONFIG.read_text(encoding="utf-8").replace(
        "ring_timeout_s: 10", "ring_timeout_s: soon"
    )
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    ring_timeout_s: soon") + 1
    async with make_hotline(fake, database, test_config, tmp_path, path) as hotline:
        await hotline.wait_ready(5)
        assert hotline.holder.reload() is False
        assert hotline.holder.last_errors == [
            f"{path}:{line}:21: queues[0].ring_timeout_s: Input should be a valid integer, "
            "unable to parse string as an integer"
        ]
        assert hotline.holder.current.hotline.name == test_config.hotline.name

        stack = Stack(fake, hotline, database, tmp_path / "spool")
        call_id = await stack.caller_arrives()
        play = await eventually(
            lambda: stack.requests("POST", f"/channels/{CALLER}/play/{call_id}-p1")
        )
        assert "sound:/prompts/welcome" in play[0].params["media"]


@pytest.mark.usefixtures("case_imported")
async def test_case_query_by_keypad_reads_the_status_then_offers_the_next_menu(
    stack: Stack,
) -> None:
    call_id = await stack.caller_arrives()
    await stack.press("2")
    await eventually(lambda: [m for _, m in plays(stack) if m == "sound:/prompts/enter_code"])
    await enter_case(stack, "8888")

    status_id, media = (await eventually(lambda: [p for p in plays(stack) if "speech" in p[1]]))[0]
    assert media.startswith("sound:/prompts/speech/tts-")
    spoken = stack.hotline.locations.prompts_dir / "speech" / (media.rsplit("/", 1)[1] + ".wav")
    assert spoken.stat().st_size > 8000 * 2 * 3, "several seconds of speech"

    await prompt_ends(stack, status_id)
    await eventually(lambda: plays(stack)[-1][1] == "sound:/prompts/after_case")
    await stack.hang_up(CALLER)
    row = await stack.ended_row(call_id)
    assert row["end_reason"] == "self_service"
    attempts = await stack.fetch("SELECT reason FROM case_query_attempts")
    assert [a["reason"] for a in attempts] == ["success"]


@pytest.mark.usefixtures("case_imported")
async def test_wrong_passwords_lead_to_an_agent_after_the_third_try(stack: Stack) -> None:
    await stack.caller_arrives()
    await stack.press("2")
    for attempt in range(3):
        await enter_case(stack, "1111")
        if attempt < 2:
            wrong = await eventually(
                lambda n=attempt: [
                    p for p in plays(stack) if p[1].startswith("sound:/prompts/wrong_code")
                ][n:]
            )
            assert wrong[0][1] == "sound:/prompts/wrong_code,sound:/prompts/enter_code"
    handover = await eventually(
        lambda: [p for p in plays(stack) if p[1] == "sound:/prompts/case_agent"]
    )
    await prompt_ends(stack, handover[0][0])
    await eventually(lambda: stack.originations())  # queued and offered to the seat
    assert stack.originations()[0]["endpoint"] == "PJSIP/high-01"
    attempts = await stack.fetch("SELECT reason FROM case_query_attempts ORDER BY at")
    assert [a["reason"] for a in attempts] == ["wrong_password"] * 3


async def test_edited_menu_file_applies_to_new_calls_while_calls_in_the_menu_keep_theirs(
    fake: FakeAri,
    database: dict[str, Any],
    test_config: HotlineConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("hotline.app.CONFIG_POLL_S", 0.1)
    path = tmp_path / "hotline.yaml"
    original = TEST_CONFIG.read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    async with make_hotline(fake, database, test_config, tmp_path, path) as hotline:
        await hotline.wait_ready(5)
        stack = Stack(fake, hotline, database, tmp_path / "spool")
        first = await stack.caller_arrives()

        edited = original.replace(
            "prompts: [welcome, recording_notice, menu]", "prompts: [welcome, menu]"
        )
        path.write_text(edited, encoding="utf-8")

        def main_prompts() -> list[str]:
            return list(getattr(hotline.holder.current.ivr.nodes["main"], "prompts", []))

        await eventually(lambda: main_prompts() == ["welcome", "menu"], 30)
        assert (tmp_path / "prompts" / "menu.wav").is_file(), "prompts were built before going live"

        await stack.press("7")  # invalid: the first caller hears their own menu again
        replay = await eventually(
            lambda: stack.requests("POST", f"/channels/{CALLER}/play/{first}-p2")
        )
        assert (
            replay[0]
            .params["media"]
            .endswith(
                "invalid,sound:/prompts/welcome,sound:/prompts/recording_notice,sound:/prompts/menu"
            )
        )

        second = await stack.caller_arrives("caller-2")
        play = await eventually(
            lambda: stack.requests("POST", f"/channels/caller-2/play/{second}-p1")
        )
        assert play[0].params["media"] == "sound:/prompts/welcome,sound:/prompts/menu"

        path.write_text(edited.replace("retries: 2", "retries: many"), encoding="utf-8")
        await eventually(lambda: hotline.holder.last_errors, 10)
        assert "ivr.retries" in hotline.holder.last_errors[0]
        assert hotline.holder.current.ivr.retries == 2


async def test_seat_hanging_up_first_lets_the_caller_rate_the_call(stack: Stack) -> None:
    call_id, seat_channel, _bridge = await connect_call(stack)
    await stack.hang_up(seat_channel)
    rate = await eventually(lambda: [p for p in plays(stack) if p[1] == "sound:/prompts/rate"])
    assert stack.hotline.seats.get("high-01").call_id is None  # type: ignore[union-attr]

    await stack.press("1")
    thanks = await eventually(lambda: [p for p in plays(stack) if p[1] == "sound:/prompts/thanks"])
    assert stack.requests("DELETE", f"/playbacks/{rate[0][0]}"), "the key stopped the question"
    await prompt_ends(stack, thanks[0][0])
    await eventually(lambda: stack.requests("DELETE", f"/channels/{CALLER}"))

    row = await stack.ended_row(call_id)
    assert (row["end_reason"], row["ended_by"], row["survey_answer"]) == (
        "completed",
        "seat",
        "satisfied",
    )


async def test_after_hours_the_caller_leaves_a_message_that_becomes_a_callback_task(
    fake: FakeAri,
    database: dict[str, Any],
    test_config: HotlineConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from schedule.hours import SeatHours

    monkeypatch.setattr(SeatHours, "is_open", lambda _self, _platform, _moment: False)
    ivr = test_config.ivr.model_copy(update={"after_hours": "leave_message"})
    config = test_config.model_copy(update={"ivr": ivr})
    async with make_hotline(fake, database, config, tmp_path) as hotline:
        await hotline.wait_ready(5)
        stack = Stack(fake, hotline, database, tmp_path / "spool")
        call_id = await stack.caller_arrives()
        await stack.press("0")
        ask = await eventually(
            lambda: [p for p in plays(stack) if p[1] == "sound:/prompts/leave_message"]
        )
        await prompt_ends(stack, ask[0][0])

        record = await eventually(lambda: stack.requests("POST", f"/channels/{CALLER}/record"))
        name = record[0].params["name"]
        assert (record[0].params["terminateOn"], record[0].params["beep"]) == ("#", "true")
        write_wav(stack.spool / f"{name}.wav", 4.0)
        await fake.emit(
            {
                "type": "RecordingFinished",
                "recording": {
                    "name": name,
                    "format": "wav",
                    "state": "done",
                    "target_uri": f"channel:{CALLER}",
                },
            }
        )
        thanks = await eventually(
            lambda: [p for p in plays(stack) if p[1] == "sound:/prompts/message_thanks"]
        )
        await prompt_ends(stack, thanks[0][0])

        row = await stack.ended_row(call_id)
        assert row["end_reason"] == "message_left"
        assert stack.originations() == [], "no seat was rung after hours"
        async with asyncio.timeout(5):
            while not (
                stored := await stack.fetch(
                    "SELECT kind, duration_ms FROM recordings WHERE name=$1 AND state='stored'",
                    name,
                )
            ):
                await asyncio.sleep(0.02)
        assert tuple(stored[0]) == ("message", 4000)
        [task] = await stack.fetch("SELECT * FROM callback_tasks")
        assert (task["call_id"], task["reason"], task["recording_name"], task["state"]) == (
            call_id,
            "message",
            name,
            "open",
        )
        assert task["caller_number"] == "13912345678"
        assert task["due_at"] >= task["created_at"]


async def test_a_prompt_whose_file_went_missing_is_spoken_from_its_text(stack: Stack) -> None:
    (stack.hotline.locations.prompts_dir / "recording_notice.wav").unlink()
    call_id = await stack.caller_arrives()
    play = await eventually(lambda: stack.requests("POST", f"/channels/{CALLER}/play/{call_id}-p1"))
    media = play[0].params["media"].split(",")
    assert media[0] == "sound:/prompts/welcome" and media[2] == "sound:/prompts/menu"
    assert media[1].startswith("sound:/prompts/speech/tts-"), "said, not skipped"

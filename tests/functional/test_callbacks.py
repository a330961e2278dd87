"""Callbacks through the whole controller (fake ARI, real PostgreSQL): seat first, then citizen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from config.schema import HotlineConfig
from schedule.hours import SeatHours
from tests.fakes.ari_server import FakeAri
from tests.functional.call_harness import CALLER, Stack, caller_waits, eventually_rows, stack_with
from tests.support import eventually

CITIZEN_NUMBER = "13912345678"


async def originated(stack: Stack, count: int) -> list[dict[str, str]]:
    return list(
        await eventually(lambda: stack.originations()[count - 1 :] and stack.originations(), 10)
    )


async def answer(stack: Stack, channel_id: str, role: str, entry: str) -> None:
    channel = stack.fake.channels[channel_id]
    channel["state"] = "Up"
    await stack.fake.emit({"type": "StasisStart", "channel": channel, "args": [role, entry]})


def abandoning_config(config: HotlineConfig) -> HotlineConfig:
    """Every caller who hangs up in the queue counts as abandoned (threshold 0 s)."""
    agents = config.agents.model_copy(update={"abandoned_callback_after_s": 0})
    return config.model_copy(update={"agents": agents})


async def seat_comes_and_reaches_the_callback(stack: Stack) -> tuple[str, str, str]:
    """high-01 registers; its leg and then the citizen's answer. Returns (entry, seat, citizen)."""
    assert stack.hotline.router is not None
    stack.hotline.seats.set_registered("high-01", True)
    stack.hotline.router.wake()
    [seat_leg] = await originated(stack, 1)
    entry = seat_leg["appArgs"].split(",")[1]
    await answer(stack, seat_leg["channelId"], "callback-seat", entry)
    citizen_leg = (await originated(stack, 2))[1]
    await answer(stack, citizen_leg["channelId"], "callback-citizen", entry)
    await eventually(lambda: stack.fake.recordings.get(f"{entry}-call1"))
    return entry, seat_leg["channelId"], citizen_leg["channelId"]


async def test_caller_keeps_the_place_hangs_up_and_is_called_back_agent_first(
    stack: Stack,
) -> None:
    stack.hotline.seats.set_registered("high-01", False)
    call_id = await stack.caller_arrives()
    await stack.press("5")  # the court queue offers a callback on 9
    await eventually(lambda: stack.requests("POST", f"/channels/{CALLER}/play/{call_id}-p2"))
    await stack.press("9")
    await eventually(lambda: stack.requests("POST", f"/channels/{CALLER}/play/{call_id}-p3"))
    await stack.fake.emit(
        {
            "type": "PlaybackFinished",
            "playback": {
                "id": f"{call_id}-p3",
                "media_uri": "sound:x",
                "target_uri": f"channel:{CALLER}",
                "language": "zh",
                "state": "done",
            },
        }
    )
    row = await stack.ended_row(call_id)
    assert (row["end_reason"], row["ended_by"]) == ("callback_requested", "caller")
    [task] = await eventually_rows(stack, "SELECT * FROM callback_tasks")
    assert (task["reason"], task["auto_dial"], task["caller_number"]) == (
        "queued",
        True,
        CITIZEN_NUMBER,
    )
    assert task["place_at"] == row["queued_at"], "the callback keeps the caller's place"

    # A seat comes free: it is rung first, and only then the citizen, through the trunk.
    stack.hotline.seats.set_registered("high-01", True)
    assert stack.hotline.router is not None
    stack.hotline.router.wake()
    [seat_leg] = await originated(stack, 1)
    entry = f"callback-{task['id']}"
    assert (seat_leg["endpoint"], seat_leg["appArgs"]) == (
        "PJSIP/high-01",
        f"callback-seat,{entry}",
    )
    await answer(stack, seat_leg["channelId"], "callback-seat", entry)
    await eventually(lambda: stack.requests("POST", f"/channels/{seat_leg['channelId']}/moh"))
    citizen_leg = (await originated(stack, 2))[1]
    assert citizen_leg["endpoint"] == f"PJSIP/{CITIZEN_NUMBER}@carrier"
    assert citizen_leg["callerId"] == '"12368" <12368>'

    await answer(stack, citizen_leg["channelId"], "callback-citizen", entry)
    call = f"{entry}-call1"
    await eventually(lambda: stack.fake.recordings.get(call))
    bridge = stack.fake.bridges[f"{call}-bridge"]
    assert sorted(bridge["channels"]) == sorted([seat_leg["channelId"], citizen_leg["channelId"]])

    await stack.hang_up(citizen_leg["channelId"])
    await eventually(lambda: stack.requests("DELETE", f"/channels/{seat_leg['channelId']}"))
    [done] = await eventually_rows(
        stack, "SELECT * FROM callback_tasks WHERE state='done' AND outcome='reached'"
    )
    assert done["attempts"] == 1 and done["seat_id"] == "high-01"
    conversation = await stack.ended_row(call)
    assert (conversation["direction"], conversation["ended_by"]) == ("callback", "caller")
    attempts = await stack.fetch("SELECT attempt, outcome, call_id FROM callback_attempts")
    assert [tuple(a) for a in attempts] == [(1, "reached", call)]


async def test_abandoned_caller_is_put_on_the_callback_list_after_the_lines_live_callers(
    fake: FakeAri, database: dict[str, Any], test_config: HotlineConfig, tmp_path: Path
) -> None:
    async with stack_with(fake, database, abandoning_config(test_config), tmp_path) as stack:
        hotline = stack.hotline
        call_id = await caller_waits(stack)
        await caller_waits(stack, "caller-2")
        await stack.hang_up(CALLER)

        row = await stack.ended_row(call_id)
        assert row["end_reason"] == "abandoned_in_queue"
        [task] = await eventually_rows(stack, "SELECT * FROM callback_tasks")
        assert (task["reason"], task["auto_dial"], task["priority"]) == ("abandoned", True, -10)
        assert hotline.router is not None
        waiting = [entry.call_id for entry in hotline.router.waiting()]
        live = next(c.id for c in hotline.calls.live_calls()) if hotline.calls else ""
        assert waiting == [live, f"callback-{task['id']}"], "callers still on the line go first"


async def test_callback_rate_counts_abandoned_callers_reached_back(
    fake: FakeAri,
    database: dict[str, Any],
    test_config: HotlineConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Seats are open whatever the hour: abandoned callers are dialled back right away.
    monkeypatch.setattr(SeatHours, "next_opening", lambda _self, _platform, moment: moment)
    async with stack_with(fake, database, abandoning_config(test_config), tmp_path) as stack:
        for channel_id in ("caller-1", "caller-2"):
            await caller_waits(stack, channel_id)
            await stack.hang_up(channel_id)
        await eventually_rows(stack, "SELECT count(*) FROM callback_tasks HAVING count(*) = 2")
        callbacks = stack.hotline.callbacks
        assert callbacks is not None and stack.hotline.router is not None

        # One seat comes back: the first abandoned caller is reached, then the seat leaves.
        _entry, seat_leg, _citizen_leg = await seat_comes_and_reaches_the_callback(stack)
        stack.hotline.seats.set_registered("high-01", False)
        await stack.hang_up(seat_leg)
        await eventually_rows(stack, "SELECT * FROM callback_tasks WHERE outcome='reached'")

        now = datetime.now(UTC)
        figures = await callbacks.figures(now - timedelta(hours=1), now + timedelta(hours=1))
    assert (figures.abandoned, figures.abandoned_reached, figures.open) == (2, 1, 1)
    assert figures.callback_rate == 0.5


async def test_a_callback_conversation_survives_a_controller_restart(
    fake: FakeAri,
    database: dict[str, Any],
    test_config: HotlineConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(SeatHours, "next_opening", lambda _self, _platform, moment: moment)
    config = abandoning_config(test_config)
    async with stack_with(fake, database, config, tmp_path) as stack:
        await caller_waits(stack)
        await stack.hang_up(CALLER)
        await eventually_rows(stack, "SELECT * FROM callback_tasks")
        entry, seat_leg, citizen_leg = await seat_comes_and_reaches_the_callback(stack)
    # The controller stopped; Asterisk (the fake) kept both legs in the bridge.

    async with stack_with(fake, database, config, tmp_path) as stack:
        seat = stack.hotline.seats.get("high-01")
        assert seat is not None and (seat.state.value, seat.call_id) == ("talking", entry)
        assert stack.hotline.router is not None and stack.hotline.router.waiting() == []
        await stack.hang_up(citizen_leg)
        await eventually(lambda: stack.requests("DELETE", f"/channels/{seat_leg}"))
        [task] = await eventually_rows(stack, "SELECT * FROM callback_tasks WHERE state='done'")
        assert (task["outcome"], task["attempts"]) == ("reached", 1)
        conversation = await stack.ended_row(f"{entry}-call1")
        assert conversation["ended_by"] == "caller"

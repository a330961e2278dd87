"""The whole controller (real PostgreSQL, in-process fake ARI): a call from arrival to its row."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from config.schema import HotlineConfig
from hotline.app import Hotline
from tests.fakes.ari_server import FakeAri
from tests.functional.call_harness import (
    CALLER,
    Stack,
    connect_call,
    eventually_rows,
    make_hotline,
    plays,
    write_wav,
)
from tests.support import assert_moments_in_order, eventually


async def test_call_walks_menu_queue_seat_and_bridge_then_closes_its_row(stack: Stack) -> None:
    call_id = await stack.caller_arrives()
    play = await eventually(lambda: stack.requests("POST", f"/channels/{CALLER}/play/{call_id}-p1"))
    assert play[0].params["media"] == (
        "sound:/prompts/welcome,sound:/prompts/recording_notice,sound:/prompts/menu"
    )

    await stack.press("0")
    origination = (await eventually(lambda: stack.originations()))[0]
    assert origination["endpoint"] == "PJSIP/high-01"
    assert origination["appArgs"] == f"seat,{call_id}"
    assert stack.requests("DELETE", f"/playbacks/{call_id}-p1"), "the key stopped the greeting"

    seat_channel = origination["channelId"]
    await stack.seat_answers(seat_channel, call_id)
    await eventually(lambda: stack.fake.recordings.get(call_id))
    bridge_id = f"{call_id}-bridge"
    assert sorted(stack.fake.bridges[bridge_id]["channels"]) == sorted([CALLER, seat_channel])

    write_wav(stack.spool / f"{call_id}.wav", 2.5)
    await stack.hang_up(CALLER)
    await eventually(lambda: stack.requests("DELETE", f"/channels/{seat_channel}"))
    await eventually(lambda: stack.requests("DELETE", f"/bridges/{bridge_id}"))
    await stack.fake.emit(
        {
            "type": "RecordingFinished",
            "recording": {
                "name": call_id,
                "format": "wav",
                "state": "done",
                "target_uri": f"bridge:{bridge_id}",
            },
        }
    )

    row = await stack.ended_row(call_id)
    assert (row["end_reason"], row["ended_by"], row["seat_id"]) == (
        "completed",
        "caller",
        "high-01",
    )
    assert row["caller_number"] == "13912345678"
    assert_moments_in_order(row)
    async with asyncio.timeout(5):
        while not (
            rows := await stack.fetch(
                "SELECT * FROM recordings WHERE call_id=$1 AND state='stored'", call_id
            )
        ):
            await asyncio.sleep(0.02)
    assert rows[0]["duration_ms"] == 2500
    stored = stack.hotline.locations.recordings_store_dir / rows[0]["path"]
    assert stored.is_file() and not (stack.spool / f"{call_id}.wav").exists()
    offers = await stack.fetch("SELECT seat_id, outcome FROM call_offers WHERE call_id=$1", call_id)
    assert [tuple(o) for o in offers] == [("high-01", "answered")]
    assert stack.hotline.seats.get("high-01").state == "idle"  # type: ignore[union-attr]


async def test_unanswered_seat_is_skipped_for_the_next_one(stack: Stack) -> None:
    stack.hotline.seats.set_registered("chaoyang-01", True)
    call_id = await stack.caller_arrives()
    await stack.press("0")
    first = (await eventually(lambda: stack.originations()))[0]
    await stack.hang_up(first["channelId"])  # rang out: destroyed without entering Stasis

    second = (await eventually(lambda: stack.originations()[1:]))[0]
    assert {first["endpoint"], second["endpoint"]} == {"PJSIP/high-01", "PJSIP/chaoyang-01"}
    offers = await stack.fetch(
        "SELECT attempt, outcome FROM call_offers WHERE call_id=$1 ORDER BY attempt", call_id
    )
    assert [tuple(o) for o in offers] == [(1, "no_answer"), (2, None)]


async def test_caller_who_hangs_up_while_waiting_is_recorded_as_abandoned(
    stack: Stack, fake: FakeAri
) -> None:
    stack.hotline.seats.set_registered("high-01", False)
    call_id = await stack.caller_arrives()
    await stack.press("0")
    await eventually(
        lambda: (
            stack.requests("POST", f"/channels/{CALLER}/moh")
            or stack.requests("POST", f"/channels/{CALLER}/play/{call_id}-p2")
        )
    )
    await stack.hang_up(CALLER)

    row = await stack.ended_row(call_id)
    assert (row["end_reason"], row["ended_by"]) == ("abandoned_in_queue", "caller")
    assert stack.originations() == [], "no seat was registered, so none was rung"


async def test_caller_leaving_while_the_events_link_was_down_is_closed_after_reconnect(
    stack: Stack,
) -> None:
    call_id, seat_channel, bridge_id = await connect_call(stack)
    connections = stack.fake.connections_total

    stack.fake.channels.pop(CALLER)  # the caller hangs up; the event is lost with the link
    await stack.fake.drop_connections(abrupt=True)
    await stack.fake.wait_for_connections(connections + 1)

    row = await stack.ended_row(call_id)
    assert (row["end_reason"], row["ended_by"]) == ("completed", "caller")
    assert stack.requests("DELETE", f"/channels/{seat_channel}")
    assert stack.requests("DELETE", f"/bridges/{bridge_id}")


@contextlib.asynccontextmanager
async def controller(
    fake: FakeAri, database: dict[str, Any], config: HotlineConfig, tmp_path: Path
) -> AsyncIterator[tuple[Hotline, Stack]]:
    """A controller, ready. Leaving the block stops it (its tasks cancelled), as a crash would:
    Asterisk keeps the calls for the next one."""
    async with make_hotline(fake, database, config, tmp_path) as hotline:
        await hotline.wait_ready(5)
        yield hotline, Stack(fake, hotline, database, tmp_path / "spool")


async def test_restarted_controller_adopts_a_bridged_call_and_closes_it_at_hangup(
    fake: FakeAri, database: dict[str, Any], test_config: HotlineConfig, tmp_path: Path
) -> None:
    async with controller(fake, database, test_config, tmp_path) as (_first, stack):
        call_id, seat_channel, bridge_id = await connect_call(stack)
    # The first controller is gone (its task cancelled); Asterisk still holds the bridged call.
    assert CALLER in fake.channels and bridge_id in fake.bridges
    # Worst case: it died after bridging but before saving, so the row still says 'offering'.
    connection = await asyncpg.connect(**database)
    try:
        await connection.execute(
            "UPDATE calls SET state='offering', connected_at=NULL, bridge_id=NULL WHERE id=$1",
            call_id,
        )
    finally:
        await connection.close()

    async with controller(fake, database, test_config, tmp_path) as (second, stack):
        assert second.calls is not None
        adopted = await eventually(lambda: second.calls.live_calls())  # type: ignore[union-attr]
        assert [(c.id, c.state.value) for c in adopted] == [(call_id, "connected")]
        assert second.seats.get("high-01").call_id == call_id  # type: ignore[union-attr]

        await stack.hang_up(seat_channel)
        await eventually(lambda: [p for p in plays(stack) if p[1] == "sound:/prompts/rate"])
        await stack.hang_up(CALLER)  # rather than answer the survey
        row = await stack.ended_row(call_id)
        assert (row["end_reason"], row["ended_by"], row["survey_answer"]) == (
            "completed",
            "seat",
            None,
        )


async def test_a_caller_on_hold_during_a_restart_is_taken_over_on_hold_and_resumed(
    fake: FakeAri, database: dict[str, Any], test_config: HotlineConfig, tmp_path: Path
) -> None:
    async with controller(fake, database, test_config, tmp_path) as (first, stack):
        call_id, _seat_channel, bridge_id = await connect_call(stack)
        assert first.calls is not None
        first.calls.hold(call_id, held=True)
        await eventually(lambda: CALLER not in fake.bridges[bridge_id]["channels"])
    consulting = f"{call_id}-consult1"
    fake.add_channel(consulting, state="Ring")  # a consulted target still ringing

    async with controller(fake, database, test_config, tmp_path) as (second, stack):
        calls = second.calls
        assert calls is not None
        [adopted] = await eventually(lambda: calls.live_calls())
        assert (adopted.id, adopted.held) == (call_id, True)
        assert stack.requests("DELETE", f"/channels/{consulting}"), "the consultation is given up"

        calls.hold(call_id, held=False)
        await eventually(lambda: CALLER in fake.bridges[bridge_id]["channels"])
        assert stack.requests("DELETE", f"/channels/{CALLER}/moh")


async def test_a_caller_left_with_a_judge_during_a_restart_talks_on_until_the_judge_hangs_up(
    fake: FakeAri, database: dict[str, Any], test_config: HotlineConfig, tmp_path: Path
) -> None:
    async with controller(fake, database, test_config, tmp_path) as (_first, stack):
        call_id, seat_channel, bridge_id = await connect_call(stack)
    # While no controller watched: a judge joined the bridge and the agent left it.
    judge = f"{call_id}-judge"
    fake.add_channel(judge)
    fake.bridges[bridge_id]["channels"] = [CALLER, judge]
    fake.channels.pop(seat_channel)
    requests_before = len(fake.requests)

    async with controller(fake, database, test_config, tmp_path) as (second, stack):
        calls = second.calls
        assert calls is not None
        [adopted] = await eventually(lambda: calls.live_calls())
        assert (adopted.state.value, adopted.seat_id, adopted.contact_channel_id) == (
            "connected",
            None,
            judge,
        )
        played = [r for r in fake.requests[requests_before:] if "/play/" in r.path]
        assert played == [], "the menu is not started again over the conversation"

        await stack.hang_up(judge)
        row = await stack.ended_row(call_id)
        assert (row["end_reason"], row["ended_by"]) == ("completed", "contact")
        assert stack.requests("DELETE", f"/channels/{CALLER}")


async def test_recording_is_filed_even_when_its_finished_event_never_comes(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("calls.service.RECORDING_SETTLE_S", 0.2)
    call_id, _seat_channel, _bridge_id = await connect_call(stack)
    write_wav(stack.spool / f"{call_id}.wav", 1.0)
    await stack.hang_up(CALLER)
    await eventually(lambda: stack.requests("POST", f"/recordings/live/{call_id}/stop"))
    del stack.fake.recordings[call_id]  # finished in Asterisk; the event was lost

    async with asyncio.timeout(5):
        while not (
            rows := await stack.fetch(
                "SELECT duration_ms FROM recordings WHERE name=$1 AND state='stored'", call_id
            )
        ):
            await asyncio.sleep(0.02)
    assert rows[0]["duration_ms"] == 1000


async def answered_with_recording_refused(stack: Stack) -> tuple[str, str]:
    """A call put through to high-01 whose bridge recording Asterisk refused to start (once)."""
    call_id = await stack.caller_arrives()
    record_path = f"/bridges/{call_id}-bridge/record"
    stack.fake.respond("POST", record_path, 503, {"message": "link lost"}, times=1)
    await stack.press("0")
    origination = (await eventually(lambda: stack.originations()))[0]
    await stack.seat_answers(origination["channelId"], call_id)
    await eventually(lambda: stack.requests("POST", record_path))
    return call_id, record_path


async def link_broken_and_back(stack: Stack) -> None:
    """The events link breaks; the switch reconnects (and resynchronises)."""
    sessions = stack.fake.connections_total
    await stack.fake.drop_connections(abrupt=True)
    await stack.fake.wait_for_connections(sessions + 1)


async def test_a_bridge_recording_started_as_the_link_broke_gets_its_row_after_reconnecting(
    stack: Stack,
) -> None:
    # Asterisk starts the recording, but its answer is lost with the link: the switch sees a
    # failure, yet the recording runs.
    call_id, record_path = await answered_with_recording_refused(stack)
    stack.fake.recordings[call_id] = {
        "name": call_id,
        "format": "wav",
        "state": "recording",
        "target_uri": f"bridge:{call_id}-bridge",
    }
    assert not await stack.fetch("SELECT 1 FROM recordings WHERE name=$1", call_id)

    await link_broken_and_back(stack)

    rows = await eventually_rows(
        stack, "SELECT state, call_id, seat_id FROM recordings WHERE name=$1", call_id
    )
    assert tuple(rows[0]) == ("recording", call_id, "high-01")
    assert len(stack.requests("POST", record_path)) == 1, "not started a second time"


async def test_a_bridge_recording_that_failed_to_start_is_started_after_reconnecting(
    stack: Stack,
) -> None:
    call_id, record_path = await answered_with_recording_refused(stack)
    assert call_id not in stack.fake.recordings

    await link_broken_and_back(stack)

    await eventually(lambda: call_id in stack.fake.recordings)
    assert len(stack.requests("POST", record_path)) == 2
    rows = await eventually_rows(stack, "SELECT state FROM recordings WHERE name=$1", call_id)
    assert rows[0]["state"] == "recording"

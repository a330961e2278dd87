"""The agent hands the caller to another queue (blind transfer): decisions, event by event."""

from __future__ import annotations

from calls.model import (
    BridgeAndRecord,
    DestroyBridge,
    Enqueue,
    HangUp,
    HoldAsked,
    ReleaseSeat,
    SeatAnswered,
    SeatAssigned,
    StopHoldMusic,
    StopRecording,
    TransferAsked,
)
from tests.unit.test_call_state import CALLER, SEAT_CHANNEL, at, attempt, connected, queued, step

BRIDGE = "c1-bridge"


def test_transfer_ends_this_leg_and_queues_the_caller_with_their_first_place() -> None:
    before = connected()
    call, commands = step(before, TransferAsked("general"), 120)
    assert (call.state, call.seat_id, call.bridge_id, call.leg) == ("queued", None, None, 2)
    assert call.queued_at == before.queued_at, "the caller keeps their place in line"
    assert commands[:3] == [StopRecording("c1"), HangUp(SEAT_CHANNEL), DestroyBridge(BRIDGE)]
    [release] = [c for c in commands if isinstance(c, ReleaseSeat)]
    assert release.seat_id == "high-01"
    [enqueue] = [c for c in commands if isinstance(c, Enqueue)]
    assert enqueue.excluded_seats == frozenset({"high-01"}), "not offered back to the same seat"


def test_the_next_seat_gets_a_new_recording_and_the_first_connection_time_stays() -> None:
    first = connected()
    call, _ = step(first, TransferAsked("general"), 120)
    call, _ = step(call, SeatAssigned("high-02"), 125)
    call, commands = step(call, SeatAnswered(call.seat_channel_id or ""), 130)
    [bridged] = [c for c in commands if isinstance(c, BridgeAndRecord)]
    assert bridged.recording_name == "c1-2"
    assert bridged.channel_ids == (CALLER, "c1-seat2")
    assert call.connected_at == first.connected_at != at(130)


def test_a_caller_on_hold_stops_hearing_music_first() -> None:
    held, _ = step(connected(), HoldAsked(), 60)
    call, commands = step(held, TransferAsked("general"), 120)
    assert commands[0] == StopHoldMusic() and not call.held


def test_transfer_to_an_unknown_queue_or_while_not_connected_is_ignored() -> None:
    assert attempt(connected(), TransferAsked("no-such-queue"), 120) is None
    assert attempt(queued(), TransferAsked("general"), 120) is None

"""The callback state machine: seat first, then the citizen; retries; the outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agents.model import OfferOutcome
from callbacks.model import (
    CAUSE_BUSY,
    AttemptEnded,
    AttemptOutcome,
    Callback,
    CallbackEvent,
    CallbackOutcome,
    CallbackPolicy,
    CallbackState,
    ChannelGone,
    CitizenAnswered,
    Connect,
    DialCitizen,
    DialFailed,
    DialSeat,
    Disconnect,
    Finish,
    HangUp,
    HoldSeat,
    ReleaseSeat,
    SeatAnswered,
    SeatAssigned,
    WaitInLine,
    entry_id_for,
    task_id_of,
)
from callbacks.state import Decision, decide, resume_conversation

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
POLICY = CallbackPolicy(citizen_ring_s=30, attempts=2, retry_s=600, seat_ring_s=15, wrap_up_s=10)
SEAT = "callback-7-seat1"
CITIZEN = "callback-7-citizen1"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def step(callback: Callback, event: CallbackEvent, seconds: float = 0) -> Decision:
    result = decide(callback, event, at(seconds), POLICY)
    assert result is not None, f"{event} ignored in {callback.state}"
    return result


def waiting() -> Callback:
    return Callback(7, "13912345678", "court", "chaoyang", at(-120), priority=0)


def seat_ringing() -> Callback:
    return step(waiting(), SeatAssigned("chaoyang-01"))[0]


def citizen_ringing() -> Callback:
    return step(seat_ringing(), SeatAnswered(SEAT), 3)[0]


def connected() -> Callback:
    return step(citizen_ringing(), CitizenAnswered(CITIZEN), 9)[0]


def test_entry_ids_name_the_task_and_nothing_else() -> None:
    assert entry_id_for(7) == "callback-7"
    assert task_id_of("callback-7") == 7
    assert task_id_of("cabcdefgh") is None
    assert task_id_of("callback-x") is None


def test_agent_first_the_seat_is_dialled_before_the_citizen() -> None:
    callback, commands = step(waiting(), SeatAssigned("chaoyang-01"))
    assert commands == [DialSeat("chaoyang-01", SEAT, 15)]
    assert callback.state is CallbackState.SEAT_RINGING

    callback, commands = step(callback, SeatAnswered(SEAT), 3)
    assert commands == [HoldSeat(SEAT), DialCitizen("13912345678", CITIZEN, 30)]
    assert callback.state is CallbackState.CITIZEN_RINGING


def test_citizen_answering_connects_and_counts_as_reached() -> None:
    callback, commands = step(citizen_ringing(), CitizenAnswered(CITIZEN), 9)

    assert commands == [Connect("callback-7-call1", SEAT, CITIZEN)]
    assert (callback.state, callback.outcome, callback.attempts) == (
        CallbackState.CONNECTED,
        CallbackOutcome.REACHED,
        1,
    )
    assert callback.connected_at == at(9)


@pytest.mark.parametrize(
    ("gone", "ended_by", "other"), [(CITIZEN, "caller", SEAT), (SEAT, "seat", CITIZEN)]
)
def test_either_side_hanging_up_ends_the_conversation_with_wrap_up(
    gone: str, ended_by: str, other: str
) -> None:
    callback, commands = step(connected(), ChannelGone(gone), 120)

    assert commands == [
        Disconnect("callback-7-call1", ended_by),
        HangUp(other),
        ReleaseSeat("chaoyang-01", OfferOutcome.ANSWERED, 10),
        Finish(CallbackOutcome.REACHED),
    ]
    assert callback.state is CallbackState.ENDED


def test_seat_not_answering_puts_the_callback_back_in_its_place_for_another_seat() -> None:
    callback, commands = step(seat_ringing(), ChannelGone(SEAT), 15)

    assert commands == [
        ReleaseSeat("chaoyang-01", OfferOutcome.NO_ANSWER, 0),
        WaitInLine(None, frozenset({"chaoyang-01"})),
    ]
    assert (callback.state, callback.attempts, callback.place_at) == (
        CallbackState.WAITING,
        0,
        at(-120),
    )


@pytest.mark.parametrize(
    ("event", "tried"),
    [
        (ChannelGone(CITIZEN), AttemptOutcome.NO_ANSWER),
        (ChannelGone(CITIZEN, CAUSE_BUSY), AttemptOutcome.BUSY),
        (DialFailed(CITIZEN), AttemptOutcome.FAILED),
    ],
    ids=["rang-out", "busy", "dial-failed"],
)
def test_citizen_not_answering_is_tried_again_later(
    event: CallbackEvent, tried: AttemptOutcome
) -> None:
    callback, commands = step(citizen_ringing(), event, 33)

    assert commands == [
        HangUp(SEAT),
        AttemptEnded(1, tried),
        ReleaseSeat("chaoyang-01", OfferOutcome.FAILED, 0),
        WaitInLine(at(33 + 600), frozenset()),
    ]
    assert (callback.state, callback.attempts) == (CallbackState.WAITING, 1)


def test_citizen_unreached_after_the_last_attempt_finishes_unreached() -> None:
    first_try = step(citizen_ringing(), ChannelGone(CITIZEN), 33)[0]
    second = step(first_try, SeatAssigned("chaoyang-02"), 700)[0]
    assert second.seat_channel_id == "callback-7-seat2"
    second = step(second, SeatAnswered("callback-7-seat2"), 702)[0]
    assert second.citizen_channel_id == "callback-7-citizen2"

    callback, commands = step(second, ChannelGone("callback-7-citizen2", CAUSE_BUSY), 732)

    assert commands[-2:] == [
        ReleaseSeat("chaoyang-02", OfferOutcome.FAILED, 0),
        Finish(CallbackOutcome.UNREACHED),
    ]
    assert AttemptEnded(2, AttemptOutcome.BUSY) in commands
    assert (callback.state, callback.outcome, callback.attempts) == (
        CallbackState.ENDED,
        CallbackOutcome.UNREACHED,
        2,
    )


def test_agent_hanging_up_while_the_citizen_rings_does_not_use_up_a_try() -> None:
    callback, commands = step(citizen_ringing(), ChannelGone(SEAT), 5)

    assert commands == [
        HangUp(CITIZEN),
        AttemptEnded(1, AttemptOutcome.AGENT_LEFT),  # the same try is made again
        ReleaseSeat("chaoyang-01", OfferOutcome.FAILED, 0),
        WaitInLine(None, frozenset()),
    ]
    assert (callback.state, callback.attempts) == (CallbackState.WAITING, 0)


def test_a_seat_assigned_to_a_callback_already_under_way_is_handed_back() -> None:
    _callback, commands = step(seat_ringing(), SeatAssigned("chaoyang-02"))
    assert commands == [ReleaseSeat("chaoyang-02", OfferOutcome.CALLER_LEFT, 0)]


def test_late_answers_are_hung_up_and_foreign_departures_ignored() -> None:
    assert step(waiting(), SeatAnswered("callback-7-seat9"))[1] == [HangUp("callback-7-seat9")]
    assert step(seat_ringing(), CitizenAnswered(CITIZEN))[1] == [HangUp(CITIZEN)]
    assert decide(connected(), ChannelGone("someone-else"), at(50), POLICY) is None


def test_a_conversation_still_bridged_after_a_restart_goes_on() -> None:
    restored = Callback(
        7, "13912345678", "court", "chaoyang", at(-120), 0, attempts=0, last_seat_id="chaoyang-01"
    )
    channels = ["callback-7-citizen1", "callback-7-seat2"]

    resumed = resume_conversation(restored, "callback-7-call1-bridge", channels, at(5))

    assert resumed is not None
    assert (resumed.state, resumed.seat_id, resumed.call_id, resumed.attempts) == (
        CallbackState.CONNECTED,
        "chaoyang-01",
        "callback-7-call1",
        1,
    )
    assert [resumed.seat_channel_id, resumed.citizen_channel_id] == channels[::-1]
    _ended, commands = step(resumed, ChannelGone("callback-7-citizen1"), 60)
    assert commands[-1] == Finish(CallbackOutcome.REACHED)


@pytest.mark.parametrize(
    ("bridge_id", "channels", "seat"),
    [
        ("callback-8-call1-bridge", ["callback-7-citizen1", "callback-7-seat1"], "chaoyang-01"),
        ("callback-7-call1-bridge", ["callback-7-seat1"], "chaoyang-01"),
        ("c7-bridge", ["callback-7-citizen1", "callback-7-seat1"], "chaoyang-01"),
        ("callback-7-call1-bridge", ["callback-7-citizen1", "callback-7-seat1"], None),
    ],
    ids=["other-callback", "one-leg-left", "not-a-callback-bridge", "seat-unknown"],
)
def test_nothing_is_resumed_from_a_bridge_that_is_not_this_conversation(
    bridge_id: str, channels: list[str], seat: str | None
) -> None:
    restored = Callback(7, "13912345678", "court", "chaoyang", at(-120), 0, last_seat_id=seat)
    assert resume_conversation(restored, bridge_id, channels, at(5)) is None

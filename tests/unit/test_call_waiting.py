"""While a caller waits: announcements, keeping the place for a callback, the max-wait offer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from calls.model import (
    CALLBACK_ABANDONED,
    CALLBACK_QUEUE_TIMEOUT,
    AnnounceWait,
    Call,
    CallerEntered,
    CallerLeft,
    CallEvent,
    CallState,
    CancelTimer,
    CreateCallbackTask,
    Dequeue,
    DigitPressed,
    EndReason,
    HangUp,
    KeepPlaceForCallback,
    MaxWaitChoice,
    Party,
    PlaybackDone,
    PlayPrompts,
    QueuePolicy,
    RecordMessage,
    SeatAssigned,
    StartHoldMusic,
    StartTimer,
    StopHoldMusic,
    StopPlayback,
    TimerFired,
)
from calls.state import decide
from calls.steps import (
    ANNOUNCE_TIMER,
    CHOICE_TIMER,
    FAREWELL_GUARD_S,
    FAREWELL_TIMER,
    MAX_WAIT_TIMER,
    Decision,
)
from ivr.model import MenuNode, MessageNode, QueueNode
from ivr.state import IvrProgram

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CALLER = "chan-caller"
MENU = IvrProgram(
    start="main",
    nodes={
        "main": MenuNode(type="menu", prompts=["welcome"], choices={"9": "consult"}),
        "consult": QueueNode(type="queue", queue="general"),
        "message": MessageNode(type="message", prompt="leave", thanks="thanks", max_seconds=60),
    },
    agent_key="0",
    agent_queue="general",
    back_key="*",
    invalid="invalid",
    goodbye="goodbye",
    input_timeout_s=6.0,
    retries=2,
)
CHOICE = MaxWaitChoice(
    prompt="offer", message_key="1", message_node="message", callback_key="2", timeout_s=8
)
GENERAL = QueuePolicy(
    queue_id="general",
    skill="consultation",
    hold_prompt="hold",
    ring_timeout_s=15,
    wrap_up_s=20,
    max_wait_s=300,
    announce_every_s=30,
    callback_key="9",
    callback_prompt="callback_ok",
    max_wait_choice=CHOICE,
    abandoned_callback_after_s=5,
)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def step(call: Call, event: CallEvent, seconds: float, queue: QueuePolicy = GENERAL) -> Decision:
    result = decide(call, event, at(seconds), MENU, {"general": queue}.__getitem__)
    assert result is not None, f"{event} ignored in {call.state}"
    return result


def queued(queue: QueuePolicy = GENERAL) -> Call:
    """Pressed 0 at +2 s; the hold prompt (c1-p2) ended at +6 s, hold music since."""
    call = Call("c1", CALLER, "13812345678", "12368", T0, home_platform="chaoyang")
    call = step(call, CallerEntered(), 0, queue)[0]
    call = step(call, DigitPressed("0"), 2, queue)[0]
    return step(call, PlaybackDone("c1-p2"), 6, queue)[0]


def test_entering_the_queue_starts_the_announcement_timer() -> None:
    call = Call("c1", CALLER, "13812345678", "12368", T0)
    call = step(call, CallerEntered(), 0)[0]
    _call, commands = step(call, DigitPressed("0"), 2)

    assert StartTimer(ANNOUNCE_TIMER, 30) in commands
    assert StartTimer(MAX_WAIT_TIMER, 300) in commands


def test_announcement_stops_hold_music_and_hold_music_returns_after_it() -> None:
    call, commands = step(queued(), TimerFired(ANNOUNCE_TIMER, 1), 32)

    assert commands == [StopHoldMusic(), AnnounceWait("c1-p3"), StartTimer(ANNOUNCE_TIMER, 30)]
    assert (call.playback_id, call.on_hold_music) == ("c1-p3", False)
    call, commands = step(call, PlaybackDone("c1-p3"), 37)
    assert commands == [StartHoldMusic()]
    assert call.on_hold_music is True


def test_announcement_waits_while_a_seat_is_ringing() -> None:
    offering = step(queued(), SeatAssigned("high-01"), 10)[0]

    call, commands = step(offering, TimerFired(ANNOUNCE_TIMER, 1), 32)

    assert commands == [StartTimer(ANNOUNCE_TIMER, 30)]
    assert call.playback_id is None


def test_callback_key_keeps_the_place_confirms_and_hangs_up() -> None:
    call, commands = step(queued(), DigitPressed("9"), 20)

    assert commands == [
        Dequeue(),
        CancelTimer(MAX_WAIT_TIMER),
        CancelTimer(ANNOUNCE_TIMER),
        StopHoldMusic(),
        KeepPlaceForCallback(),
        PlayPrompts("c1-p3", ("callback_ok",)),
        StartTimer(FAREWELL_TIMER, FAREWELL_GUARD_S),
    ]
    assert call.state is CallState.FAREWELL
    call, commands = step(call, PlaybackDone("c1-p3"), 24)
    assert commands == [CancelTimer(FAREWELL_TIMER), HangUp(CALLER)]
    assert (call.end_reason, call.ended_by) == (EndReason.CALLBACK_REQUESTED, Party.CALLER)


def test_caller_hanging_up_during_the_callback_confirmation_still_keeps_the_callback() -> None:
    call = step(queued(), DigitPressed("9"), 20)[0]

    call, commands = step(call, CallerLeft(), 21)

    assert commands == [CancelTimer(FAREWELL_TIMER), StopPlayback("c1-p3")]
    assert call.end_reason is EndReason.CALLBACK_REQUESTED


def test_callback_key_without_confirmation_prompt_hangs_up_at_once() -> None:
    queue = replace(GENERAL, callback_prompt=None)
    call, commands = step(queued(queue), DigitPressed("9"), 20, queue)

    assert commands[-3:] == [StopHoldMusic(), KeepPlaceForCallback(), HangUp(CALLER)]
    assert call.state is CallState.ENDED


@pytest.mark.parametrize("digit", ["5", "#", "2"], ids=["other-digit", "hash", "choice-key-early"])
def test_other_keys_while_waiting_are_ignored(digit: str) -> None:
    assert (
        decide(queued(), DigitPressed(digit), at(20), MENU, {"general": GENERAL}.__getitem__)
        is None
    )


def test_max_wait_offers_a_message_or_a_callback_and_keeps_the_caller_in_line() -> None:
    call, commands = step(queued(), TimerFired(MAX_WAIT_TIMER, 2), 302)

    assert commands == [StopHoldMusic(), PlayPrompts("c1-p3", ("offer",))]
    assert call.state is CallState.QUEUED, "still in line: a seat that frees up takes the call"
    call, commands = step(call, PlaybackDone("c1-p3"), 308)
    assert commands == [StartTimer(CHOICE_TIMER, 8), StartHoldMusic()]


def test_max_wait_choice_message_key_leads_to_the_message_node() -> None:
    call = step(queued(), TimerFired(MAX_WAIT_TIMER, 2), 302)[0]

    call, commands = step(call, DigitPressed("1"), 304)

    assert commands[:5] == [
        Dequeue(),
        CancelTimer(MAX_WAIT_TIMER),
        CancelTimer(ANNOUNCE_TIMER),
        CancelTimer(CHOICE_TIMER),
        StopPlayback("c1-p3"),
    ]
    assert call.state is CallState.IVR
    assert call.ivr is not None and call.ivr.node == "message"
    assert isinstance(commands[-1], PlayPrompts) and commands[-1].prompts == ("leave",)


def test_max_wait_choice_callback_key_keeps_the_place() -> None:
    call = step(queued(), TimerFired(MAX_WAIT_TIMER, 2), 302)[0]

    call, commands = step(call, DigitPressed("2"), 304)

    assert KeepPlaceForCallback() in commands
    assert call.state is CallState.FAREWELL


def test_max_wait_choice_unanswered_puts_the_caller_on_the_callback_list() -> None:
    call = step(queued(), TimerFired(MAX_WAIT_TIMER, 2), 302)[0]
    call = step(call, PlaybackDone("c1-p3"), 308)[0]

    call, commands = step(call, TimerFired(CHOICE_TIMER, 5), 316)

    assert CreateCallbackTask(CALLBACK_QUEUE_TIMEOUT, None) in commands
    assert commands[-2:] == [
        PlayPrompts("c1-p4", ("goodbye",)),
        StartTimer(FAREWELL_TIMER, FAREWELL_GUARD_S),
    ]
    call = step(call, PlaybackDone("c1-p4"), 318)[0]
    assert (call.end_reason, call.ended_by) == (EndReason.QUEUE_TIMEOUT, Party.SYSTEM)


def test_seat_free_during_the_max_wait_offer_still_takes_the_call() -> None:
    call = step(queued(), TimerFired(MAX_WAIT_TIMER, 2), 302)[0]
    call = step(call, PlaybackDone("c1-p3"), 308)[0]

    call, commands = step(call, SeatAssigned("high-01"), 309)

    assert commands[0] == CancelTimer(CHOICE_TIMER)
    assert call.state is CallState.OFFERING


@pytest.mark.parametrize(
    ("left_at", "callback"),
    [(6.5, False), (7.0, True), (60, True)],
    ids=["waited-under-threshold", "waited-exactly-threshold", "waited-long"],
)
def test_abandoned_caller_goes_on_the_callback_list_only_after_waiting_a_while(
    left_at: float, callback: bool
) -> None:
    # Queued at +2 s; the threshold is 5 s of waiting.
    call, commands = step(queued(), CallerLeft(), left_at)

    assert (CreateCallbackTask(CALLBACK_ABANDONED, None) in commands) is callback
    assert call.end_reason is EndReason.ABANDONED_IN_QUEUE


def test_message_after_max_wait_is_recorded() -> None:
    call = step(queued(), TimerFired(MAX_WAIT_TIMER, 2), 302)[0]
    call = step(call, DigitPressed("1"), 304)[0]
    assert call.playback_id is not None

    _call, commands = step(call, PlaybackDone(call.playback_id), 310)

    assert any(isinstance(command, RecordMessage) for command in commands)

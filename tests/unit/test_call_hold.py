"""The agent puts the caller on hold and takes them off it: decisions, as tables of events."""

from __future__ import annotations

import pytest

from calls.model import (
    AddToBridge,
    Call,
    CallerLeft,
    CallEvent,
    ContactStarted,
    HangUp,
    HoldAsked,
    RemoveFromBridge,
    ResumeAsked,
    SeatLeft,
    StartHoldMusic,
    StopHoldMusic,
)
from tests.unit.test_call_state import (
    CALLER,
    SEAT_CHANNEL,
    attempt,
    connected,
    offering,
    queued,
    step,
    survey_step,
)

BRIDGE = "c1-bridge"


def held() -> Call:
    return step(connected(), HoldAsked(), 30)[0]


def test_hold_takes_the_caller_out_of_the_bridge_to_music() -> None:
    call, commands = step(connected(), HoldAsked(), 30)
    assert call.held
    assert commands == [RemoveFromBridge(BRIDGE, CALLER), StartHoldMusic()]


def test_resume_stops_the_music_and_puts_the_caller_back() -> None:
    call, commands = step(held(), ResumeAsked(), 40)
    assert not call.held
    assert commands == [StopHoldMusic(), AddToBridge(BRIDGE, CALLER)]


@pytest.mark.parametrize(
    ("build", "event"),
    [
        (connected, ResumeAsked()),  # not on hold
        (held, HoldAsked()),  # already
        (queued, HoldAsked()),  # no agent yet
        (offering, HoldAsked()),
    ],
    ids=["resume-not-held", "hold-twice", "hold-queued", "hold-offering"],
)
def test_hold_and_resume_out_of_place_are_ignored(build: object, event: CallEvent) -> None:
    assert attempt(build(), event, 30) is None  # type: ignore[operator]


def test_caller_leaving_on_hold_ends_the_call_and_hangs_up_the_agent() -> None:
    call, commands = step(held(), CallerLeft(), 50)
    assert call.end_reason == "completed"
    assert any(getattr(c, "channel_id", None) == SEAT_CHANNEL for c in commands)


def test_agent_leaving_while_the_caller_is_on_hold_ends_the_call_for_the_caller_too() -> None:
    call, commands = step(held(), SeatLeft(SEAT_CHANNEL), 50)
    assert (call.end_reason, call.held) == ("completed", False)
    assert HangUp(CALLER) in commands


def test_with_a_survey_the_music_stops_before_the_caller_is_asked() -> None:
    decided = survey_step(held(), SeatLeft(SEAT_CHANNEL), 50)
    assert decided is not None
    after, commands = decided
    assert not after.held and commands[0] == StopHoldMusic()


def test_an_urgent_contact_started_on_hold_takes_the_caller_off_hold_first() -> None:
    call, commands = step(held(), ContactStarted(5, "urgent_hold", True), 60)
    assert not call.held
    assert commands[:2] == [StopHoldMusic(), AddToBridge(BRIDGE, CALLER)]

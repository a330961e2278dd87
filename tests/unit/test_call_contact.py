"""The call side of an urgent contact: on hold in its bridge, then with the judge or told why."""

from __future__ import annotations

from dataclasses import replace

from agents.model import OfferOutcome
from calls.model import (
    AddToBridge,
    BridgeAndRecord,
    Call,
    CallerEntered,
    CallerLeft,
    CallState,
    CaseLookedUp,
    ContactJoined,
    ContactLeft,
    ContactStarted,
    ContactUnreached,
    DestroyBridge,
    DigitPressed,
    EndContact,
    EndReason,
    HangUp,
    Party,
    PlaybackDone,
    PlayPrompts,
    ReleaseSeat,
    SeatLeft,
    StartHoldMusic,
    StopHoldMusic,
    StopRecording,
)
from calls.state import decide
from ivr.model import CaseAnswerKind, CaseQueryNode, IvrStep
from ivr.state import IvrProgram
from tests.unit.test_call_state import (
    GENERAL,
    MENU,
    SEAT_CHANNEL,
    at,
    attempt,
    connected,
    in_ivr,
    new_call,
    step,
)

BRIDGE = "c1-bridge"
JUDGE = "urgent-5-leg1"


def holding(call: Call, *, agent_stays: bool = True) -> Call:
    return step(call, ContactStarted(5, "urgent_hold", agent_stays), 20)[0]


def test_agent_started_contact_plays_the_hold_message_to_the_bridge_then_music() -> None:
    call, commands = step(connected(), ContactStarted(5, "urgent_hold", True), 20)
    assert call.state is CallState.CONTACTING and call.contact_id == 5
    assert commands == [PlayPrompts(call.playback_id or "", ("urgent_hold",), BRIDGE)]
    call, commands = step(call, PlaybackDone(call.playback_id or ""), 25)
    assert commands == [StartHoldMusic(BRIDGE)]


def test_ivr_contact_puts_the_caller_alone_in_a_recorded_bridge() -> None:
    call, commands = step(in_ivr(), ContactStarted(5, "urgent_hold", True), 5)
    assert BridgeAndRecord(BRIDGE, (call.caller_channel_id,), "c1") in commands
    assert call.state is CallState.CONTACTING and call.bridge_id == BRIDGE


def test_contact_started_in_a_call_that_cannot_hold_is_called_off() -> None:
    ended = step(connected(), CallerLeft(), 30)[0]
    assert attempt(ended, ContactStarted(5, "urgent_hold", True)) is None
    queued_call = replace(connected(), state=CallState.QUEUED)
    assert step(queued_call, ContactStarted(5, "urgent_hold", True))[1] == [EndContact(5)]


def test_judge_joins_the_bridge_and_the_agent_stays_by_default() -> None:
    call, commands = step(holding(connected()), ContactJoined(JUDGE), 40)
    assert StopHoldMusic(BRIDGE) in commands and AddToBridge(BRIDGE, JUDGE) in commands
    assert call.state is CallState.CONNECTED and call.contact_channel_id == JUDGE
    assert call.seat_channel_id == SEAT_CHANNEL
    assert not [c for c in commands if isinstance(c, ReleaseSeat | HangUp)]


def test_agent_drops_when_set_so_and_goes_to_wrap_up() -> None:
    call, commands = step(holding(connected(), agent_stays=False), ContactJoined(JUDGE), 40)
    assert HangUp(SEAT_CHANNEL) in commands
    assert ReleaseSeat("high-01", OfferOutcome.ANSWERED, 1, 20) in commands
    assert call.seat_channel_id is None and call.state is CallState.CONNECTED
    # The seat's own hangup then arrives and must not end the call.
    assert attempt(call, SeatLeft(SEAT_CHANNEL), 41) is None


def test_judge_hanging_up_leaves_the_agent_with_the_caller() -> None:
    call = step(holding(connected()), ContactJoined(JUDGE), 40)[0]
    call, commands = step(call, ContactLeft(JUDGE), 100)
    assert call.state is CallState.CONNECTED and call.contact_channel_id is None
    assert commands == []


def test_without_the_agent_the_call_ends_when_the_judge_hangs_up() -> None:
    call = step(holding(connected(), agent_stays=False), ContactJoined(JUDGE), 40)[0]
    call, commands = step(call, ContactLeft(JUDGE), 100)
    assert call.state is CallState.ENDED and call.ended_by is Party.CONTACT
    assert call.end_reason is EndReason.COMPLETED
    assert HangUp(call.caller_channel_id) in commands and DestroyBridge(BRIDGE) in commands
    # The seat was released when it dropped; not a second time.
    assert not [c for c in commands if isinstance(c, ReleaseSeat)]


def test_caller_hanging_up_with_the_judge_hangs_up_judge_and_seat() -> None:
    call = step(holding(connected()), ContactJoined(JUDGE), 40)[0]
    call, commands = step(call, CallerLeft(), 100)
    assert HangUp(JUDGE) in commands and HangUp(SEAT_CHANNEL) in commands
    assert ReleaseSeat("high-01", OfferOutcome.ANSWERED, 1, 20) in commands
    assert call.ended_by is Party.CALLER


def test_unreached_with_an_agent_returns_to_the_conversation_with_the_message() -> None:
    call, commands = step(holding(connected()), ContactUnreached("urgent_unreached"), 90)
    assert call.state is CallState.CONNECTED
    assert StopHoldMusic(BRIDGE) in commands
    assert PlayPrompts(call.playback_id or "", ("urgent_unreached",), BRIDGE) in commands


def test_unreached_from_the_ivr_says_so_then_ends_and_tears_the_bridge_down() -> None:
    call = holding(in_ivr())
    call, commands = step(call, ContactUnreached("urgent_unreached"), 90)
    assert call.state is CallState.FAREWELL
    call, commands = step(call, PlaybackDone(call.playback_id or ""), 95)
    assert call.end_reason is EndReason.URGENT_UNREACHED
    assert StopRecording("c1") in commands and DestroyBridge(BRIDGE) in commands
    assert commands[-1] == HangUp(call.caller_channel_id)


def test_caller_leaving_while_the_chain_rings_ends_the_contact() -> None:
    call, commands = step(holding(connected()), CallerLeft(), 30)
    assert commands[0] == EndContact(5)
    assert HangUp(SEAT_CHANNEL) in commands and DestroyBridge(BRIDGE) in commands
    assert call.end_reason is EndReason.ABANDONED_IN_CONTACT


def test_agent_leaving_while_the_chain_rings_keeps_the_caller_waiting() -> None:
    call, commands = step(holding(connected()), SeatLeft(SEAT_CHANNEL), 30)
    assert call.state is CallState.CONTACTING and call.seat_channel_id is None
    assert commands == [ReleaseSeat("high-01", OfferOutcome.ANSWERED, 1, 20)]


def test_the_case_a_caller_verified_reaches_the_ivr_so_its_judge_can_be_asked_for() -> None:
    program = IvrProgram(
        **{
            **MENU.__dict__,
            "start": "case",
            "nodes": {
                **MENU.nodes,
                "case": CaseQueryNode(
                    type="case_query",
                    code_prompt="code",
                    password_prompt="password",
                    wrong_prompt="wrong",
                    agent_prompt="agent",
                    next="main",
                    agent_queue="general",
                ),
            },
        }
    )
    call = new_call()
    for event in [CallerEntered(), *(DigitPressed(d) for d in "123456#8888#")]:
        call = (decide(call, event, at(1), program, {"general": GENERAL}.__getitem__) or (call,))[0]
    assert call.ivr is not None and call.ivr.step is IvrStep.LOOKING_UP
    found = CaseLookedUp(CaseAnswerKind.FOUND, "审理中", ("chaoyang", "(2026)京0105民初100号"))
    result = decide(call, found, at(2), program, {"general": GENERAL}.__getitem__)
    assert result is not None and result[0].ivr is not None
    assert result[0].ivr.verified_case == ("chaoyang", "(2026)京0105民初100号")

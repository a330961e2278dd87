"""The agent consults a seat of another queue or the consulting judge before handing the caller
over (attended transfer, 咨询转接), or hands over the moment they answer (blind): decisions."""

from __future__ import annotations

from dataclasses import replace

from agents.model import OfferOutcome
from calls.model import (
    AddToBridge,
    Call,
    CallerLeft,
    CallEvent,
    CancelTimer,
    ConsultAnswered,
    ConsultAsked,
    ConsultCancelAsked,
    ConsultCompleteAsked,
    ConsultKind,
    ConsultLeft,
    ConsultSeatTalking,
    ConsultTarget,
    ContactLeft,
    ContactStarted,
    DestroyBridge,
    DialConsult,
    EndContact,
    HangUp,
    HoldAsked,
    Party,
    ReleaseSeat,
    RemoveFromBridge,
    ResumeAsked,
    SeatLeft,
    StartHoldMusic,
    StartTimer,
    StopHoldMusic,
    StopRecording,
    TimerFired,
    TransferAsked,
)
from calls.state import decide
from calls.steps import CONSULT_TIMER, Decision
from tests.unit.test_call_state import CALLER, GENERAL, MENU, SEAT_CHANNEL, at, connected, queued

BRIDGE = "c1-bridge"
LEG = "c1-consult1"
COMPLAINT = replace(GENERAL, queue_id="complaint", wrap_up_s=30)
QUEUES = {"general": GENERAL, "complaint": COMPLAINT}
SEAT_TARGET = ConsultTarget(ConsultKind.QUEUE, "complaint", "投诉", 15, seat_id="chaoyang-01")
JUDGE_TARGET = ConsultTarget(ConsultKind.JUDGE, "high-zhou", "周法官", 25, number="01065550101")


def attempt(call: Call, event: CallEvent, seconds: float = 0) -> Decision | None:
    return decide(call, event, at(seconds), MENU, QUEUES.__getitem__)


def step(call: Call, event: CallEvent, seconds: float = 0) -> Decision:
    result = attempt(call, event, seconds)
    assert result is not None, f"{event} ignored in {call.state}"
    return result


def consulting(target: ConsultTarget = SEAT_TARGET, *, blind: bool = False) -> Call:
    return step(connected(), ConsultAsked(target, blind), 60)[0]


def consult_answered(target: ConsultTarget = SEAT_TARGET) -> Call:
    return step(consulting(target), ConsultAnswered(LEG), 65)[0]


def test_the_caller_waits_on_hold_while_the_target_rings() -> None:
    call, commands = step(connected(), ConsultAsked(SEAT_TARGET), 60)
    assert commands == [
        RemoveFromBridge(BRIDGE, CALLER),
        StartHoldMusic(),
        DialConsult(LEG, SEAT_TARGET),
        StartTimer(CONSULT_TIMER, 20),
    ]
    assert call.held and call.consult is not None and call.consult.channel_id == LEG
    assert call.seat_channel_id == SEAT_CHANNEL, "the agent stays in the call's bridge"
    assert LEG in call.channels()


def test_a_caller_already_on_hold_is_left_there() -> None:
    held, _ = step(connected(), HoldAsked(), 50)
    _, commands = step(held, ConsultAsked(JUDGE_TARGET), 60)
    assert commands == [DialConsult(LEG, JUDGE_TARGET), StartTimer(CONSULT_TIMER, 30)]


def test_a_consultation_that_cannot_start_gives_the_reserved_seat_back() -> None:
    for call in (queued(), consulting(JUDGE_TARGET)):
        after, commands = step(call, ConsultAsked(SEAT_TARGET), 70)
        assert after == call
        assert commands == [ReleaseSeat("chaoyang-01", OfferOutcome.CALLER_LEFT, 0, 0)]
    _, commands = step(queued(), ConsultAsked(JUDGE_TARGET), 70)
    assert commands == [], "a judge holds nothing to give back"


def test_the_answered_seat_joins_the_agent_while_the_caller_stays_on_hold() -> None:
    call, commands = step(consulting(), ConsultAnswered(LEG), 65)
    assert commands == [
        CancelTimer(CONSULT_TIMER),
        ConsultSeatTalking("chaoyang-01"),
        AddToBridge(BRIDGE, LEG),
    ]
    assert call.held and call.consult is not None and call.consult.answered


def test_a_leg_answering_after_the_consultation_ended_is_hung_up() -> None:
    cancelled, _ = step(consulting(), ConsultCancelAsked(), 62)
    _, commands = step(cancelled, ConsultAnswered(LEG), 65)
    assert commands == [HangUp(LEG)]


def test_completing_hands_the_caller_to_the_consulted_seat_in_its_queue() -> None:
    before = consult_answered()
    call, commands = step(before, ConsultCompleteAsked(), 90)
    assert commands == [
        CancelTimer(CONSULT_TIMER),
        StopHoldMusic(),
        AddToBridge(BRIDGE, CALLER),
        HangUp(SEAT_CHANNEL),
        ReleaseSeat("high-01", OfferOutcome.ANSWERED, 1, GENERAL.wrap_up_s),
    ]
    assert (call.seat_id, call.seat_channel_id, call.queue) == ("chaoyang-01", LEG, COMPLAINT)
    assert call.consult is None and not call.held and call.state == "connected"
    # The same bridge goes on: one recording holds the consultation and what follows.
    assert (call.bridge_id, call.recording_name) == (BRIDGE, before.recording_name)
    # The new seat is now the call's: when it hangs up, the call ends as usual.
    ended, commands = step(call, SeatLeft(LEG), 300)
    assert ended.state == "ended" and ended.ended_by is Party.SEAT
    assert ReleaseSeat("chaoyang-01", OfferOutcome.ANSWERED, 1, COMPLAINT.wrap_up_s) in commands


def test_completing_to_the_judge_leaves_caller_and_judge_together() -> None:
    call, commands = step(consult_answered(JUDGE_TARGET), ConsultCompleteAsked(), 90)
    assert HangUp(SEAT_CHANNEL) in commands
    assert (call.contact_channel_id, call.seat_channel_id) == (LEG, None)
    ended, commands = step(call, ContactLeft(LEG), 400)
    assert (ended.state, ended.ended_by) == ("ended", Party.CONTACT)
    assert HangUp(CALLER) in commands and DestroyBridge(BRIDGE) in commands


def test_a_blind_consultation_hands_over_the_moment_the_judge_answers() -> None:
    call, commands = step(consulting(JUDGE_TARGET, blind=True), ConsultAnswered(LEG), 65)
    assert commands[:2] == [CancelTimer(CONSULT_TIMER), AddToBridge(BRIDGE, LEG)]
    assert AddToBridge(BRIDGE, CALLER) in commands and HangUp(SEAT_CHANNEL) in commands
    assert (call.contact_channel_id, call.seat_channel_id, call.consult) == (LEG, None, None)


def test_completing_before_the_target_answers_is_ignored() -> None:
    assert attempt(consulting(), ConsultCompleteAsked(), 62) is None
    assert attempt(connected(), ConsultCompleteAsked(), 62) is None


def test_an_unanswered_target_frees_its_seat_and_the_caller_stays_on_hold() -> None:
    call, commands = step(consulting(), ConsultLeft(LEG), 80)
    assert commands == [
        CancelTimer(CONSULT_TIMER),
        ReleaseSeat("chaoyang-01", OfferOutcome.NO_ANSWER, 0, 0),
    ]
    assert call.consult is None and call.held, "the agent tells the caller, then resumes"
    back, commands = step(call, ResumeAsked(), 85)
    assert commands == [StopHoldMusic(), AddToBridge(BRIDGE, CALLER)] and not back.held


def test_the_ring_guard_gives_up_a_consultation_whose_end_was_lost() -> None:
    call, commands = step(consulting(), TimerFired(CONSULT_TIMER, 1), 81)
    assert HangUp(LEG) in commands
    assert ReleaseSeat("chaoyang-01", OfferOutcome.NO_ANSWER, 0, 0) in commands
    assert call.consult is None
    assert attempt(consult_answered(), TimerFired(CONSULT_TIMER, 1), 81) is None


def test_cancelling_lets_the_target_go_and_takes_the_caller_back() -> None:
    call, commands = step(consult_answered(), ConsultCancelAsked(), 90)
    assert commands == [
        CancelTimer(CONSULT_TIMER),
        HangUp(LEG),
        ReleaseSeat("chaoyang-01", OfferOutcome.ANSWERED, 0, 0),
        StopHoldMusic(),
        AddToBridge(BRIDGE, CALLER),
    ]
    assert call.consult is None and not call.held and call.seat_id == "high-01"
    # The leg's own end, arriving later, changes nothing.
    assert attempt(call, ConsultLeft(LEG), 91) is None


def test_taking_the_caller_off_hold_mid_consultation_makes_a_three_way_call() -> None:
    three_way, commands = step(consult_answered(), ResumeAsked(), 70)
    assert commands == [StopHoldMusic(), AddToBridge(BRIDGE, CALLER)]
    _, commands = step(three_way, ConsultCompleteAsked(), 90)
    assert AddToBridge(BRIDGE, CALLER) not in commands and HangUp(SEAT_CHANNEL) in commands


def test_an_agent_hanging_up_after_the_answer_hands_the_caller_over() -> None:
    call, commands = step(consult_answered(), SeatLeft(SEAT_CHANNEL), 90)
    assert HangUp(SEAT_CHANNEL) not in commands
    assert ReleaseSeat("high-01", OfferOutcome.ANSWERED, 1, GENERAL.wrap_up_s) in commands
    assert (call.state, call.seat_id, call.seat_channel_id) == ("connected", "chaoyang-01", LEG)


def test_an_agent_hanging_up_before_the_answer_gives_the_consultation_up() -> None:
    call, commands = step(consulting(), SeatLeft(SEAT_CHANNEL), 62)
    assert commands[:3] == [
        CancelTimer(CONSULT_TIMER),
        HangUp(LEG),
        ReleaseSeat("chaoyang-01", OfferOutcome.CALLER_LEFT, 0, 0),
    ]
    assert (call.state, call.ended_by) == ("ended", Party.SEAT)
    assert HangUp(CALLER) in commands


def test_a_caller_leaving_mid_consultation_lets_every_leg_go() -> None:
    call, commands = step(consult_answered(), CallerLeft(), 75)
    assert HangUp(LEG) in commands and HangUp(SEAT_CHANNEL) in commands
    assert ReleaseSeat("chaoyang-01", OfferOutcome.ANSWERED, 0, 0) in commands
    assert ReleaseSeat("high-01", OfferOutcome.ANSWERED, 1, GENERAL.wrap_up_s) in commands
    assert StopRecording("c1") in commands
    assert (call.state, call.ended_by, call.consult) == ("ended", Party.CALLER, None)


def test_a_leg_gone_just_after_the_hand_over_is_the_new_seat_leaving() -> None:
    handed, _ = step(consult_answered(), ConsultCompleteAsked(), 90)
    call, _ = step(handed, ConsultLeft(LEG), 91)
    assert call.state == "ended" and call.ended_by is Party.SEAT


def test_no_blind_transfer_urgent_contact_or_second_consultation_meanwhile() -> None:
    call = consulting()
    assert attempt(call, TransferAsked("complaint"), 61) is None
    after, commands = step(call, ContactStarted(7, "hold", True), 61)
    assert commands == [EndContact(7)] and after == call


def test_each_consultation_has_its_own_leg() -> None:
    call, _ = step(consulting(), ConsultLeft(LEG), 80)
    _, commands = step(call, ConsultAsked(JUDGE_TARGET), 90)
    assert commands[0] == DialConsult("c1-consult2", JUDGE_TARGET)

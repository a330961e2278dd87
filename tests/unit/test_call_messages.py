"""The call's decisions about messages: after hours a request for an agent records a message;
who deals with it — an agent from the callback list, or the case's judge as a work order."""

from __future__ import annotations

from dataclasses import replace

from calls.model import (
    Call,
    CallerLeft,
    CallEvent,
    CallState,
    CancelTimer,
    CreateCallbackTask,
    DigitPressed,
    EndReason,
    Enqueue,
    FileMessageWorkOrder,
    HangUp,
    MessageRecorded,
    Party,
    PlaybackDone,
    PlayPrompts,
    RecordMessage,
    StopPlayback,
)
from calls.state import decide
from calls.steps import IVR_INPUT_TIMER, Decision
from ivr.model import MessageNode
from ivr.state import IvrProgram
from tests.unit.test_call_state import CALLER, GENERAL, MENU, at, in_ivr
from workorders.model import Category

# ---- after hours --------------------------------------------------------------------------------
AFTER_HOURS = IvrProgram(
    **{
        **MENU.__dict__,
        "after_hours": "message",
        "nodes": {
            **MENU.nodes,
            "message": MessageNode(type="message", prompt="leave", thanks="noted", max_seconds=60),
        },
    }
)


def closed(call: Call, event: CallEvent, seconds: float) -> Decision:
    result = decide(
        call, event, at(seconds), AFTER_HOURS, {"general": GENERAL}.__getitem__, seats_open=False
    )
    assert result is not None
    return result


def test_after_hours_an_agent_request_leads_to_leaving_a_message_not_the_queue() -> None:
    call, commands = closed(in_ivr(), DigitPressed("0"), 3)
    assert call.state is CallState.IVR
    assert commands == [
        StopPlayback("c1-p1"),
        CancelTimer(IVR_INPUT_TIMER),
        PlayPrompts("c1-p2", ("leave",)),
    ]
    assert not any(isinstance(c, Enqueue) for c in commands)

    call, commands = closed(call, PlaybackDone("c1-p2"), 6)
    assert commands == [RecordMessage("c1-message", 60)]


def test_a_message_ends_with_thanks_and_a_callback_task_or_when_the_caller_hangs_up() -> None:
    recording = closed(closed(in_ivr(), DigitPressed("0"), 3)[0], PlaybackDone("c1-p2"), 6)[0]

    thanked, commands = closed(recording, MessageRecorded("c1-message"), 40)
    assert commands == [PlayPrompts("c1-p3", ("noted",))]
    ended, commands = closed(thanked, PlaybackDone("c1-p3"), 42)
    assert ended.end_reason is EndReason.MESSAGE_LEFT
    assert commands == [CreateCallbackTask("message", "c1-message"), HangUp(CALLER)]

    hung_up, commands = closed(recording, CallerLeft(), 30)
    assert (hung_up.end_reason, hung_up.ended_by) == (EndReason.MESSAGE_LEFT, Party.CALLER)
    assert commands == [CreateCallbackTask("message", "c1-message")]


def test_during_seat_hours_the_same_key_still_queues() -> None:
    result = decide(
        in_ivr(),
        DigitPressed("0"),
        at(3),
        AFTER_HOURS,
        {"general": GENERAL}.__getitem__,
        seats_open=True,
    )
    assert result is not None and result[0].state is CallState.QUEUED


def test_hanging_up_while_being_thanked_for_a_message_still_leaves_it() -> None:
    recording = closed(closed(in_ivr(), DigitPressed("0"), 3)[0], PlaybackDone("c1-p2"), 6)[0]
    thanked = closed(recording, MessageRecorded("c1-message"), 40)[0]
    ended, commands = closed(thanked, CallerLeft(), 41)
    assert ended.end_reason is EndReason.MESSAGE_LEFT
    assert CreateCallbackTask("message", "c1-message") in commands


# ---- a message for the judge --------------------------------------------------------------------
def verified_message(call: Call) -> Call:
    """The caller verified a case earlier; the message node sends messages to its judge."""
    assert call.ivr is not None
    ivr_state = replace(
        call.ivr,
        verified_case=("chaoyang", "(2026)京0105民初100号"),
        message_work_order=Category.CONTACT_JUDGE,
    )
    return replace(call, ivr=ivr_state)


def test_a_message_after_a_verified_case_goes_to_the_judge_as_a_work_order() -> None:
    recording = closed(closed(in_ivr(), DigitPressed("0"), 3)[0], PlaybackDone("c1-p2"), 6)[0]
    recording = verified_message(recording)
    order = FileMessageWorkOrder(
        Category.CONTACT_JUDGE, "chaoyang", "(2026)京0105民初100号", "c1-message"
    )

    thanked = closed(recording, MessageRecorded("c1-message"), 40)[0]
    ended, commands = closed(thanked, PlaybackDone("c1-p3"), 42)
    assert ended.end_reason is EndReason.MESSAGE_LEFT
    assert commands == [order, HangUp(CALLER)]

    hung_up, commands = closed(recording, CallerLeft(), 30)
    assert hung_up.end_reason is EndReason.MESSAGE_LEFT
    assert commands == [order]


def test_without_a_verified_case_the_message_stays_with_the_agents() -> None:
    recording = closed(closed(in_ivr(), DigitPressed("0"), 3)[0], PlaybackDone("c1-p2"), 6)[0]
    assert recording.ivr is not None
    unverified = replace(
        recording, ivr=replace(recording.ivr, message_work_order=Category.CONTACT_JUDGE)
    )
    _ended, commands = closed(unverified, CallerLeft(), 30)
    assert commands == [CreateCallbackTask("message", "c1-message")]

"""The call state machine: IVR, queue, offer to a seat, conversation and every way a call ends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from agents.model import OfferOutcome
from calls.model import (
    CALLBACK_ABANDONED,
    CALLBACK_QUEUE_TIMEOUT,
    Answer,
    BridgeAndRecord,
    Call,
    CallerEntered,
    CallerLeft,
    CallEvent,
    CallState,
    CancelTimer,
    CreateCallbackTask,
    Dequeue,
    DestroyBridge,
    DialSeat,
    DigitPressed,
    EndReason,
    Enqueue,
    EnsureRecording,
    HangUp,
    Party,
    PlaybackDone,
    PlayPrompts,
    QueuePolicy,
    ReleaseSeat,
    Resynced,
    SeatAnswered,
    SeatAssigned,
    SeatLeft,
    SeatTalking,
    SeatUnavailable,
    StartHoldMusic,
    StartTimer,
    StopHoldMusic,
    StopPlayback,
    StopRecording,
    TimerFired,
)
from calls.state import decide
from calls.steps import IVR_INPUT_TIMER, MAX_WAIT_TIMER, OFFER_TIMER, Decision
from ivr.model import IvrStep, MenuNode, QueueNode, SurveySection
from ivr.state import IvrProgram

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
MENU = IvrProgram(
    start="main",
    nodes={
        "main": MenuNode(type="menu", prompts=["welcome", "menu"], choices={"9": "consult"}),
        "consult": QueueNode(type="queue", queue="general"),
    },
    agent_key="0",
    agent_queue="general",
    back_key="*",
    invalid="invalid",
    goodbye="goodbye",
    input_timeout_s=6.0,
    retries=2,
)
GENERAL = QueuePolicy(
    queue_id="general",
    skill="consultation",
    hold_prompt="hold",
    ring_timeout_s=15,
    wrap_up_s=20,
    max_wait_s=900,
)
CALLER = "chan-caller"
SEAT_CHANNEL = "c1-seat1"
QUEUED_AT = T0 + timedelta(seconds=3)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def attempt(call: Call, event: CallEvent, seconds: float = 0) -> Decision | None:
    return decide(call, event, at(seconds), MENU, {"general": GENERAL}.__getitem__)


def step(call: Call, event: CallEvent, seconds: float = 0) -> Decision:
    result = attempt(call, event, seconds)
    assert result is not None, f"{event} ignored in {call.state}"
    return result


def new_call() -> Call:
    return Call(
        id="c1",
        caller_channel_id=CALLER,
        caller_number="13812345678",
        dialed_number="12368",
        started_at=T0,
    )


def in_ivr() -> Call:
    """Answered; greeting + menu playing as playback c1-p1."""
    return step(new_call(), CallerEntered())[0]


def awaiting_input() -> Call:
    return step(in_ivr(), PlaybackDone("c1-p1"), 2)[0]


def queued() -> Call:
    """Pressed 0 at +3 s during the greeting; hold prompt playing as c1-p2."""
    return step(in_ivr(), DigitPressed("0"), 3)[0]


def queued_on_hold_music() -> Call:
    return step(queued(), PlaybackDone("c1-p2"), 8)[0]


def offering() -> Call:
    """Seat high-01 ringing since +10 s on channel c1-seat1."""
    return step(queued(), SeatAssigned("high-01"), 10)[0]


def connected() -> Call:
    return step(offering(), SeatAnswered(SEAT_CHANNEL), 14)[0]


def ended() -> Call:
    return step(connected(), CallerLeft(), 600)[0]


# ---- IVR ----------------------------------------------------------------------------------
def test_caller_entered_answers_and_plays_greeting_and_menu_with_new_playback_id() -> None:
    call, commands = step(new_call(), CallerEntered())

    assert commands == [Answer(), PlayPrompts("c1-p1", ("welcome", "menu"))]
    assert call.state is CallState.IVR
    assert call.playback_id == "c1-p1"
    assert call.answered_at == T0
    assert call.ivr is not None and call.ivr.step is IvrStep.PROMPTING


def test_caller_entered_twice_is_ignored() -> None:
    assert attempt(in_ivr(), CallerEntered()) is None


def test_greeting_finished_starts_input_timer() -> None:
    call, commands = step(in_ivr(), PlaybackDone("c1-p1"), 2)

    assert commands == [StartTimer(IVR_INPUT_TIMER, 6.0)]
    assert call.playback_id is None


@pytest.mark.parametrize("playback_id", ["c1-p0", "c1-p2", "other"])
def test_stale_or_foreign_playback_done_is_ignored(playback_id: str) -> None:
    assert attempt(in_ivr(), PlaybackDone(playback_id)) is None


def test_playback_done_of_a_prompt_stopped_by_a_key_is_ignored() -> None:
    call = step(in_ivr(), DigitPressed("5"), 1)[0]

    assert attempt(call, PlaybackDone("c1-p1"), 1) is None


def test_invalid_digit_during_greeting_stops_it_and_plays_invalid_and_menu() -> None:
    call, commands = step(in_ivr(), DigitPressed("5"), 1)

    assert commands == [StopPlayback("c1-p1"), PlayPrompts("c1-p2", ("invalid", "welcome", "menu"))]
    assert call.state is CallState.IVR
    assert call.playback_id == "c1-p2"


def test_digit_during_greeting_stops_prompt_and_routes_to_queue() -> None:
    call, commands = step(in_ivr(), DigitPressed("0"), 3)

    assert commands == [
        StopPlayback("c1-p1"),
        CancelTimer(IVR_INPUT_TIMER),
        PlayPrompts("c1-p2", ("hold",)),
        Enqueue("general", QUEUED_AT, frozenset()),
        StartTimer(MAX_WAIT_TIMER, 900),
    ]
    assert call.state is CallState.QUEUED
    assert call.queued_at == QUEUED_AT
    assert call.queue == GENERAL
    assert call.playback_id == "c1-p2"


def test_digit_while_awaiting_input_routes_to_queue_without_stopping_anything() -> None:
    call, commands = step(awaiting_input(), DigitPressed("0"), 5)

    assert commands == [
        CancelTimer(IVR_INPUT_TIMER),
        PlayPrompts("c1-p2", ("hold",)),
        Enqueue("general", at(5), frozenset()),
        StartTimer(MAX_WAIT_TIMER, 900),
    ]
    assert call.state is CallState.QUEUED


def test_ivr_retries_exhausted_says_goodbye_then_ends_with_no_input_and_hangs_up() -> None:
    call = awaiting_input()

    call, commands = step(call, TimerFired(IVR_INPUT_TIMER, 1), 8)
    assert commands == [PlayPrompts("c1-p2", ("welcome", "menu"))], "the node's prompts again"
    call, commands = step(call, PlaybackDone("c1-p2"), 10)
    assert commands == [StartTimer(IVR_INPUT_TIMER, 6.0)]
    call, commands = step(call, TimerFired(IVR_INPUT_TIMER, 2), 16)
    assert commands == [PlayPrompts("c1-p3", ("goodbye",))]
    assert call.state is CallState.IVR

    assert attempt(call, DigitPressed("0"), 17) is None, "no way out during goodbye"

    call, commands = step(call, PlaybackDone("c1-p3"), 18)
    assert commands == [HangUp(CALLER)]
    assert call.state is CallState.ENDED
    assert call.end_reason is EndReason.NO_INPUT
    assert call.ended_by is Party.SYSTEM
    assert call.ended_at == at(18)


# ---- queue --------------------------------------------------------------------------------
def test_hold_prompt_finished_starts_hold_music() -> None:
    call, commands = step(queued(), PlaybackDone("c1-p2"), 8)

    assert commands == [StartHoldMusic()]
    assert call.on_hold_music is True
    assert call.playback_id is None
    assert attempt(call, PlaybackDone("c1-p2"), 9) is None


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(DigitPressed("0"), id="digit"),
        pytest.param(TimerFired(IVR_INPUT_TIMER, 1), id="stale-ivr-timer"),
        pytest.param(TimerFired(OFFER_TIMER, 1), id="offer-timer-without-offer"),
        pytest.param(TimerFired("unknown", 1), id="unknown-timer"),
        pytest.param(SeatUnavailable(SEAT_CHANNEL, "busy"), id="seat-unavailable"),
        pytest.param(SeatLeft(SEAT_CHANNEL), id="seat-left"),
    ],
)
def test_events_meaningless_while_queued_are_ignored(event: CallEvent) -> None:
    assert attempt(queued(), event, 20) is None


def test_seat_assigned_while_queued_stops_prompt_and_dials_seat() -> None:
    call, commands = step(queued(), SeatAssigned("high-01"), 10)

    assert commands == [
        StopPlayback("c1-p2"),
        StartHoldMusic(),
        DialSeat("high-01", SEAT_CHANNEL, attempt=1, timeout_s=15),
        StartTimer(OFFER_TIMER, 20),
    ]
    assert call.state is CallState.OFFERING
    assert (call.seat_id, call.seat_channel_id, call.offer_attempt) == ("high-01", SEAT_CHANNEL, 1)
    assert call.tried_seats == {"high-01"}
    assert call.offered_at == at(10)
    assert call.playback_id is None
    assert call.on_hold_music is True


def test_seat_assigned_while_on_hold_music_only_dials() -> None:
    call, commands = step(queued_on_hold_music(), SeatAssigned("high-01"), 10)

    assert commands == [DialSeat("high-01", SEAT_CHANNEL, 1, 15), StartTimer(OFFER_TIMER, 20)]
    assert call.state is CallState.OFFERING


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(in_ivr, id="in-ivr"),
        pytest.param(offering, id="already-offering"),
        pytest.param(connected, id="connected"),
    ],
)
def test_seat_assigned_when_caller_no_longer_queued_only_releases_the_seat(
    build: Callable[[], Call],
) -> None:
    call = build()

    after, commands = step(call, SeatAssigned("int1-01"), 30)

    assert commands == [ReleaseSeat("int1-01", OfferOutcome.CALLER_LEFT, 0, 0)]
    assert after == call


def test_max_wait_timer_ends_queued_call_with_queue_timeout() -> None:
    call, commands = step(queued_on_hold_music(), TimerFired(MAX_WAIT_TIMER, 3), 903)

    assert commands == [
        Dequeue(),
        CancelTimer(MAX_WAIT_TIMER),
        StopHoldMusic(),
        CreateCallbackTask(CALLBACK_QUEUE_TIMEOUT, None),
        HangUp(CALLER),
    ]
    assert call.state is CallState.ENDED
    assert call.end_reason is EndReason.QUEUE_TIMEOUT
    assert call.ended_by is Party.SYSTEM


def test_max_wait_timer_during_hold_prompt_also_stops_the_prompt() -> None:
    _call, commands = step(queued(), TimerFired(MAX_WAIT_TIMER, 3), 903)

    assert commands == [
        Dequeue(),
        CancelTimer(MAX_WAIT_TIMER),
        StopPlayback("c1-p2"),
        CreateCallbackTask(CALLBACK_QUEUE_TIMEOUT, None),
        HangUp(CALLER),
    ]


# ---- offer --------------------------------------------------------------------------------
def test_seat_answered_connects_bridges_and_records_both_channels() -> None:
    call, commands = step(offering(), SeatAnswered(SEAT_CHANNEL), 14)

    assert commands == [
        CancelTimer(OFFER_TIMER),
        CancelTimer(MAX_WAIT_TIMER),
        StopHoldMusic(),
        SeatTalking("high-01"),
        BridgeAndRecord("c1-bridge", (CALLER, SEAT_CHANNEL), recording_name="c1"),
    ]
    assert call.state is CallState.CONNECTED
    assert call.bridge_id == "c1-bridge"
    assert call.connected_at == at(14)
    assert call.on_hold_music is False


@pytest.mark.parametrize(
    ("build", "channel"),
    [
        pytest.param(offering, "c1-seat0", id="other-channel-while-offering"),
        pytest.param(connected, "c1-seat9", id="other-channel-while-connected"),
        pytest.param(queued, SEAT_CHANNEL, id="while-queued"),
    ],
)
def test_late_or_foreign_seat_answer_is_hung_up(build: Callable[[], Call], channel: str) -> None:
    call = build()

    after, commands = step(call, SeatAnswered(channel), 40)

    assert commands == [HangUp(channel)]
    assert after == call


REQUEUE = [
    CancelTimer(OFFER_TIMER),
    ReleaseSeat("high-01", OfferOutcome.NO_ANSWER, 1, 0),
    Enqueue("general", QUEUED_AT, frozenset({"high-01"})),
    StartTimer(MAX_WAIT_TIMER, 900 - 32),  # what is left of the wait limit at t=35
]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        pytest.param(SeatLeft(SEAT_CHANNEL), REQUEUE, id="seat-left"),
        pytest.param(SeatUnavailable(SEAT_CHANNEL, "busy"), REQUEUE, id="seat-unavailable"),
        pytest.param(
            TimerFired(OFFER_TIMER, 4), [HangUp(SEAT_CHANNEL), *REQUEUE], id="offer-timer"
        ),
    ],
)
def test_failed_offer_requeues_with_original_time_and_tried_seat_excluded(
    event: CallEvent, expected: list[object]
) -> None:
    call, commands = step(offering(), event, 35)

    assert commands == expected
    assert call.state is CallState.QUEUED
    assert call.queued_at == QUEUED_AT
    assert (call.seat_id, call.seat_channel_id) == (None, None)
    assert call.on_hold_music is True, "the caller keeps hearing hold music"


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(SeatLeft("c1-seat0"), id="seat-left-other-channel"),
        pytest.param(SeatUnavailable("c1-seat0", "busy"), id="seat-unavailable-other-channel"),
        pytest.param(TimerFired(MAX_WAIT_TIMER, 3), id="max-wait"),
        pytest.param(TimerFired(IVR_INPUT_TIMER, 1), id="ivr-timer"),
        pytest.param(DigitPressed("0"), id="digit"),
    ],
)
def test_events_meaningless_while_offering_are_ignored(event: CallEvent) -> None:
    assert attempt(offering(), event, 20) is None


def test_second_offer_uses_a_new_channel_and_excludes_both_tried_seats() -> None:
    call = step(offering(), SeatUnavailable(SEAT_CHANNEL, "busy"), 11)[0]

    call, commands = step(call, SeatAssigned("high-02"), 12)
    assert commands == [DialSeat("high-02", "c1-seat2", 2, 15), StartTimer(OFFER_TIMER, 20)]
    assert call.offered_at == at(10), "first offer time is kept"

    call, commands = step(call, SeatLeft("c1-seat2"), 30)
    assert commands[1:] == [
        ReleaseSeat("high-02", OfferOutcome.NO_ANSWER, 2, 0),
        Enqueue("general", QUEUED_AT, frozenset({"high-01", "high-02"})),
        StartTimer(MAX_WAIT_TIMER, 900 - 27),
    ]


def test_failed_offer_after_the_wait_limit_ends_the_call_instead_of_requeueing() -> None:
    call, commands = step(offering(), SeatLeft(SEAT_CHANNEL), 3 + 900)

    assert commands == [
        CancelTimer(OFFER_TIMER),
        ReleaseSeat("high-01", OfferOutcome.NO_ANSWER, 1, 0),
        Enqueue("general", QUEUED_AT, frozenset({"high-01"})),
        Dequeue(),
        CancelTimer(MAX_WAIT_TIMER),
        StopHoldMusic(),
        CreateCallbackTask(CALLBACK_QUEUE_TIMEOUT, None),
        HangUp(call.caller_channel_id),
    ]
    assert call.state is CallState.ENDED
    assert call.end_reason is EndReason.QUEUE_TIMEOUT


def test_first_seat_answering_after_requeue_is_hung_up() -> None:
    call = step(offering(), TimerFired(OFFER_TIMER, 4), 30)[0]

    assert step(call, SeatAnswered(SEAT_CHANNEL), 31)[1] == [HangUp(SEAT_CHANNEL)]


# ---- the end ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("build", "reason", "expected"),
    [
        pytest.param(
            in_ivr,
            EndReason.ABANDONED_IN_IVR,
            [CancelTimer(IVR_INPUT_TIMER), StopPlayback("c1-p1")],
            id="in-ivr",
        ),
        pytest.param(
            awaiting_input,
            EndReason.ABANDONED_IN_IVR,
            [CancelTimer(IVR_INPUT_TIMER)],
            id="awaiting-input",
        ),
        pytest.param(
            queued,
            EndReason.ABANDONED_IN_QUEUE,
            [
                Dequeue(),
                CancelTimer(MAX_WAIT_TIMER),
                StopPlayback("c1-p2"),
                CreateCallbackTask(CALLBACK_ABANDONED, None),
            ],
            id="queued-during-hold-prompt",
        ),
        pytest.param(
            queued_on_hold_music,
            EndReason.ABANDONED_IN_QUEUE,
            [
                Dequeue(),
                CancelTimer(MAX_WAIT_TIMER),
                StopHoldMusic(),
                CreateCallbackTask(CALLBACK_ABANDONED, None),
            ],
            id="queued-on-hold-music",
        ),
        pytest.param(
            offering,
            EndReason.ABANDONED_IN_QUEUE,
            [
                CancelTimer(OFFER_TIMER),
                CancelTimer(MAX_WAIT_TIMER),
                HangUp(SEAT_CHANNEL),
                ReleaseSeat("high-01", OfferOutcome.CALLER_LEFT, 1, 0),
                CreateCallbackTask(CALLBACK_ABANDONED, None),
            ],
            id="offering",
        ),
        pytest.param(
            connected,
            EndReason.COMPLETED,
            [
                StopRecording("c1"),
                HangUp(SEAT_CHANNEL),
                DestroyBridge("c1-bridge"),
                ReleaseSeat("high-01", OfferOutcome.ANSWERED, 1, 20),
            ],
            id="connected",
        ),
    ],
)
def test_caller_left_ends_call_with_reason_for_its_state(
    build: Callable[[], Call], reason: EndReason, expected: list[object]
) -> None:
    call, commands = step(build(), CallerLeft(), 600)

    assert commands == expected
    assert call.state is CallState.ENDED
    assert call.end_reason is reason
    assert call.ended_by is Party.CALLER
    assert call.ended_at == at(600)
    assert call.playback_id is None


def test_seat_left_while_connected_completes_call_ended_by_seat() -> None:
    call, commands = step(connected(), SeatLeft(SEAT_CHANNEL), 300)

    assert commands == [
        StopRecording("c1"),
        HangUp(CALLER),
        DestroyBridge("c1-bridge"),
        ReleaseSeat("high-01", OfferOutcome.ANSWERED, 1, GENERAL.wrap_up_s),
    ]
    assert call.state is CallState.ENDED
    assert call.end_reason is EndReason.COMPLETED
    assert call.ended_by is Party.SEAT


@pytest.mark.parametrize(
    "event",
    [
        CallerEntered(),
        PlaybackDone("c1-p2"),
        DigitPressed("0"),
        TimerFired(MAX_WAIT_TIMER, 3),
        TimerFired(OFFER_TIMER, 4),
        SeatAssigned("high-02"),
        SeatAnswered(SEAT_CHANNEL),
        SeatUnavailable(SEAT_CHANNEL, "busy"),
        CallerLeft(),
        SeatLeft(SEAT_CHANNEL),
        Resynced(),
    ],
    ids=lambda event: type(event).__name__,
)
def test_any_event_after_the_call_ended_is_ignored(event: CallEvent) -> None:
    assert attempt(ended(), event, 700) is None


def test_ended_call_with_a_stale_playback_id_still_ignores_resync() -> None:
    call = replace(ended(), playback_id="c1-p9")

    assert attempt(call, Resynced(), 700) is None


# ---- after a reconnect --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("build", "expected"),
    [
        pytest.param(in_ivr, [StartTimer(IVR_INPUT_TIMER, 6.0)], id="greeting-pending"),
        pytest.param(queued, [StartHoldMusic()], id="hold-prompt-pending"),
    ],
)
def test_resync_with_pending_playback_acts_like_that_playback_finishing(
    build: Callable[[], Call], expected: list[object]
) -> None:
    call = build()
    assert call.playback_id is not None

    result = step(call, Resynced(), 20)

    assert result == step(call, PlaybackDone(call.playback_id), 20)
    assert result[1] == expected


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(awaiting_input, id="awaiting-input"),
        pytest.param(queued_on_hold_music, id="on-hold-music"),
        pytest.param(offering, id="offering"),
    ],
)
def test_resync_without_pending_playback_is_ignored(build: Callable[[], Call]) -> None:
    assert attempt(build(), Resynced(), 20) is None


def test_resync_of_a_connected_call_makes_sure_its_recording_runs() -> None:
    call = connected()
    assert step(call, Resynced(), 20) == (call, [EnsureRecording("c1-bridge", "c1")])


def test_call_channels_lists_caller_and_seat_once_offered() -> None:
    assert in_ivr().channels() == [CALLER]
    assert offering().channels() == [CALLER, SEAT_CHANNEL]


# ---- post-call survey -----------------------------------------------------------------------
SURVEYED = IvrProgram(
    **{
        **MENU.__dict__,
        "survey": SurveySection(
            prompt="rate", thanks="thanks", choices={"1": "satisfied", "2": "unsatisfied"}
        ),
    }
)


def survey_step(call: Call, event: CallEvent, seconds: float) -> Decision | None:
    return decide(call, event, at(seconds), SURVEYED, {"general": GENERAL}.__getitem__)


def in_survey() -> Call:
    result = survey_step(connected(), SeatLeft(SEAT_CHANNEL), 300)
    assert result is not None
    return result[0]


def test_seat_hanging_up_first_lets_the_seat_go_and_asks_the_caller_to_rate() -> None:
    result = survey_step(connected(), SeatLeft(SEAT_CHANNEL), 300)
    assert result is not None
    call, commands = result
    assert commands == [
        StopRecording("c1"),
        DestroyBridge("c1-bridge"),
        ReleaseSeat("high-01", OfferOutcome.ANSWERED, 1, GENERAL.wrap_up_s),
        PlayPrompts("c1-p3", ("rate",)),
    ]
    assert call.state is CallState.SURVEY
    assert HangUp(CALLER) not in commands, "the caller stays on the line"


def test_survey_answer_is_kept_thanked_and_the_call_then_ends() -> None:
    call, commands = survey_step(in_survey(), DigitPressed("2"), 302) or (None, [])
    assert call is not None
    assert call.survey_answer == "unsatisfied"
    assert commands == [
        CancelTimer("survey"),
        StopPlayback("c1-p3"),
        PlayPrompts("c1-p4", ("thanks",)),
    ]
    assert survey_step(call, DigitPressed("1"), 303) is None, "one answer only"

    ended, commands = survey_step(call, PlaybackDone("c1-p4"), 305) or (None, [])
    assert ended is not None
    assert (ended.state, ended.end_reason, ended.ended_by) == (
        CallState.ENDED,
        EndReason.COMPLETED,
        Party.SEAT,
    )
    assert commands == [HangUp(CALLER)]


def test_survey_without_an_answer_times_out_and_ends_the_call() -> None:
    call, commands = survey_step(in_survey(), PlaybackDone("c1-p3"), 304) or (None, [])
    assert call is not None and commands == [StartTimer("survey", 8.0)]
    assert survey_step(call, DigitPressed("7"), 305) is None, "keys that are no answer"
    ended, commands = survey_step(call, TimerFired("survey", 1), 312) or (None, [])
    assert ended is not None and ended.survey_answer is None
    assert (ended.state, commands) == (CallState.ENDED, [HangUp(CALLER)])


def test_caller_leaving_during_the_survey_ends_the_call_as_completed_by_the_seat() -> None:
    ended, commands = survey_step(in_survey(), CallerLeft(), 303) or (None, [])
    assert ended is not None
    assert (ended.end_reason, ended.ended_by) == (EndReason.COMPLETED, Party.SEAT)
    assert commands == [CancelTimer("survey"), StopPlayback("c1-p3")]

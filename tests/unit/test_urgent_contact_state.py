"""The urgent contact chain as a table of events: who is rung next, when the caller joins."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from directory.model import ContactRole, ContactStep
from urgent import model as m
from urgent.state import decide

NOW = datetime(2026, 10, 9, 10, 0, tzinfo=UTC)
POLICY = m.UrgentPolicy(ring_s=20, choice_s=8, whisper_plays=2)
STEPS = (
    ContactStep(ContactRole.JUDGE, "张法官", "13800000001", "j1"),
    ContactStep(ContactRole.DIVISION_OFFICE, "民一庭", "01065000001"),
    ContactStep(ContactRole.DIVISION_HEAD, "李庭长", "13800000002", "j2"),
)
LEG1, LEG2, LEG3 = (m.leg_channel_id(7, n) for n in (1, 2, 3))


def run(
    events: list[m.ContactEvent], steps: tuple[ContactStep, ...] = STEPS
) -> tuple[m.Contact, list[m.ContactCommand]]:
    contact = m.Contact(7, "call-a", steps, "sound:whisper")
    commands: list[m.ContactCommand] = []
    for event in events:
        result = decide(contact, event, NOW, POLICY)
        if result is not None:
            contact, more = result
            commands += more
    return contact, commands


def of_type(commands: list[m.ContactCommand], kind: type) -> list[object]:
    return [command for command in commands if isinstance(command, kind)]


def test_begin_rings_the_judges_mobile_first_for_the_ring_timeout() -> None:
    contact, commands = run([m.Begin()])
    assert commands == [m.DialLeg(1, LEG1, 20)]
    assert contact.state is m.ContactState.RINGING and contact.step.role is ContactRole.JUDGE


def test_judge_who_presses_1_is_put_through_after_the_whisper() -> None:
    contact, commands = run([m.Begin(), m.LegAnswered(LEG1), m.LegDigit(LEG1, "1")])
    assert of_type(commands, m.PlayWhisper) == [m.PlayWhisper(LEG1, f"{m.LEG_PREFIX}7-leg1-w1")]
    assert commands[-3:] == [
        m.StopWhisper(f"{m.LEG_PREFIX}7-leg1-w1"),
        m.StepEnded(1, m.LegOutcome.ACCEPTED),
        m.JoinCaller(LEG1),
    ]
    assert contact.state is m.ContactState.BRIDGED
    assert contact.outcome is m.ContactOutcome.BRIDGED


def test_judge_silent_then_office_busy_then_division_head_answers() -> None:
    contact, commands = run(
        [
            m.Begin(),
            m.LegGone(LEG1, 19),  # rang out
            m.LegGone(LEG2, 17),  # busy
            m.LegAnswered(LEG3),
            m.LegDigit(LEG3, "1"),
        ]
    )
    assert of_type(commands, m.DialLeg) == [
        m.DialLeg(1, LEG1, 20),
        m.DialLeg(2, LEG2, 20),
        m.DialLeg(3, LEG3, 20),
    ]
    assert of_type(commands, m.StepEnded) == [
        m.StepEnded(1, m.LegOutcome.NO_ANSWER, 19),
        m.StepEnded(2, m.LegOutcome.BUSY, 17),
        m.StepEnded(3, m.LegOutcome.ACCEPTED),
    ]
    assert contact.step.role is ContactRole.DIVISION_HEAD
    assert of_type(commands, m.JoinCaller) == [m.JoinCaller(LEG3)]


@pytest.mark.parametrize(
    ("events", "outcome"),
    [
        ([m.LegAnswered(LEG1), m.LegDigit(LEG1, "2")], m.LegOutcome.DECLINED),
        ([m.LegGone(LEG1, 21)], m.LegOutcome.DECLINED),
        ([m.LegGone(LEG1, 34)], m.LegOutcome.FAILED),
        ([m.LegGone(LEG1, -1)], m.LegOutcome.FAILED),  # could not be dialled at all
        ([m.LegAnswered(LEG1), m.LegGone(LEG1, 16)], m.LegOutcome.DECLINED),
    ],
)
def test_every_way_a_step_fails_moves_to_the_next_number(
    events: list[m.ContactEvent], outcome: m.LegOutcome
) -> None:
    contact, commands = run([m.Begin(), *events])
    assert of_type(commands, m.StepEnded)[0] == m.StepEnded(
        1, outcome, getattr(events[-1], "cause", None)
    )
    assert contact.step_no == 2 and contact.leg_channel_id == LEG2


def test_whisper_is_repeated_then_a_silent_answer_times_out_to_the_next_step() -> None:
    first = f"{m.LEG_PREFIX}7-leg1-w1"
    second = f"{m.LEG_PREFIX}7-leg1-w2"
    contact, commands = run(
        [m.Begin(), m.LegAnswered(LEG1), m.WhisperDone(first), m.WhisperDone(second)]
    )
    assert [c.playback_id for c in of_type(commands, m.PlayWhisper)] == [first, second]  # type: ignore[attr-defined]
    (timer,) = of_type(commands, m.StartChoiceTimer)
    assert timer == m.StartChoiceTimer(contact.choice_token, 8)
    contact, more = decide(contact, m.ChoiceTimedOut(contact.choice_token), NOW, POLICY) or (
        contact,
        [],
    )
    assert more[:3] == [
        m.HangUpLeg(LEG1),
        m.StepEnded(1, m.LegOutcome.NO_CHOICE, None),
        m.DialLeg(2, LEG2, 20),
    ]


def test_a_stale_choice_timer_or_a_key_from_another_leg_changes_nothing() -> None:
    contact, _ = run([m.Begin(), m.LegAnswered(LEG1)])
    assert decide(contact, m.ChoiceTimedOut(contact.choice_token - 1), NOW, POLICY) is None
    assert decide(contact, m.LegDigit(LEG2, "1"), NOW, POLICY) is None
    assert decide(contact, m.LegDigit(LEG1, "5"), NOW, POLICY) is None


def test_nobody_answering_ends_unreached_after_the_last_step() -> None:
    contact, commands = run(
        [m.Begin(), m.LegGone(LEG1, 19), m.LegGone(LEG2, 19), m.LegGone(LEG3, 19)]
    )
    assert contact.state is m.ContactState.ENDED
    assert commands[-1] == m.Finished(m.ContactOutcome.UNREACHED, NOW)
    assert len(of_type(commands, m.DialLeg)) == 3


def test_a_case_with_no_number_is_unreached_at_once() -> None:
    contact, commands = run([m.Begin()], steps=())
    assert contact.outcome is m.ContactOutcome.UNREACHED
    assert commands == [m.Finished(m.ContactOutcome.UNREACHED, NOW)]


def test_caller_hanging_up_while_ringing_lets_the_leg_go() -> None:
    contact, commands = run([m.Begin(), m.LegGone(LEG1, 19), m.CallerGone()])
    assert commands[-3:] == [
        m.StepEnded(2, m.LegOutcome.CALLER_LEFT),
        m.HangUpLeg(LEG2),
        m.Finished(m.ContactOutcome.CALLER_LEFT, NOW),
    ]
    assert decide(contact, m.LegGone(LEG2, 16), NOW, POLICY) is None


def test_after_the_judge_hangs_up_the_call_is_told_which_leg_went() -> None:
    contact, commands = run(
        [m.Begin(), m.LegAnswered(LEG1), m.LegDigit(LEG1, "1"), m.LegGone(LEG1, 16)]
    )
    assert commands[-1] == m.Finished(m.ContactOutcome.BRIDGED, NOW)
    assert contact.leg_channel_id == LEG1 and contact.state is m.ContactState.ENDED


def test_a_late_answer_on_an_old_leg_is_hung_up() -> None:
    contact, _ = run([m.Begin(), m.LegGone(LEG1, 19)])
    assert decide(contact, m.LegAnswered(LEG1), NOW, POLICY) == (contact, [m.HangUpLeg(LEG1)])

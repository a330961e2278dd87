"""The urgent contact state machine: decide(contact, event, now, policy). Pure; no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import assert_never

from urgent.model import (
    Begin,
    CallerGone,
    ChoiceTimedOut,
    Contact,
    ContactCommand,
    ContactEvent,
    ContactOutcome,
    ContactState,
    DialLeg,
    Finished,
    HangUpLeg,
    JoinCaller,
    LegAnswered,
    LegDigit,
    LegGone,
    LegOutcome,
    PlayWhisper,
    StartChoiceTimer,
    StepEnded,
    StopWhisper,
    UrgentPolicy,
    WhisperDone,
    leg_channel_id,
    outcome_for_cause,
)

Decision = tuple[Contact, list[ContactCommand]]

ACCEPT_KEY = "1"
DECLINE_KEY = "2"


def decide(
    contact: Contact, event: ContactEvent, now: datetime, policy: UrgentPolicy
) -> Decision | None:
    """The next contact and its commands, or None when the event means nothing now."""
    state = contact.state
    if state is ContactState.ENDED:
        return None
    match event:
        case Begin():
            if contact.leg_channel_id is not None:
                return None
            if not contact.steps:
                return _unreached(contact, [], now)
            return _dial(contact, 1, policy)
        case LegAnswered(channel_id):
            if channel_id != contact.leg_channel_id or state is not ContactState.RINGING:
                return contact, [HangUpLeg(channel_id)]
            return _whisper(replace(contact, state=ContactState.WHISPERING, whisper_plays=0))
        case WhisperDone(playback_id):
            if state is not ContactState.WHISPERING or playback_id != contact.playback_id():
                return None
            if contact.whisper_plays < policy.whisper_plays:
                return _whisper(contact)
            token = contact.choice_token + 1
            return replace(contact, choice_token=token), [StartChoiceTimer(token, policy.choice_s)]
        case LegDigit(channel_id, digit):
            if state is not ContactState.WHISPERING or channel_id != contact.leg_channel_id:
                return None
            if digit == ACCEPT_KEY:
                joined = replace(
                    contact,
                    state=ContactState.BRIDGED,
                    choice_token=contact.choice_token + 1,
                    outcome=ContactOutcome.BRIDGED,
                )
                return joined, [
                    StopWhisper(contact.playback_id()),
                    StepEnded(contact.step_no, LegOutcome.ACCEPTED),
                    JoinCaller(channel_id),
                ]
            if digit == DECLINE_KEY:
                return _next_step(contact, LegOutcome.DECLINED, None, now, policy, hang_up=True)
            return None
        case ChoiceTimedOut(token):
            if state is not ContactState.WHISPERING or token != contact.choice_token:
                return None
            return _next_step(contact, LegOutcome.NO_CHOICE, None, now, policy, hang_up=True)
        case LegGone(channel_id, cause):
            if channel_id != contact.leg_channel_id:
                return None
            if state is ContactState.BRIDGED:
                # The leg id stays: the call is told which of its channels went.
                return replace(contact, state=ContactState.ENDED), [
                    Finished(ContactOutcome.BRIDGED, now)
                ]
            if state is ContactState.WHISPERING:
                # Hung up during the whisper: as good as pressing 2.
                return _next_step(contact, LegOutcome.DECLINED, cause, now, policy)
            return _next_step(contact, outcome_for_cause(cause), cause, now, policy)
        case CallerGone():
            commands: list[ContactCommand] = []
            leg = contact.leg_channel_id
            if state is ContactState.BRIDGED:
                outcome = ContactOutcome.BRIDGED
            else:
                outcome = ContactOutcome.CALLER_LEFT
                commands.append(StepEnded(contact.step_no, LegOutcome.CALLER_LEFT))
            if leg is not None:
                commands.append(HangUpLeg(leg))
            ended = replace(contact, state=ContactState.ENDED, leg_channel_id=None, outcome=outcome)
            return ended, [*commands, Finished(outcome, now)]
        case _:
            assert_never(event)


def _dial(contact: Contact, step_no: int, policy: UrgentPolicy) -> Decision:
    channel_id = leg_channel_id(contact.id, step_no)
    contact = replace(
        contact,
        state=ContactState.RINGING,
        step_no=step_no,
        leg_channel_id=channel_id,
        whisper_plays=0,
        choice_token=contact.choice_token + 1,
    )
    return contact, [DialLeg(step_no, channel_id, policy.ring_s)]


def _whisper(contact: Contact) -> Decision:
    channel_id = contact.leg_channel_id
    assert channel_id is not None
    contact = replace(contact, whisper_plays=contact.whisper_plays + 1)
    return contact, [PlayWhisper(channel_id, contact.playback_id())]


def _next_step(
    contact: Contact,
    outcome: LegOutcome,
    cause: int | None,
    now: datetime,
    policy: UrgentPolicy,
    *,
    hang_up: bool = False,
) -> Decision:
    commands: list[ContactCommand] = []
    if hang_up and contact.leg_channel_id is not None:
        commands.append(HangUpLeg(contact.leg_channel_id))
    commands.append(StepEnded(contact.step_no, outcome, cause))
    if contact.step_no < len(contact.steps):
        contact, dial = _dial(contact, contact.step_no + 1, policy)
        return contact, [*commands, *dial]
    return _unreached(contact, commands, now)


def _unreached(contact: Contact, commands: list[ContactCommand], now: datetime) -> Decision:
    ended = replace(
        contact,
        state=ContactState.ENDED,
        leg_channel_id=None,
        outcome=ContactOutcome.UNREACHED,
    )
    return ended, [*commands, Finished(ContactOutcome.UNREACHED, now)]

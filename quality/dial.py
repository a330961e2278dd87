"""A follow-up call placed from the console (click-to-call): the agent's softphone rings first,
then — with the agent on the line hearing music — the litigant's phone through the carrier; the
conversation is bridged and recorded like any call. Pure: decide(call, event) -> (call, commands).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime

from quality.model import AttemptOutcome

SEAT_ARG = "follow-up-seat"
CITIZEN_ARG = "follow-up-citizen"
CAUSE_BUSY = 17


class DialState(enum.StrEnum):
    SEAT_RINGING = "seat_ringing"
    CITIZEN_RINGING = "citizen_ringing"  # the agent is on, hearing music
    CONNECTED = "connected"
    ENDED = "ended"


@dataclass(frozen=True)
class FollowUpCall:
    follow_up_id: int
    seat_id: str
    call_id: str  # the conversation's call row (and recording name), once connected
    seat_channel_id: str
    citizen_channel_id: str
    number: str = field(repr=False)
    state: DialState = DialState.SEAT_RINGING
    connected_at: datetime | None = None

    def channels(self) -> list[str]:
        return [self.seat_channel_id, self.citizen_channel_id]


# ---- events ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SeatAnswered:
    channel_id: str


@dataclass(frozen=True)
class CitizenAnswered:
    channel_id: str


@dataclass(frozen=True)
class Gone:
    channel_id: str
    cause: int = 16


DialEvent = SeatAnswered | CitizenAnswered | Gone


# ---- commands -------------------------------------------------------------------------------
@dataclass(frozen=True)
class HoldSeat:
    channel_id: str


@dataclass(frozen=True)
class DialCitizen:
    channel_id: str


@dataclass(frozen=True)
class Connect:
    """The call row, the bridge of both, its recording."""


@dataclass(frozen=True)
class Disconnect:
    ended_by: str  # seat or caller


@dataclass(frozen=True)
class HangUp:
    channel_id: str


@dataclass(frozen=True)
class RecordAttempt:
    """The litigant was not reached: the attempt counts (retries follow the config)."""

    outcome: AttemptOutcome


@dataclass(frozen=True)
class ReleaseSeat:
    answered: bool  # the agent's phone answered (else it only rang)


DialCommand = HoldSeat | DialCitizen | Connect | Disconnect | HangUp | RecordAttempt | ReleaseSeat


def decide(
    call: FollowUpCall, event: DialEvent, now: datetime
) -> tuple[FollowUpCall, list[DialCommand]] | None:
    if call.state is DialState.ENDED:
        return None
    match event:
        case SeatAnswered(channel_id):
            if call.state is not DialState.SEAT_RINGING or channel_id != call.seat_channel_id:
                return None
            return replace(call, state=DialState.CITIZEN_RINGING), [
                HoldSeat(channel_id),
                DialCitizen(call.citizen_channel_id),
            ]
        case CitizenAnswered(channel_id):
            if call.state is not DialState.CITIZEN_RINGING:
                return call, [HangUp(channel_id)]  # too late: the agent gave up
            return replace(call, state=DialState.CONNECTED, connected_at=now), [Connect()]
        case Gone(channel_id, cause):
            return _gone(call, channel_id, cause)
    raise AssertionError(event)


def _gone(
    call: FollowUpCall, channel_id: str, cause: int
) -> tuple[FollowUpCall, list[DialCommand]] | None:
    if channel_id not in call.channels():
        return None
    ended = replace(call, state=DialState.ENDED)
    seat_left = channel_id == call.seat_channel_id
    match call.state:
        case DialState.SEAT_RINGING:
            # The agent's own phone did not answer: no attempt at the litigant was made.
            return ended, [ReleaseSeat(answered=True)] if seat_left else [
                HangUp(call.seat_channel_id),
                ReleaseSeat(answered=True),
            ]
        case DialState.CITIZEN_RINGING:
            if seat_left:
                return ended, [HangUp(call.citizen_channel_id), ReleaseSeat(answered=True)]
            outcome = AttemptOutcome.BUSY if cause == CAUSE_BUSY else AttemptOutcome.NO_ANSWER
            return ended, [
                RecordAttempt(outcome),
                HangUp(call.seat_channel_id),
                ReleaseSeat(answered=True),
            ]
        case DialState.CONNECTED:
            other = call.citizen_channel_id if seat_left else call.seat_channel_id
            return ended, [
                Disconnect("seat" if seat_left else "caller"),
                HangUp(other),
                ReleaseSeat(answered=True),
            ]
        case DialState.ENDED:
            return None

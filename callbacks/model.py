"""A callback the switch dials: its states, the events that move it, the commands it issues."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime

from agents.model import OfferOutcome

# Only a plain number the carrier gave us for the caller is ever dialled back.
DIALLABLE = re.compile(r"^\+?[0-9]{3,20}$")
ENTRY_PREFIX = "callback-"


def entry_id_for(task_id: int) -> str:
    """The callback's name in the waiting line (next to call ids)."""
    return f"{ENTRY_PREFIX}{task_id}"


def task_id_of(entry_id: str) -> int | None:
    digits = entry_id.removeprefix(ENTRY_PREFIX)
    return int(digits) if entry_id.startswith(ENTRY_PREFIX) and digits.isdigit() else None


class CallbackState(enum.StrEnum):
    WAITING = "waiting"  # in line (or waiting for the next try)
    SEAT_RINGING = "seat_ringing"
    CITIZEN_RINGING = "citizen_ringing"  # the agent is on and hears hold music meanwhile
    CONNECTED = "connected"
    ENDED = "ended"


class CallbackOutcome(enum.StrEnum):
    REACHED = "reached"
    UNREACHED = "unreached"


class AttemptOutcome(enum.StrEnum):
    """How one try at the citizen's phone ended (a row of callback_attempts)."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"  # rang out, or the citizen rejected it
    BUSY = "busy"
    FAILED = "failed"  # the carrier could not place it
    AGENT_LEFT = "agent_left"  # the agent hung up first: not the citizen's try


# Q.850 cause of a channel the far end refused as busy (ARI ChannelDestroyed.cause).
CAUSE_BUSY = 17
CAUSE_NORMAL = 16


@dataclass(frozen=True)
class CallbackPolicy:
    citizen_ring_s: int
    attempts: int
    retry_s: int
    seat_ring_s: int
    wrap_up_s: int


@dataclass(frozen=True)
class Callback:
    task_id: int
    number: str
    queue_id: str
    home_platform: str
    place_at: datetime  # the place in line: a queued caller's original enqueue time
    priority: int
    attempts: int = 0  # tries at the citizen's phone so far
    last_seat_id: str | None = None  # from the database: the seat dialled before a restart
    state: CallbackState = CallbackState.WAITING
    offers: int = 0  # seats dialled so far (channel names count them)
    tried_seats: frozenset[str] = field(default_factory=frozenset)
    seat_id: str | None = None
    seat_channel_id: str | None = None
    citizen_channel_id: str | None = None
    call_id: str | None = None  # the conversation's call row, once the citizen answers
    connected_at: datetime | None = None
    outcome: CallbackOutcome | None = None

    @property
    def entry_id(self) -> str:
        return entry_id_for(self.task_id)

    def channels(self) -> list[str]:
        return [c for c in (self.seat_channel_id, self.citizen_channel_id) if c]


# ---- events ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SeatAssigned:
    seat_id: str


@dataclass(frozen=True)
class SeatAnswered:
    channel_id: str


@dataclass(frozen=True)
class CitizenAnswered:
    channel_id: str


@dataclass(frozen=True)
class ChannelGone:
    channel_id: str
    cause: int = CAUSE_NORMAL  # a leg that never answered: why it ended


@dataclass(frozen=True)
class DialFailed:
    channel_id: str


CallbackEvent = SeatAssigned | SeatAnswered | CitizenAnswered | ChannelGone | DialFailed


# ---- commands -------------------------------------------------------------------------------
@dataclass(frozen=True)
class DialSeat:
    seat_id: str
    channel_id: str
    timeout_s: int


@dataclass(frozen=True)
class HoldSeat:
    """The agent waits on hold music while the citizen's phone rings."""

    channel_id: str


@dataclass(frozen=True)
class DialCitizen:
    number: str
    channel_id: str
    timeout_s: int


@dataclass(frozen=True)
class Connect:
    """Bridge agent and citizen, record the bridge, open the conversation's call row."""

    call_id: str
    seat_channel_id: str
    citizen_channel_id: str


@dataclass(frozen=True)
class Disconnect:
    call_id: str
    ended_by: str  # "seat" or "caller" (the citizen), as in call rows


@dataclass(frozen=True)
class HangUp:
    channel_id: str


@dataclass(frozen=True)
class ReleaseSeat:
    seat_id: str
    outcome: OfferOutcome
    wrap_up_s: int


@dataclass(frozen=True)
class WaitInLine:
    """Back into the waiting line at the same place, from `not_before` on."""

    not_before: datetime | None
    excluded_seats: frozenset[str]


@dataclass(frozen=True)
class AttemptEnded:
    """A try at the citizen's phone ended without a conversation (see Connect for one)."""

    attempt: int
    outcome: AttemptOutcome


@dataclass(frozen=True)
class Finish:
    outcome: CallbackOutcome


CallbackCommand = (
    DialSeat
    | HoldSeat
    | DialCitizen
    | Connect
    | Disconnect
    | HangUp
    | ReleaseSeat
    | WaitInLine
    | AttemptEnded
    | Finish
)

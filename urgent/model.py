"""An urgent contact: the switch rings the judge, then the division office, then the division head.

Each number is rung in turn (the leg); whoever answers hears a whisper and presses 1 to be put
through to the caller or 2 to decline. The contact's states, events and commands are plain data.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from directory.model import ContactStep

LEG_PREFIX = "urgent-"


def leg_channel_id(contact_id: int, step_no: int) -> str:
    return f"{LEG_PREFIX}{contact_id}-leg{step_no}"


class ContactState(enum.StrEnum):
    RINGING = "ringing"  # a leg is being dialled
    WHISPERING = "whispering"  # the leg answered: whisper plays, a key is awaited
    BRIDGED = "bridged"  # the person answering talks with the caller
    ENDED = "ended"


class LegOutcome(enum.StrEnum):
    ACCEPTED = "accepted"  # pressed 1
    DECLINED = "declined"  # pressed 2
    NO_ANSWER = "no_answer"  # rang out (ring timeout) or was not picked up
    BUSY = "busy"
    FAILED = "failed"  # the carrier or the number failed
    NO_CHOICE = "no_choice"  # answered but pressed nothing
    CALLER_LEFT = "caller_left"  # the caller hung up while this leg was under way


class ContactOutcome(enum.StrEnum):
    BRIDGED = "bridged"
    UNREACHED = "unreached"  # nobody took it: the caller is told, an urgent work order follows
    CALLER_LEFT = "caller_left"


# Q.850 causes Asterisk reports when an unanswered leg goes away.
CAUSE_BUSY = 17
NO_ANSWER_CAUSES = frozenset({0, 16, 18, 19, 31})
CAUSE_REJECTED = 21


def outcome_for_cause(cause: int) -> LegOutcome:
    if cause == CAUSE_BUSY:
        return LegOutcome.BUSY
    if cause == CAUSE_REJECTED:
        return LegOutcome.DECLINED
    if cause in NO_ANSWER_CAUSES:
        return LegOutcome.NO_ANSWER
    return LegOutcome.FAILED


@dataclass(frozen=True)
class UrgentPolicy:
    ring_s: int = 20  # how long each number rings
    choice_s: int = 8  # after the last whisper, how long a key is awaited
    whisper_plays: int = 2
    agent_stays: bool = True  # the agent stays on the line once the judge is put through


@dataclass(frozen=True)
class Contact:
    id: int
    call_id: str
    steps: tuple[ContactStep, ...]
    whisper_media: str  # the whisper, synthesised once per contact
    state: ContactState = ContactState.RINGING
    step_no: int = 1  # 1-based index into steps of the leg under way
    leg_channel_id: str | None = None
    whisper_plays: int = 0
    choice_token: int = 0
    outcome: ContactOutcome | None = None

    @property
    def step(self) -> ContactStep:
        return self.steps[self.step_no - 1]

    def playback_id(self) -> str:
        return f"{LEG_PREFIX}{self.id}-leg{self.step_no}-w{self.whisper_plays}"


# ---- events ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Begin:
    pass


@dataclass(frozen=True)
class LegAnswered:
    channel_id: str


@dataclass(frozen=True)
class LegGone:
    channel_id: str
    cause: int


@dataclass(frozen=True)
class LegDigit:
    channel_id: str
    digit: str


@dataclass(frozen=True)
class WhisperDone:
    playback_id: str


@dataclass(frozen=True)
class ChoiceTimedOut:
    token: int


@dataclass(frozen=True)
class CallerGone:
    pass


ContactEvent = Begin | LegAnswered | LegGone | LegDigit | WhisperDone | ChoiceTimedOut | CallerGone


# ---- commands -------------------------------------------------------------------------------
@dataclass(frozen=True)
class DialLeg:
    step_no: int
    channel_id: str
    timeout_s: int


@dataclass(frozen=True)
class PlayWhisper:
    channel_id: str
    playback_id: str


@dataclass(frozen=True)
class StopWhisper:
    playback_id: str


@dataclass(frozen=True)
class StartChoiceTimer:
    token: int
    seconds: int


@dataclass(frozen=True)
class HangUpLeg:
    channel_id: str


@dataclass(frozen=True)
class StepEnded:
    """Store the step's outcome (and, for a leg that went away, the cause)."""

    step_no: int
    outcome: LegOutcome
    cause: int | None = None


@dataclass(frozen=True)
class JoinCaller:
    """Put the leg into the call's bridge with the caller."""

    channel_id: str


@dataclass(frozen=True)
class Finished:
    outcome: ContactOutcome
    at: datetime


ContactCommand = (
    DialLeg
    | PlayWhisper
    | StopWhisper
    | StartChoiceTimer
    | HangUpLeg
    | StepEnded
    | JoinCaller
    | Finished
)

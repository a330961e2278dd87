"""Seats and the agents on them: the status a person sets apart from the state the system sets."""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta


class AgentStatus(enum.StrEnum):
    """Set by the person at the seat (or by the switch for them: paused for no answer)."""

    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    PAUSED = "paused"


class SeatState(enum.StrEnum):
    """Set by the switch."""

    IDLE = "idle"
    RESERVED = "reserved"
    RINGING = "ringing"
    TALKING = "talking"
    WRAP_UP = "wrap_up"


class OfferOutcome(enum.StrEnum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    CALLER_LEFT = "caller_left"
    FAILED = "failed"


# The pause reason the switch sets after too many offers in a row went unanswered.
NO_ANSWER_REASON = "no-answer"


class StatusSource(enum.StrEnum):
    """Who changed an agent's status: shown to supervisors next to the reason."""

    FEATURE_CODE = "feature_code"  # dialled from the seat's softphone
    API = "api"
    SWITCH = "switch"  # e.g. auto-pause after unanswered offers
    RESTORED = "restored"  # read back from the database at start


@dataclass(frozen=True)
class StatusChange:
    seat_id: str
    status: AgentStatus
    reason: str | None
    source: StatusSource
    at: datetime


@dataclass
class Seat:
    """One seat as the switch tracks it at run time."""

    seat_id: str
    platform_id: str
    skills: frozenset[str]
    since: datetime
    registered: bool = False
    status: AgentStatus = AgentStatus.AVAILABLE
    pause_reason: str | None = None
    status_since: datetime | None = None
    state: SeatState = SeatState.IDLE
    call_id: str | None = None
    idle_since: datetime | None = None
    calls_answered: int = 0
    consecutive_no_answers: int = 0
    order: int = 0  # position in the config (round robin goes by it)
    # (start, end) of each busy period (talk plus wrap-up) still inside the occupancy window.
    busy_periods: deque[tuple[datetime, datetime]] = field(default_factory=deque)
    # (start, end) of each logged-in period still inside the window; the open one is separate.
    logged_in_periods: deque[tuple[datetime, datetime]] = field(default_factory=deque)
    logged_in_since: datetime | None = None
    wrap_up_token: int = 0
    wrap_up_until: datetime | None = None  # when the wrap-up under way ends (the console counts)
    # A branch seat an HQ supervisor pulled into HQ's queues: routed as that platform's seat
    # until released (kept in memory: a restart gives every seat back to its court).
    serving_platform: str | None = None

    @property
    def routing_platform(self) -> str:
        """The platform whose tiers offer this seat calls."""
        return self.serving_platform or self.platform_id

    retired: bool = False  # removed from the config while on a call; dropped once free

    @property
    def can_call_out(self) -> bool:
        """Free to place a call the agent asked for (a follow-up): logged in, registered and
        idle; a paused agent may — pausing is how agents keep callers away while they do it."""
        return (
            self.registered
            and not self.retired
            and self.status is not AgentStatus.LOGGED_OUT
            and self.state is SeatState.IDLE
        )

    @property
    def offerable(self) -> bool:
        return (
            self.registered
            and not self.retired
            and self.status is AgentStatus.AVAILABLE
            and self.state is SeatState.IDLE
        )

    def busy_seconds(self, now: datetime, window: timedelta) -> float:
        start = now - window
        total = _overlap(self.busy_periods, start, now)
        if self.state in (SeatState.TALKING, SeatState.WRAP_UP):
            total += (now - max(self.since, start)).total_seconds()
        return max(total, 0.0)

    def logged_in_seconds(self, now: datetime, window: timedelta) -> float:
        start = now - window
        total = _overlap(self.logged_in_periods, start, now)
        if self.logged_in_since is not None:
            total += (now - max(self.logged_in_since, start)).total_seconds()
        return max(total, 0.0)


def _overlap(periods: deque[tuple[datetime, datetime]], start: datetime, now: datetime) -> float:
    """Seconds of `periods` inside [start, now]; periods wholly before the window are dropped."""
    while periods and periods[0][1] < start:
        periods.popleft()
    return sum(
        max((min(end, now) - max(begin, start)).total_seconds(), 0.0) for begin, end in periods
    )

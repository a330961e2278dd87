"""Seats and the agents on them: the status a person sets apart from the state the system sets."""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta


class AgentStatus(enum.StrEnum):
    """Set by the person at the seat."""

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


@dataclass
class Seat:
    """One seat as the switch tracks it at run time."""

    seat_id: str
    platform_id: str
    skills: frozenset[str]
    since: datetime
    registered: bool = False
    status: AgentStatus = AgentStatus.AVAILABLE
    state: SeatState = SeatState.IDLE
    call_id: str | None = None
    idle_since: datetime | None = None
    calls_answered: int = 0
    # (start, end) of each busy period (talk plus wrap-up) still inside the occupancy window.
    busy_periods: deque[tuple[datetime, datetime]] = field(default_factory=deque)
    wrap_up_token: int = 0
    retired: bool = False  # removed from the config while on a call; dropped once free

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
        while self.busy_periods and self.busy_periods[0][1] < start:
            self.busy_periods.popleft()
        total = 0.0
        for begin, end in self.busy_periods:
            total += (min(end, now) - max(begin, start)).total_seconds()
        if self.state in (SeatState.TALKING, SeatState.WRAP_UP):
            total += (now - max(self.since, start)).total_seconds()
        return max(total, 0.0)

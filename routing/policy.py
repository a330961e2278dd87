"""Pure seat selection: which idle seat takes the next caller."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


class Strategy(enum.StrEnum):
    LEAST_BUSY = "least_busy"
    LONGEST_IDLE = "longest_idle"
    FEWEST_CALLS = "fewest_calls"


@dataclass(frozen=True)
class Candidate:
    seat_id: str
    occupancy: float  # busy share of the recent window, 0..1
    idle_since: datetime
    calls_answered: int


def pick_seat(candidates: Sequence[Candidate], strategy: Strategy) -> str | None:
    """The best candidate for the strategy; ties go to the longest idle, then the seat id."""
    if not candidates:
        return None
    match strategy:
        case Strategy.LEAST_BUSY:
            best = min(candidates, key=lambda c: (c.occupancy, c.idle_since, c.seat_id))
        case Strategy.LONGEST_IDLE:
            best = min(candidates, key=lambda c: (c.idle_since, c.seat_id))
        case Strategy.FEWEST_CALLS:
            best = min(candidates, key=lambda c: (c.calls_answered, c.idle_since, c.seat_id))
    return best.seat_id

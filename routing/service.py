"""The waiting line: callers in order, matched to seats the moment one is free."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog

from agents.board import SeatBoard
from routing.policy import Candidate, Strategy, pick_seat

log = structlog.get_logger(__name__)

OCCUPANCY_WINDOW = timedelta(minutes=60)


@dataclass(frozen=True)
class WaitingCaller:
    call_id: str
    queue_id: str
    skill: str
    queued_at: datetime
    excluded_seats: frozenset[str] = field(default_factory=frozenset)


SeatAssigned = Callable[[str, str], Awaitable[None]]


class Router:
    """Oldest caller first; one task does the matching, so a seat is never promised twice."""

    def __init__(
        self,
        seats: SeatBoard,
        on_assigned: SeatAssigned,
        clock: Callable[[], datetime],
        strategy: Strategy = Strategy.LEAST_BUSY,
    ) -> None:
        self._seats = seats
        self._on_assigned = on_assigned
        self._clock = clock
        self._strategy = strategy
        self._waiting: dict[str, WaitingCaller] = {}
        self._wake = asyncio.Event()

    def waiting(self) -> list[WaitingCaller]:
        return sorted(self._waiting.values(), key=lambda w: (w.queued_at, w.call_id))

    def enqueue(self, caller: WaitingCaller) -> None:
        self._waiting[caller.call_id] = caller
        self.wake()

    def remove(self, call_id: str) -> bool:
        return self._waiting.pop(call_id, None) is not None

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.dispatch()

    async def dispatch(self) -> int:
        """Offer every free seat to the oldest eligible caller; returns how many were matched."""
        matched = 0
        now = self._clock()
        window = OCCUPANCY_WINDOW.total_seconds()
        for caller in self.waiting():
            candidates = [
                Candidate(
                    seat.seat_id,
                    seat.busy_seconds(now, OCCUPANCY_WINDOW) / window,
                    seat.idle_since or seat.since,
                    seat.calls_answered,
                )
                for seat in self._seats.seats()
                if seat.offerable
                and caller.skill in seat.skills
                and seat.seat_id not in caller.excluded_seats
            ]
            seat_id = pick_seat(candidates, self._strategy)
            if seat_id is None:
                continue
            if not self._seats.try_reserve(seat_id, caller.call_id, now):
                log.debug("seat reservation lost", seat=seat_id, call_id=caller.call_id)
                continue
            self._waiting.pop(caller.call_id, None)
            matched += 1
            log.info(
                "seat assigned",
                call_id=caller.call_id,
                seat=seat_id,
                queue=caller.queue_id,
                waited_s=round((now - caller.queued_at).total_seconds(), 3),
            )
            await self._on_assigned(caller.call_id, seat_id)
        return matched

"""The waiting line: callers in order, matched to seats the moment one is free or a tier opens."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

import structlog

from agents.board import SeatBoard
from agents.model import OfferOutcome
from routing import policy
from routing.policy import PlatformKind, QueueRouting, SeatCandidate, WaitingEntry
from routing.waiting import expected_wait_s, position

log = structlog.get_logger(__name__)

OCCUPANCY_WINDOW = timedelta(minutes=60)
# Answer moments kept per queue for the expected-wait estimate.
ANSWERS_KEPT = 20
# Routing decision durations kept for `hotline status` and the benchmark.
DECISIONS_KEPT = 10_000

SeatAssigned = Callable[[WaitingEntry, str], Awaitable[None]]


class Router:
    """Oldest caller first; one task does the matching, so a seat is never promised twice."""

    def __init__(
        self,
        seats: SeatBoard,
        on_assigned: SeatAssigned,
        clock: Callable[[], datetime],
        queues: Mapping[str, QueueRouting] | None = None,
        platforms: Mapping[str, PlatformKind] | None = None,
    ) -> None:
        self._seats = seats
        self._on_assigned = on_assigned
        self._clock = clock
        self._queues = dict(queues or {})
        self._platforms = dict(platforms or {})
        self._waiting: dict[str, WaitingEntry] = {}
        self._last_order: dict[str, int] = {}
        self._answers: dict[str, deque[datetime]] = {}
        self._wake = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self.decision_seconds: deque[float] = deque(maxlen=DECISIONS_KEPT)

    def configure(
        self, queues: Mapping[str, QueueRouting], platforms: Mapping[str, PlatformKind]
    ) -> None:
        """A reloaded config: callers keep their place; new rules apply from the next match."""
        self._queues, self._platforms = dict(queues), dict(platforms)
        self.wake()

    def waiting(self) -> list[WaitingEntry]:
        return policy.service_order(self._waiting.values())

    def enqueue(self, entry: WaitingEntry) -> None:
        self._waiting[entry.call_id] = entry
        self.wake()

    def remove(self, call_id: str) -> WaitingEntry | None:
        return self._waiting.pop(call_id, None)

    def get(self, call_id: str) -> WaitingEntry | None:
        return self._waiting.get(call_id)

    def wake(self) -> None:
        self._wake.set()

    def release_seat(
        self, seat_id: str, holder: str, outcome: OfferOutcome, wrap_up_s: int
    ) -> None:
        """Free a seat after an offer or a call; after wrap-up it is matched again."""
        token = self._seats.release(seat_id, holder, outcome, wrap_up_s, self._clock())
        if token is not None:
            asyncio.get_running_loop().call_later(wrap_up_s, self._end_wrap_up, seat_id, token)
        else:
            self.wake()

    def _end_wrap_up(self, seat_id: str, token: int) -> None:
        if self._seats.end_wrap_up(seat_id, token, self._clock()):
            self.wake()

    # ---- what a waiting caller hears --------------------------------------------------------
    def answered(self, queue_id: str, at: datetime) -> None:
        self._answers.setdefault(queue_id, deque(maxlen=ANSWERS_KEPT)).append(at)

    def place_of(self, call_id: str) -> tuple[int, float | None] | None:
        """(callers ahead in the same queue, expected wait in seconds or None)."""
        entry = self._waiting.get(call_id)
        waiting = list(self._waiting.values())
        ahead = position(waiting, call_id)
        if entry is None or ahead is None:
            return None
        answers = self._answers.get(entry.queue_id, ())
        return ahead, expected_wait_s(ahead, list(answers), self._clock())

    # ---- matching ----------------------------------------------------------------------------
    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.dispatch()

    def candidates(self, now: datetime) -> list[SeatCandidate]:
        window = OCCUPANCY_WINDOW
        return [  # a seat's occupancy: talk plus wrap-up over logged-in time in the window
            SeatCandidate(
                seat.seat_id,
                seat.routing_platform,
                seat.skills,
                policy.occupancy(
                    seat.busy_seconds(now, window), seat.logged_in_seconds(now, window)
                ),
                seat.idle_since or seat.since,
                seat.calls_answered,
                seat.order,
            )
            for seat in self._seats.seats()
            if seat.offerable
        ]

    async def dispatch(self) -> int:
        """Offer every free seat to the first eligible caller; returns how many were matched."""
        now = self._clock()
        started = time.perf_counter()
        assignments = policy.match(
            self._waiting.values(),
            self.candidates(now),
            self._queues,
            self._platforms,
            now,
            self._last_order,
        )
        self.decision_seconds.append(time.perf_counter() - started)
        matched = 0
        for assignment in assignments:
            entry = self._waiting.get(assignment.call_id)
            if entry is None or not self._seats.try_reserve(assignment.seat_id, entry.call_id, now):
                # Losing the race for a seat is normal: the next match finds another.
                log.debug(
                    "seat reservation lost", seat=assignment.seat_id, call_id=assignment.call_id
                )
                continue
            del self._waiting[entry.call_id]
            self._last_order[assignment.queue_id] = assignment.seat_order
            matched += 1
            log.info(
                "seat assigned",
                call_id=entry.call_id,
                seat=assignment.seat_id,
                queue=assignment.queue_id,
                tier=assignment.tier,
                waited_s=round((now - entry.queued_at).total_seconds(), 3),
            )
            await self._on_assigned(entry, assignment.seat_id)
        self._schedule_next(now)
        return matched

    def reserve_now(self, entry: WaitingEntry) -> str | None:
        """A seat for `entry` this moment (an agent consulting another queue), reserved as a
        match would; None when that queue has no eligible seat free now. Nobody is enqueued."""
        now = self._clock()
        for assignment in policy.match(
            [entry], self.candidates(now), self._queues, self._platforms, now, self._last_order
        ):
            if self._seats.try_reserve(assignment.seat_id, entry.call_id, now):
                self._last_order[assignment.queue_id] = assignment.seat_order
                log.info(
                    "seat reserved for a consultation",
                    call_id=entry.call_id,
                    seat=assignment.seat_id,
                    queue=assignment.queue_id,
                    tier=assignment.tier,
                )
                return assignment.seat_id
        return None

    def _schedule_next(self, now: datetime) -> None:
        """Wake up when a waiting caller's next tier opens: no caller waits past its tier."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        moment = policy.next_change(self._waiting.values(), self._queues, now)
        if moment is None:
            return
        delay = max((moment - now).total_seconds(), 0.0) + 0.01
        self._timer = asyncio.get_running_loop().call_later(delay, self.wake)

"""The discrete-event core of `hotline simulate`: callers and seats on a virtual clock.

Every routing decision is the production one: after each event the waiting callers and the free
seats go to `routing.policy.match`, and the next tier opening comes from `next_change`, exactly
as the live router (routing/service.py) does on the wall clock. Seat candidates are built the way
`Router.candidates` builds them: occupancy is talk plus wrap-up over logged-in time within the
last 60 minutes, through `routing.policy.occupancy`.

Pure: no I/O, no wall clock, no randomness (arrivals come in already drawn, so every variant of a
comparison sees the very same callers).
"""

from __future__ import annotations

import enum
import heapq
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from routing import policy
from routing.policy import PlatformKind, QueueRouting, SeatCandidate, WaitingEntry

# Virtual time runs in whole microseconds, datetime's own resolution: the waits the policy
# computes from datetimes are then exactly the ones scheduled here.
TICKS_PER_S = 1_000_000

# The live router's occupancy window (routing.service.OCCUPANCY_WINDOW).
OCCUPANCY_WINDOW_S = 3600.0


@dataclass(frozen=True)
class SeatSpec:
    seat_id: str
    platform_id: str
    skills: frozenset[str]
    order: int = 0  # position in the config, for round robin


@dataclass(frozen=True)
class QueueSettings:
    routing: QueueRouting
    priority: int = 0
    wrap_up_s: float = 0.0
    # After this long in line the caller is taken out (the live switch offers a message or a
    # callback); None: the caller waits as long as their patience lasts.
    max_wait_s: float | None = None


@dataclass(frozen=True)
class Setup:
    platforms: Mapping[str, PlatformKind]
    seats: tuple[SeatSpec, ...]
    queues: Mapping[str, QueueSettings]
    service_level_s: float = 20.0
    occupancy_window_s: float = OCCUPANCY_WINDOW_S

    def routing(self) -> dict[str, QueueRouting]:
        return {queue_id: queue.routing for queue_id, queue in self.queues.items()}


@dataclass(frozen=True)
class Arrival:
    """One caller reaching a queue: when, for which court, and what they will do."""

    at_s: float  # seconds after the session opened
    queue_id: str
    home_platform: str
    handle_s: float  # talk time once a seat answers
    patience_s: float | None = None  # hangs up after waiting this long; None: never


class Outcome(enum.StrEnum):
    ANSWERED = "answered"
    ABANDONED = "abandoned"  # the caller hung up while waiting
    TIMED_OUT = "timed_out"  # the queue's max_wait_s took them out of line


@dataclass
class CourtTally:
    """Calls for one court (their home platform), wherever they were answered."""

    offered: int = 0
    answered: int = 0
    answered_in_time: int = 0
    abandoned: int = 0
    timed_out: int = 0
    answered_wait_s: float = 0.0  # summed over answered calls

    def add(self, other: CourtTally) -> None:
        self.offered += other.offered
        self.answered += other.answered
        self.answered_in_time += other.answered_in_time
        self.abandoned += other.abandoned
        self.timed_out += other.timed_out
        self.answered_wait_s += other.answered_wait_s

    @property
    def service_level(self) -> float | None:
        """Answered within the target, over every offered call (abandoned ones count as missed)."""
        return self.answered_in_time / self.offered if self.offered else None

    @property
    def average_wait_s(self) -> float | None:
        """Mean wait of the answered calls (average speed of answer)."""
        return self.answered_wait_s / self.answered if self.answered else None

    @property
    def abandonment(self) -> float | None:
        return self.abandoned / self.offered if self.offered else None


@dataclass
class SeatTally:
    busy_s: float = 0.0  # talk plus wrap-up
    logged_in_s: float = 0.0
    calls: int = 0

    @property
    def occupancy(self) -> float:
        return policy.occupancy(self.busy_s, self.logged_in_s)


@dataclass
class Tally:
    """What one or more sessions of one routing variant produced."""

    courts: dict[str, CourtTally] = field(default_factory=dict)
    seats: dict[str, SeatTally] = field(default_factory=dict)
    taken: dict[str, int] = field(default_factory=dict)  # answered by each platform's seats
    by_tier: dict[int, int] = field(default_factory=dict)  # answered from each tier index
    sessions: int = 0
    events: int = 0

    def court(self, platform_id: str) -> CourtTally:
        tally = self.courts.get(platform_id)
        if tally is None:
            tally = self.courts[platform_id] = CourtTally()
        return tally

    def overall(self) -> CourtTally:
        total = CourtTally()
        for court in self.courts.values():
            total.add(court)
        return total


class _SeatState(enum.Enum):
    IDLE = 0
    TALKING = 1
    WRAP_UP = 2


class SeatLedger:
    """One seat's state and its busy time, with the window sums kept as it goes.

    Same accounting as agents.model.Seat (busy = talk plus wrap-up; periods that left the window
    no longer count; a period reaching into the window counts for its part inside), but each
    question is answered in constant time instead of by summing every period in the window: the
    live board answers it for a few seats now and then, the simulator for every free seat at
    every event.
    """

    __slots__ = (
        "_busy_total",
        "_closed",
        "_closed_sum",
        "busy_since",
        "calls_answered",
        "idle_since",
        "last_busy_end",
        "spec",
        "state",
    )

    def __init__(self, spec: SeatSpec, idle_since: datetime) -> None:
        self.spec = spec
        self.state = _SeatState.IDLE
        self.idle_since = idle_since
        self.calls_answered = 0
        self.busy_since = 0
        self.last_busy_end = 0
        self._closed: deque[tuple[int, int]] = deque()
        self._closed_sum = 0  # ticks of the periods still in _closed
        self._busy_total = 0

    @property
    def busy_total_ticks(self) -> int:
        return self._busy_total

    def start_talking(self, now: int) -> None:
        self.state = _SeatState.TALKING
        self.busy_since = now
        self.calls_answered += 1

    def start_wrap_up(self) -> None:
        self.state = _SeatState.WRAP_UP

    def become_idle(self, now: int, now_datetime: datetime) -> None:
        self._closed.append((self.busy_since, now))
        self._closed_sum += now - self.busy_since
        self._busy_total += now - self.busy_since
        self.last_busy_end = now
        self.state = _SeatState.IDLE
        self.idle_since = now_datetime

    def busy_in_window(self, now: int, window: int) -> int:
        """Ticks of talk and wrap-up within (now − window, now]; `now` never goes back."""
        start = now - window
        closed = self._closed
        while closed and closed[0][1] <= start:
            begin, end = closed.popleft()
            self._closed_sum -= end - begin
        total = self._closed_sum
        if closed and closed[0][0] < start:
            total -= start - closed[0][0]
        if self.state is not _SeatState.IDLE:
            total += now - max(self.busy_since, start)
        return total


@dataclass
class _Caller:
    arrival: Arrival
    arrived: int
    gives_up_as: Outcome = Outcome.ABANDONED


# Event kinds, in the order they are handled when they fall on the same tick.
_CALL_END = 0
_WRAP_UP_END = 1
_GIVE_UP = 2
_TIER_OPENS = 3

Progress = Callable[[int], None]
PROGRESS_EVERY = 1_000  # arrivals between two progress reports


def ticks(seconds: float) -> int:
    return round(seconds * TICKS_PER_S)


class Session:
    """One opening of the seats (a day's seat hours): every seat logged in and free at the start.

    Calls arrive until `length_s`; callers still waiting then are served (no new call comes) and
    every call runs to its end, so each offered call gets an outcome.
    """

    def __init__(
        self, setup: Setup, start: datetime, tally: Tally, progress: Progress | None = None
    ) -> None:
        self._setup = setup
        self._start = start
        self._tally = tally
        self._progress = progress
        self._routing = setup.routing()
        self._platforms = dict(setup.platforms)
        self._seats = [SeatLedger(spec, start) for spec in setup.seats]
        self._seat_by_id = {seat.spec.seat_id: seat for seat in self._seats}
        if len(self._seat_by_id) != len(self._seats):
            raise ValueError("seat ids must be unique")
        # The free seats; candidates are built from these only (order does not matter: every
        # strategy breaks ties by seat id or config order).
        self._idle = dict(self._seat_by_id)
        self._waiting: dict[str, WaitingEntry] = {}
        self._callers: dict[str, _Caller] = {}
        self._last_order: dict[str, int] = {}
        self._queue_of: dict[str, str] = {}  # seat id -> the queue of the call it holds
        self._events: list[tuple[int, int, int, str]] = []
        self._sequence = 0
        self._window = ticks(setup.occupancy_window_s)
        self._in_time = ticks(setup.service_level_s)
        self._calls = 0

    def at(self, now: int) -> datetime:
        return self._start + timedelta(microseconds=now)

    def run(self, arrivals: Iterable[Arrival], length_s: float) -> None:
        incoming = iter(arrivals)
        arrival = next(incoming, None)
        events = self._events
        handled = 0
        latest = 0
        while arrival is not None or events:
            if arrival is not None and (not events or ticks(arrival.at_s) < events[0][0]):
                if ticks(arrival.at_s) < latest:
                    raise ValueError(f"arrivals out of time order at {arrival.at_s:g} s")
                latest = ticks(arrival.at_s)
                self._arrive(arrival)
                arrival = next(incoming, None)
            else:
                latest, kind, _, key = heapq.heappop(events)
                self._handle(latest, kind, key)
            handled += 1
        self._close(ticks(length_s))
        if self._progress is not None and self._calls % PROGRESS_EVERY:
            self._progress(self._calls % PROGRESS_EVERY)
        self._tally.sessions += 1
        self._tally.events += handled

    # ---- events -------------------------------------------------------------------------------
    def _push(self, when: int, kind: int, key: str) -> None:
        self._sequence += 1
        heapq.heappush(self._events, (when, kind, self._sequence, key))

    def _arrive(self, arrival: Arrival) -> None:
        now = ticks(arrival.at_s)
        queue = self._setup.queues.get(arrival.queue_id)
        if queue is None:
            raise ValueError(f"arrival for unknown queue {arrival.queue_id!r}")
        if arrival.home_platform not in self._platforms:
            raise ValueError(f"arrival for unknown platform {arrival.home_platform!r}")
        self._calls += 1
        call_id = f"call-{self._calls}"
        self._tally.court(arrival.home_platform).offered += 1
        self._waiting[call_id] = WaitingEntry(
            call_id, arrival.queue_id, arrival.home_platform, self.at(now), queue.priority
        )
        limits = [
            (ticks(limit), outcome)
            for limit, outcome in (
                (arrival.patience_s, Outcome.ABANDONED),
                (queue.max_wait_s, Outcome.TIMED_OUT),
            )
            if limit is not None
        ]
        caller = self._callers[call_id] = _Caller(arrival, now)
        if limits:
            after, caller.gives_up_as = min(limits, key=lambda limit: limit[0])
            self._push(now + after, _GIVE_UP, call_id)
        if self._progress is not None and self._calls % PROGRESS_EVERY == 0:
            self._progress(PROGRESS_EVERY)
        self._dispatch(now)
        self._schedule_tier(call_id, now)

    def _handle(self, now: int, kind: int, key: str) -> None:
        if kind == _CALL_END:
            seat = self._seat_by_id[key]
            wrap_up = self._setup.queues[self._queue_of[key]].wrap_up_s
            if wrap_up > 0:
                seat.start_wrap_up()
                self._push(now + ticks(wrap_up), _WRAP_UP_END, key)
                return
            self._free(seat, now)
        elif kind == _WRAP_UP_END:
            self._free(self._seat_by_id[key], now)
        elif kind == _GIVE_UP:
            # Hanging up frees no seat, so the live router does not match again either.
            if self._waiting.pop(key, None) is not None:
                caller = self._callers.pop(key)
                court = self._tally.court(caller.arrival.home_platform)
                if caller.gives_up_as is Outcome.ABANDONED:
                    court.abandoned += 1
                else:
                    court.timed_out += 1
        elif key in self._waiting:  # a tier of this caller opens
            self._dispatch(now)
            self._schedule_tier(key, now)

    def _free(self, seat: SeatLedger, now: int) -> None:
        seat.become_idle(now, self.at(now))
        self._queue_of.pop(seat.spec.seat_id, None)
        self._idle[seat.spec.seat_id] = seat
        self._dispatch(now)

    # ---- matching, as routing.service.Router.dispatch does it ----------------------------------
    def _candidates(self, now: int) -> list[SeatCandidate]:
        window = self._window
        logged_in_s = min(now, window) / TICKS_PER_S
        return [
            SeatCandidate(
                seat.spec.seat_id,
                seat.spec.platform_id,
                seat.spec.skills,
                policy.occupancy(seat.busy_in_window(now, window) / TICKS_PER_S, logged_in_s),
                seat.idle_since,
                seat.calls_answered,
                seat.spec.order,
            )
            for seat in self._idle.values()
        ]

    def _dispatch(self, now: int) -> None:
        if not self._waiting:
            return
        moment = self.at(now)
        if self._idle:
            assignments = policy.match(
                self._waiting.values(),
                self._candidates(now),
                self._routing,
                self._platforms,
                moment,
                self._last_order,
            )
            for assignment in assignments:
                self._connect(assignment, now)

    def _schedule_tier(self, call_id: str, now: int) -> None:
        """Match again when this caller's next tier opens.

        The live router keeps one timer, for `next_change` over the whole line. The soonest
        moment of all callers is the soonest of each caller's own, so one event per caller gives
        the same matching moments without scanning the whole line after every event.
        """
        entry = self._waiting.get(call_id)
        if entry is None:
            return
        moment = self.at(now)
        following = policy.next_change((entry,), self._routing, moment)
        if following is not None:
            self._push(
                now + (following - moment) // timedelta(microseconds=1), _TIER_OPENS, call_id
            )

    def _connect(self, assignment: policy.Assignment, now: int) -> None:
        del self._waiting[assignment.call_id]
        caller = self._callers.pop(assignment.call_id)
        seat = self._seat_by_id[assignment.seat_id]
        seat.start_talking(now)
        del self._idle[seat.spec.seat_id]
        self._queue_of[seat.spec.seat_id] = assignment.queue_id
        self._last_order[assignment.queue_id] = assignment.seat_order
        waited = now - caller.arrived
        tally = self._tally
        court = tally.court(caller.arrival.home_platform)
        court.answered += 1
        court.answered_in_time += waited <= self._in_time
        court.answered_wait_s += waited / TICKS_PER_S
        platform = seat.spec.platform_id
        tally.taken[platform] = tally.taken.get(platform, 0) + 1
        tally.by_tier[assignment.tier] = tally.by_tier.get(assignment.tier, 0) + 1
        self._push(now + ticks(caller.arrival.handle_s), _CALL_END, seat.spec.seat_id)

    def _close(self, length: int) -> None:
        """Seats stay logged in until the session closes or their last call ends, if later."""
        for seat in self._seats:
            tally = self._tally.seats.get(seat.spec.seat_id)
            if tally is None:
                tally = self._tally.seats[seat.spec.seat_id] = SeatTally()
            tally.busy_s += seat.busy_total_ticks / TICKS_PER_S
            tally.logged_in_s += max(length, seat.last_busy_end) / TICKS_PER_S
            tally.calls += seat.calls_answered

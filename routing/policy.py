"""Pure routing decisions: which waiting caller gets which idle seat, tier by tier.

Nothing here does I/O or reads a clock: the live router and `hotline simulate` call the same
functions with plain data, so a routing change can be tried on a virtual clock before it goes live.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta


class Strategy(enum.StrEnum):
    LEAST_BUSY = "least_busy"  # lowest occupancy over the window; ties to the longest idle
    LONGEST_IDLE = "longest_idle"
    FEWEST_CALLS = "fewest_calls"
    ROUND_ROBIN = "round_robin"  # the next seat after the one this queue used last


class PlatformKind(enum.StrEnum):
    HQ = "hq"
    BRANCH = "branch"


# Tier selectors besides a plain platform id.
HOME = "home"  # the platform the call is for (its court)
HQ = "hq"  # every HQ platform
BRANCHES = "branches"  # every branch platform
ALL = "all"
SELECTORS = frozenset({HOME, HQ, BRANCHES, ALL})


@dataclass(frozen=True)
class Tier:
    """From `after_s` of waiting on, the seats of these platforms are offered the call too."""

    after_s: float
    platforms: frozenset[str]


# Home court first, HQ after 20 s, every branch after 45 s (court practice: HQ pulls branch
# seats when it is overloaded; a call for a district court overflows to HQ).
DEFAULT_TIERS = (
    Tier(0, frozenset({HOME})),
    Tier(20, frozenset({HQ})),
    Tier(45, frozenset({ALL})),
)


@dataclass(frozen=True)
class QueueRouting:
    queue_id: str
    skill: str
    strategy: Strategy = Strategy.LEAST_BUSY
    tiers: tuple[Tier, ...] = DEFAULT_TIERS


@dataclass(frozen=True)
class WaitingEntry:
    """A caller (or a callback kept in line) waiting for a seat."""

    call_id: str
    queue_id: str
    home_platform: str
    queued_at: datetime
    priority: int = 0
    excluded_seats: frozenset[str] = field(default_factory=frozenset)
    not_before: datetime | None = None  # a callback retry waits until then


@dataclass(frozen=True)
class SeatCandidate:
    """An idle, reachable seat whose agent is available."""

    seat_id: str
    platform_id: str
    skills: frozenset[str]
    occupancy: float  # talk plus wrap-up over logged-in time in the window, 0..1
    idle_since: datetime
    calls_answered: int
    order: int = 0  # position in the config, for round robin


@dataclass(frozen=True)
class Assignment:
    call_id: str
    seat_id: str
    queue_id: str
    tier: int  # index of the tier the seat came from
    seat_order: int = 0


def service_order(waiting: Iterable[WaitingEntry]) -> list[WaitingEntry]:
    """Highest priority first, then the oldest caller, across every queue."""
    return sorted(waiting, key=lambda w: (-w.priority, w.queued_at, w.call_id))


def resolve_platforms(
    selectors: Iterable[str], home: str, platforms: Mapping[str, PlatformKind]
) -> frozenset[str]:
    resolved: set[str] = set()
    for selector in selectors:
        if selector == HOME:
            resolved.add(home)
        elif selector == HQ:
            resolved.update(p for p, kind in platforms.items() if kind is PlatformKind.HQ)
        elif selector == BRANCHES:
            resolved.update(p for p, kind in platforms.items() if kind is PlatformKind.BRANCH)
        elif selector == ALL:
            resolved.update(platforms)
        else:
            resolved.add(selector)
    return frozenset(resolved)


def open_tiers(
    entry: WaitingEntry, queue: QueueRouting, platforms: Mapping[str, PlatformKind], now: datetime
) -> list[frozenset[str]]:
    """Platforms each open tier adds, in order; a platform counts in the first tier naming it."""
    waited = (now - entry.queued_at).total_seconds()
    seen: set[str] = set()
    opened: list[frozenset[str]] = []
    for tier in queue.tiers:
        if waited < tier.after_s:
            break
        added = resolve_platforms(tier.platforms, entry.home_platform, platforms) - seen
        seen |= added
        opened.append(frozenset(added))
    return opened


def pick_seat(
    candidates: Sequence[SeatCandidate], strategy: Strategy, last_order: int | None = None
) -> SeatCandidate | None:
    """The best candidate for the strategy; ties go to the longest idle, then the seat id.

    Round robin takes the first seat in config order after the one its queue used last
    (`last_order`), wrapping around.
    """
    if not candidates:
        return None
    match strategy:
        case Strategy.LEAST_BUSY:
            return min(candidates, key=lambda c: (c.occupancy, c.idle_since, c.seat_id))
        case Strategy.LONGEST_IDLE:
            return min(candidates, key=lambda c: (c.idle_since, c.seat_id))
        case Strategy.FEWEST_CALLS:
            return min(candidates, key=lambda c: (c.calls_answered, c.idle_since, c.seat_id))
        case Strategy.ROUND_ROBIN:
            ordered = sorted(candidates, key=lambda c: (c.order, c.seat_id))
            if last_order is not None:
                after = [c for c in ordered if c.order > last_order]
                if after:
                    return after[0]
            return ordered[0]


def match(
    waiting: Iterable[WaitingEntry],
    seats: Sequence[SeatCandidate],
    queues: Mapping[str, QueueRouting],
    platforms: Mapping[str, PlatformKind],
    now: datetime,
    last_order: Mapping[str, int] | None = None,
) -> list[Assignment]:
    """Give each free seat to the first caller in service order who may have it.

    A caller is offered the seats of its innermost open tier that has one free; wider tiers are
    reached only when the inner ones have nobody free. Every caller with an eligible free seat
    is served (work-conserving); a seat is given once.
    """
    free = {seat.seat_id: seat for seat in seats}
    last = dict(last_order or {})
    assignments: list[Assignment] = []
    for entry in service_order(waiting):
        if not free:
            break
        queue = queues.get(entry.queue_id)
        if queue is None or (entry.not_before is not None and entry.not_before > now):
            continue
        for tier_index, tier_platforms in enumerate(open_tiers(entry, queue, platforms, now)):
            candidates = [
                seat
                for seat in free.values()
                if seat.platform_id in tier_platforms
                and queue.skill in seat.skills
                and seat.seat_id not in entry.excluded_seats
            ]
            chosen = pick_seat(candidates, queue.strategy, last.get(queue.queue_id))
            if chosen is None:
                continue
            del free[chosen.seat_id]
            last[queue.queue_id] = chosen.order
            assignments.append(
                Assignment(entry.call_id, chosen.seat_id, queue.queue_id, tier_index, chosen.order)
            )
            break
    return assignments


def next_change(
    waiting: Iterable[WaitingEntry], queues: Mapping[str, QueueRouting], now: datetime
) -> datetime | None:
    """When a waiting caller's next tier opens (or a callback becomes due): match again then."""
    soonest: datetime | None = None
    for entry in waiting:
        queue = queues.get(entry.queue_id)
        if queue is None:
            continue
        moments = [entry.queued_at + timedelta(seconds=tier.after_s) for tier in queue.tiers]
        if entry.not_before is not None:
            moments.append(entry.not_before)
        for moment in moments:
            if moment > now and (soonest is None or moment < soonest):
                soonest = moment
    return soonest


def occupancy(busy_s: float, logged_in_s: float) -> float:
    """Talk plus wrap-up over logged-in time; a seat just logged in counts as unoccupied."""
    if logged_in_s <= 0:
        return 0.0
    return min(max(busy_s / logged_in_s, 0.0), 1.0)

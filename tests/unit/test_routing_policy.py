"""The pure routing policy: strategies, tiers that widen with waiting time, priority, matching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from routing.policy import (
    Assignment,
    PlatformKind,
    QueueRouting,
    SeatCandidate,
    Strategy,
    Tier,
    WaitingEntry,
    match,
    next_change,
    occupancy,
    open_tiers,
    pick_seat,
    resolve_platforms,
    service_order,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
PLATFORMS = {
    "high": PlatformKind.HQ,
    "chaoyang": PlatformKind.BRANCH,
    "haidian": PlatformKind.BRANCH,
    "xicheng": PlatformKind.BRANCH,
}
TIERED = (
    Tier(0, frozenset({"home"})),
    Tier(20, frozenset({"hq"})),
    Tier(45, frozenset({"all"})),
)
QUEUES = {
    "general": QueueRouting("general", "consultation", Strategy.LEAST_BUSY, TIERED),
    "complaint": QueueRouting("complaint", "complaint", Strategy.LEAST_BUSY, TIERED),
    "pooled": QueueRouting(
        "pooled", "consultation", Strategy.LEAST_BUSY, (Tier(0, frozenset({"all"})),)
    ),
}


def s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def seat(
    seat_id: str,
    platform: str = "chaoyang",
    occupancy: float = 0.0,
    idle_since: float = 0,
    calls: int = 0,
    order: int = 0,
    skills: frozenset[str] = frozenset({"consultation", "complaint"}),
) -> SeatCandidate:
    return SeatCandidate(seat_id, platform, skills, occupancy, s(idle_since), calls, order)


def caller(
    call_id: str,
    queued_at: float = 0,
    home: str = "chaoyang",
    queue: str = "general",
    priority: int = 0,
    excluded: frozenset[str] = frozenset(),
    not_before: float | None = None,
) -> WaitingEntry:
    return WaitingEntry(
        call_id,
        queue,
        home,
        s(queued_at),
        priority,
        excluded,
        None if not_before is None else s(not_before),
    )


def pairs(assignments: list[Assignment]) -> list[tuple[str, str]]:
    return [(a.call_id, a.seat_id) for a in assignments]


# ---- pick_seat ---------------------------------------------------------------------------------
@pytest.mark.parametrize("strategy", list(Strategy), ids=str)
def test_no_candidates_picks_nobody(strategy: Strategy) -> None:
    assert pick_seat([], strategy) is None


@pytest.mark.parametrize(
    ("strategy", "candidates", "expected"),
    [
        pytest.param(
            Strategy.LEAST_BUSY,
            [seat("a", occupancy=0.5, idle_since=-30), seat("b", occupancy=0.1, idle_since=-1)],
            "b",
            id="least-busy-lowest-occupancy-wins-over-longer-idle",
        ),
        pytest.param(
            Strategy.LEAST_BUSY,
            [seat("a", occupancy=0.2, idle_since=-1), seat("b", occupancy=0.2, idle_since=-9)],
            "b",
            id="least-busy-tie-goes-to-longest-idle",
        ),
        pytest.param(
            Strategy.LEAST_BUSY,
            [seat("b", occupancy=0.2, idle_since=-5), seat("a", occupancy=0.2, idle_since=-5)],
            "a",
            id="least-busy-full-tie-goes-to-seat-id",
        ),
        pytest.param(
            Strategy.LONGEST_IDLE,
            [seat("a", occupancy=0.0, idle_since=-1), seat("b", occupancy=0.9, idle_since=-20)],
            "b",
            id="longest-idle-ignores-occupancy",
        ),
        pytest.param(
            Strategy.FEWEST_CALLS,
            [seat("a", idle_since=-30, calls=7), seat("b", idle_since=-1, calls=2)],
            "b",
            id="fewest-calls-wins-over-longer-idle",
        ),
        pytest.param(
            Strategy.FEWEST_CALLS,
            [seat("a", idle_since=-1, calls=2), seat("b", idle_since=-4, calls=2)],
            "b",
            id="fewest-calls-tie-goes-to-longest-idle",
        ),
        pytest.param(
            Strategy.ROUND_ROBIN,
            [seat("c", order=2, idle_since=-50), seat("a", order=0), seat("b", order=1)],
            "a",
            id="round-robin-starts-at-the-first-seat-in-config-order",
        ),
    ],
)
def test_pick_seat_follows_the_strategy(
    strategy: Strategy, candidates: list[SeatCandidate], expected: str
) -> None:
    chosen = pick_seat(candidates, strategy)
    assert chosen is not None and chosen.seat_id == expected
    reverse = pick_seat(list(reversed(candidates)), strategy)
    assert reverse is not None and reverse.seat_id == expected


@pytest.mark.parametrize(
    ("last_order", "expected"),
    [(0, "b"), (1, "c"), (2, "a"), (5, "a"), (None, "a")],
    ids=["after-first", "after-second", "wraps-around", "last-seat-gone", "first-time"],
)
def test_round_robin_takes_the_next_seat_after_the_last_one_used(
    last_order: int | None, expected: str
) -> None:
    candidates = [seat("a", order=0), seat("b", order=1), seat("c", order=2)]
    chosen = pick_seat(candidates, Strategy.ROUND_ROBIN, last_order)
    assert chosen is not None and chosen.seat_id == expected


@pytest.mark.parametrize(
    ("busy", "logged_in", "expected"),
    [(0, 0, 0.0), (30, 60, 0.5), (90, 60, 1.0), (0, 3600, 0.0), (-1, 10, 0.0)],
    ids=["just-logged-in", "half", "capped", "idle-hour", "never-negative"],
)
def test_occupancy_is_busy_over_logged_in_time(
    busy: float, logged_in: float, expected: float
) -> None:
    assert occupancy(busy, logged_in) == expected


# ---- tiers ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("selectors", "home", "expected"),
    [
        ({"home"}, "haidian", {"haidian"}),
        ({"hq"}, "haidian", {"high"}),
        ({"branches"}, "high", {"chaoyang", "haidian", "xicheng"}),
        ({"all"}, "high", set(PLATFORMS)),
        ({"xicheng", "home"}, "chaoyang", {"xicheng", "chaoyang"}),
    ],
    ids=["home", "hq", "branches", "all", "named-platform-and-home"],
)
def test_tier_selectors_resolve_to_platforms(
    selectors: set[str], home: str, expected: set[str]
) -> None:
    assert resolve_platforms(selectors, home, PLATFORMS) == expected


@pytest.mark.parametrize(
    ("waited", "expected"),
    [
        (0, [{"chaoyang"}]),
        (19.9, [{"chaoyang"}]),
        (20, [{"chaoyang"}, {"high"}]),
        (45, [{"chaoyang"}, {"high"}, {"haidian", "xicheng"}]),
    ],
    ids=["at-once", "just-before-hq", "hq-after-20s", "everyone-after-45s"],
)
def test_tiers_open_with_waiting_time_and_each_adds_only_new_platforms(
    waited: float, expected: list[set[str]]
) -> None:
    entry = caller("c1", queued_at=0)
    assert open_tiers(entry, QUEUES["general"], PLATFORMS, s(waited)) == expected


def test_hq_call_is_offered_hq_first_and_branches_after_the_wait() -> None:
    entry = caller("c1", home="high")
    # HQ is home already: its 20 s tier adds nobody new.
    assert open_tiers(entry, QUEUES["general"], PLATFORMS, s(30)) == [{"high"}, set()]
    assert open_tiers(entry, QUEUES["general"], PLATFORMS, s(45))[2] == {
        "chaoyang",
        "haidian",
        "xicheng",
    }


# ---- match -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("waited", "free_seats", "expected"),
    [
        pytest.param(1, ["chaoyang-01", "high-01"], "chaoyang-01", id="home-court-first"),
        pytest.param(1, ["high-01", "haidian-01"], None, id="nobody-of-the-home-court-waits"),
        pytest.param(21, ["high-01", "haidian-01"], "high-01", id="hq-after-20s"),
        pytest.param(21, ["chaoyang-01", "high-01"], "chaoyang-01", id="home-still-first-later"),
        pytest.param(46, ["haidian-01"], "haidian-01", id="other-branch-after-45s"),
        pytest.param(46, ["high-01", "haidian-01"], "high-01", id="inner-tier-before-outer"),
    ],
)
def test_caller_gets_a_seat_of_the_innermost_open_tier(
    waited: float, free_seats: list[str], expected: str | None
) -> None:
    seats = [seat(seat_id, platform=seat_id.split("-")[0]) for seat_id in free_seats]
    result = match([caller("c1")], seats, QUEUES, PLATFORMS, s(waited))
    assert pairs(result) == ([("c1", expected)] if expected else [])


def test_oldest_caller_first_across_queues_then_priority_wins_over_age() -> None:
    waiting = [
        caller("old", queued_at=-30, queue="pooled"),
        caller("young", queued_at=-5, queue="pooled"),
        caller("urgent", queued_at=-1, queue="complaint", priority=1),
    ]
    seats = [seat("chaoyang-01"), seat("chaoyang-02", idle_since=-5)]

    result = match(waiting, seats, QUEUES, PLATFORMS, T0)

    assert pairs(result) == [("urgent", "chaoyang-02"), ("old", "chaoyang-01")]


def test_service_order_is_priority_then_enqueue_time_then_id() -> None:
    ordered = service_order(
        [caller("b", 5), caller("a", 5), caller("p", 9, priority=2), caller("z", 0)]
    )
    assert [entry.call_id for entry in ordered] == ["p", "z", "a", "b"]


def test_each_seat_is_given_once_and_every_servable_caller_is_served() -> None:
    waiting = [caller(f"c{i}", queued_at=i, queue="pooled") for i in range(4)]
    seats = [seat("chaoyang-01"), seat("haidian-01", platform="haidian"), seat("high-01", "high")]

    result = match(waiting, seats, QUEUES, PLATFORMS, s(10))

    assert [a.call_id for a in result] == ["c0", "c1", "c2"]
    assert len({a.seat_id for a in result}) == 3


def test_caller_nobody_can_serve_does_not_hold_up_younger_callers() -> None:
    waiting = [caller("old", -60, queue="complaint"), caller("young", -1, queue="pooled")]
    seats = [seat("chaoyang-01", skills=frozenset({"consultation"}))]

    assert pairs(match(waiting, seats, QUEUES, PLATFORMS, T0)) == [("young", "chaoyang-01")]


def test_excluded_seat_and_callback_not_yet_due_are_skipped() -> None:
    waiting = [
        caller("retry", -60, queue="pooled", not_before=30),
        caller("skipped-seat", -50, queue="pooled", excluded=frozenset({"chaoyang-01"})),
    ]
    seats = [seat("chaoyang-01"), seat("chaoyang-02")]

    result = match(waiting, seats, QUEUES, PLATFORMS, T0)

    assert pairs(result) == [("skipped-seat", "chaoyang-02")]
    assert pairs(match(waiting, seats, QUEUES, PLATFORMS, s(30)))[0] == ("retry", "chaoyang-01")


def test_unknown_queue_is_not_matched() -> None:
    assert match([caller("c1", queue="gone")], [seat("chaoyang-01")], QUEUES, PLATFORMS, T0) == []


def test_round_robin_across_matches_continues_after_the_last_seat() -> None:
    queues = {"rr": QueueRouting("rr", "consultation", Strategy.ROUND_ROBIN, TIERED)}
    seats = [seat("chaoyang-01", order=0), seat("chaoyang-02", order=1)]

    first = match([caller("c1", queue="rr")], seats, queues, PLATFORMS, T0)
    second = match(
        [caller("c2", queue="rr")], seats, queues, PLATFORMS, T0, {"rr": first[0].seat_order}
    )

    assert [first[0].seat_id, second[0].seat_id] == ["chaoyang-01", "chaoyang-02"]


# ---- next_change ----------------------------------------------------------------------------
def test_next_change_is_the_soonest_tier_opening_or_callback_due() -> None:
    waiting = [caller("c1", queued_at=-5), caller("c2", queued_at=-30, not_before=7)]

    assert next_change(waiting, QUEUES, T0) == s(7)
    assert next_change(waiting, QUEUES, s(8)) == s(15)
    assert next_change(waiting, QUEUES, s(100)) is None


def test_match_is_work_conserving_on_random_lines_and_boards() -> None:
    """After a match no caller still waits while a seat they may have is free (seeded cases)."""
    import random

    rng = random.Random(12368)
    platforms = list(PLATFORMS)
    skills = ["consultation", "complaint"]
    for _case in range(300):
        now = s(rng.uniform(0, 90))
        seats = [
            seat(
                f"seat-{n}",
                platform=rng.choice(platforms),
                occupancy=rng.random(),
                idle_since=-rng.uniform(0, 600),
                calls=rng.randrange(10),
                order=n,
                skills=frozenset(rng.sample(skills, rng.randint(1, 2))),
            )
            for n in range(rng.randint(0, 6))
        ]
        waiting = [
            caller(
                f"c{n}",
                queued_at=rng.uniform(-60, 0) + (now - T0).total_seconds(),
                home=rng.choice(platforms),
                queue=rng.choice(list(QUEUES)),
                priority=rng.randint(0, 1),
            )
            for n in range(rng.randint(0, 6))
        ]
        result = match(waiting, seats, QUEUES, PLATFORMS, now)
        taken = {a.seat_id for a in result}
        served = {a.call_id for a in result}
        assert len(taken) == len(result), "a seat was given twice"
        free = [candidate for candidate in seats if candidate.seat_id not in taken]
        for entry in waiting:
            if entry.call_id in served:
                continue
            queue = QUEUES[entry.queue_id]
            allowed = set().union(*open_tiers(entry, queue, PLATFORMS, now))
            eligible = [c for c in free if c.platform_id in allowed and queue.skill in c.skills]
            assert not eligible, f"{entry.call_id} waits while {eligible[0].seat_id} is free"

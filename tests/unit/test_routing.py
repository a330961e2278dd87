"""The router: matching waiting callers to the seat board, compare-and-set, tier timers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from agents.board import SeatBoard
from agents.model import AgentStatus, OfferOutcome, SeatState
from routing.policy import PlatformKind, QueueRouting, Strategy, Tier, WaitingEntry
from routing.service import Router

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CONSULTATION = frozenset({"consultation"})


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


# ---- Router.dispatch ----------------------------------------------------------------------
def board_with(*seats: tuple[str, frozenset[str]], now: datetime = T0) -> SeatBoard:
    board = SeatBoard()
    board.sync_configured([(seat_id, "high", skills) for seat_id, skills in seats], now)
    for seat_id, _ in seats:
        board.set_registered(seat_id, True)
    return board


class Assignments:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def __call__(self, entry: WaitingEntry, seat_id: str) -> None:
        self.calls.append((entry.call_id, seat_id))


EVERYWHERE = (Tier(0, frozenset({"all"})),)


def router_for(
    board: SeatBoard, strategy: Strategy = Strategy.LEAST_BUSY, now: datetime = T0
) -> tuple[Router, Assignments]:
    assigned = Assignments()
    queues = {
        skill: QueueRouting(skill, skill, strategy, EVERYWHERE)
        for skill in ("consultation", "complaint")
    }
    router = Router(board, assigned, lambda: now, queues, {"high": PlatformKind.HQ})
    return router, assigned


def waiting(
    call_id: str,
    queued_at: float,
    skill: str = "consultation",
    excluded: frozenset[str] = frozenset(),
) -> WaitingEntry:
    return WaitingEntry(call_id, skill, "high", minutes(queued_at), excluded_seats=excluded)


async def test_oldest_caller_gets_the_only_seat_and_the_other_keeps_waiting() -> None:
    board = board_with(("high-01", CONSULTATION))
    router, assigned = router_for(board)
    router.enqueue(waiting("young", queued_at=-1))
    router.enqueue(waiting("old", queued_at=-5))

    matched = await router.dispatch()

    assert matched == 1
    assert assigned.calls == [("old", "high-01")]
    assert [caller.call_id for caller in router.waiting()] == ["young"]
    seat = board.get("high-01")
    assert seat is not None
    assert (seat.state, seat.call_id) == (SeatState.RESERVED, "old")


async def test_two_callers_two_seats_each_seat_given_once() -> None:
    board = board_with(("high-01", CONSULTATION), ("high-02", CONSULTATION))
    router, assigned = router_for(board)
    router.enqueue(waiting("c1", queued_at=-2))
    router.enqueue(waiting("c2", queued_at=-1))

    assert await router.dispatch() == 2

    assert [call_id for call_id, _ in assigned.calls] == ["c1", "c2"]
    assert {seat_id for _, seat_id in assigned.calls} == {"high-01", "high-02"}
    assert router.waiting() == []


async def test_second_dispatch_with_no_free_seat_assigns_nothing() -> None:
    board = board_with(("high-01", CONSULTATION))
    router, assigned = router_for(board)
    router.enqueue(waiting("c1", queued_at=-2))
    await router.dispatch()
    router.enqueue(waiting("c2", queued_at=-1))

    assert await router.dispatch() == 0
    assert assigned.calls == [("c1", "high-01")]


async def test_only_seats_with_the_callers_skill_are_offered() -> None:
    board = board_with(("high-01", CONSULTATION), ("high-02", frozenset({"complaint"})))
    router, assigned = router_for(board, Strategy.LONGEST_IDLE)
    router.enqueue(waiting("c1", queued_at=-1, skill="complaint"))

    await router.dispatch()

    assert assigned.calls == [("c1", "high-02")]


async def test_caller_nobody_can_serve_does_not_block_younger_callers() -> None:
    board = board_with(("high-01", CONSULTATION))
    router, assigned = router_for(board)
    router.enqueue(waiting("old", queued_at=-9, skill="complaint"))
    router.enqueue(waiting("young", queued_at=-1))

    await router.dispatch()

    assert assigned.calls == [("young", "high-01")]
    assert [caller.call_id for caller in router.waiting()] == ["old"]


async def test_excluded_seats_are_skipped() -> None:
    board = board_with(("high-01", CONSULTATION), ("high-02", CONSULTATION))
    router, assigned = router_for(board)
    router.enqueue(waiting("c1", queued_at=-1, excluded=frozenset({"high-01"})))

    await router.dispatch()

    assert assigned.calls == [("c1", "high-02")]


async def test_caller_whose_only_seat_is_excluded_keeps_waiting() -> None:
    board = board_with(("high-01", CONSULTATION))
    router, assigned = router_for(board)
    router.enqueue(waiting("c1", queued_at=-1, excluded=frozenset({"high-01"})))

    assert await router.dispatch() == 0
    assert assigned.calls == []
    assert [caller.call_id for caller in router.waiting()] == ["c1"]


def _unregistered(board: SeatBoard) -> None:
    board.set_registered("high-01", False)


def _paused(board: SeatBoard) -> None:
    seat = board.get("high-01")
    assert seat is not None
    seat.status = AgentStatus.PAUSED


def _logged_out(board: SeatBoard) -> None:
    seat = board.get("high-01")
    assert seat is not None
    seat.status = AgentStatus.LOGGED_OUT


def _reserved(board: SeatBoard) -> None:
    assert board.try_reserve("high-01", "other-call", T0)


def _ringing(board: SeatBoard) -> None:
    _reserved(board)
    assert board.mark("high-01", "other-call", SeatState.RINGING, T0)


def _talking(board: SeatBoard) -> None:
    _ringing(board)
    assert board.mark("high-01", "other-call", SeatState.TALKING, T0)


def _wrap_up(board: SeatBoard) -> None:
    _talking(board)
    assert board.release("high-01", "other-call", OfferOutcome.ANSWERED, 30, T0) is not None


@pytest.mark.parametrize(
    "make_unavailable",
    [_unregistered, _paused, _logged_out, _reserved, _ringing, _talking, _wrap_up],
    ids=lambda f: f.__name__.strip("_").replace("_", "-"),
)
async def test_unregistered_unavailable_or_busy_seat_is_never_picked(
    make_unavailable: Callable[[SeatBoard], None],
) -> None:
    board = board_with(("high-01", CONSULTATION))
    make_unavailable(board)
    router, assigned = router_for(board)
    router.enqueue(waiting("c1", queued_at=-1))

    assert await router.dispatch() == 0
    assert assigned.calls == []
    assert [caller.call_id for caller in router.waiting()] == ["c1"]


def _talk(board: SeatBoard, seat_id: str, call_id: str, start: float, end: float) -> None:
    assert board.try_reserve(seat_id, call_id, minutes(start))
    assert board.mark(seat_id, call_id, SeatState.TALKING, minutes(start))
    assert board.release(seat_id, call_id, OfferOutcome.ANSWERED, 0, minutes(end)) is None


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        pytest.param(Strategy.LEAST_BUSY, "high-02", id="least-busy-less-recent-talk"),
        pytest.param(Strategy.LONGEST_IDLE, "high-01", id="longest-idle-earlier-free"),
        pytest.param(Strategy.FEWEST_CALLS, "high-01", id="fewest-calls"),
    ],
)
async def test_strategy_decides_between_seats_with_different_history(
    strategy: Strategy, expected: str
) -> None:
    board = board_with(("high-01", CONSULTATION), ("high-02", CONSULTATION), now=minutes(-120))
    # high-01: one 30-minute call, free since 08:30. high-02: two short calls, free since 08:50.
    _talk(board, "high-01", "a", start=-60, end=-30)
    _talk(board, "high-02", "b", start=-20, end=-15)
    _talk(board, "high-02", "c", start=-12, end=-10)
    router, assigned = router_for(board, strategy)
    router.enqueue(waiting("c1", queued_at=-1))

    await router.dispatch()

    assert assigned.calls == [("c1", expected)]


async def test_least_busy_forgets_talk_time_older_than_the_window() -> None:
    board = board_with(("high-01", CONSULTATION), ("high-02", CONSULTATION), now=minutes(-300))
    # high-01 talked long ago (outside the hour), high-02 a little within the hour.
    _talk(board, "high-01", "a", start=-200, end=-100)
    _talk(board, "high-02", "b", start=-10, end=-8)
    router, assigned = router_for(board, Strategy.LEAST_BUSY)
    router.enqueue(waiting("c1", queued_at=-1))

    await router.dispatch()

    assert assigned.calls == [("c1", "high-01")]


async def test_removed_caller_is_not_assigned() -> None:
    board = board_with(("high-01", CONSULTATION))
    router, assigned = router_for(board)
    router.enqueue(waiting("c1", queued_at=-1))

    assert router.remove("c1") is not None
    assert router.remove("c1") is None
    assert await router.dispatch() == 0
    assert assigned.calls == []


async def test_requeued_caller_replaces_its_earlier_entry() -> None:
    board = board_with(("high-01", CONSULTATION), ("high-02", CONSULTATION))
    router, assigned = router_for(board, Strategy.LONGEST_IDLE)
    router.enqueue(waiting("c1", queued_at=-5))
    router.enqueue(waiting("c1", queued_at=-5, excluded=frozenset({"high-01"})))

    assert len(router.waiting()) == 1
    await router.dispatch()
    assert assigned.calls == [("c1", "high-02")]


async def test_a_branch_seat_pulled_into_hq_takes_hq_calls_at_hqs_own_tier() -> None:
    board = SeatBoard()
    board.sync_configured([("chaoyang-01", "chaoyang", CONSULTATION)], T0)
    board.set_registered("chaoyang-01", True)
    assigned = Assignments()
    home_only = {
        "consultation": QueueRouting(
            "consultation", "consultation", Strategy.LEAST_BUSY, (Tier(0, frozenset({"home"})),)
        )
    }
    platforms = {"high": PlatformKind.HQ, "chaoyang": PlatformKind.BRANCH}
    router = Router(board, assigned, lambda: T0, home_only, platforms)
    router.enqueue(waiting("hq-caller", queued_at=-1))

    assert await router.dispatch() == 0, "a branch seat is not HQ's home tier"
    seat = board.serve_platform("chaoyang-01", "high")
    assert seat is not None and seat.routing_platform == "high"
    assert await router.dispatch() == 1
    assert assigned.calls == [("hq-caller", "chaoyang-01")]

    board.serve_platform("chaoyang-01", "chaoyang")  # given back to its court
    assert board.get("chaoyang-01").serving_platform is None  # type: ignore[union-attr]
    assert board.serve_platform("nobody", "high") is None

"""The simulator's event loop: tiers opening on the virtual clock, patience, wrap-up, strategies."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from agents.board import SeatBoard
from agents.model import OfferOutcome, SeatState
from routing.policy import (
    ALL,
    HOME,
    HQ,
    PlatformKind,
    QueueRouting,
    Strategy,
    Tier,
)
from simulate.model import (
    TICKS_PER_S,
    Arrival,
    QueueSettings,
    SeatLedger,
    SeatSpec,
    Session,
    Setup,
    Tally,
    ticks,
)

T0 = datetime(2025, 3, 3, 8, 30, tzinfo=UTC)
PLATFORMS = {"high": PlatformKind.HQ, "chaoyang": PlatformKind.BRANCH}
TIERED = (Tier(0, frozenset({HOME})), Tier(20, frozenset({HQ})), Tier(45, frozenset({ALL})))
SKILL = frozenset({"consultation"})


def setup(
    seats: dict[str, str],
    *,
    tiers: tuple[Tier, ...] = TIERED,
    strategy: Strategy = Strategy.LEAST_BUSY,
    wrap_up_s: float = 0,
    max_wait_s: float | None = None,
    urgent_priority: int = 0,
) -> Setup:
    """Seats as {seat id: platform}; a plain queue and an urgent one with its own priority."""
    queues = {
        queue_id: QueueSettings(
            QueueRouting(queue_id, "consultation", strategy, tiers),
            priority,
            wrap_up_s,
            max_wait_s,
        )
        for queue_id, priority in (("general", 0), ("urgent", urgent_priority))
    }
    specs = tuple(
        SeatSpec(seat_id, platform, SKILL, order)
        for order, (seat_id, platform) in enumerate(seats.items())
    )
    return Setup(PLATFORMS, specs, queues)


def call(
    at_s: float,
    handle_s: float,
    home: str = "chaoyang",
    patience_s: float | None = None,
    queue: str = "general",
) -> Arrival:
    return Arrival(at_s, queue, home, handle_s, patience_s)


def simulate(the_setup: Setup, *arrivals: Arrival, length_s: float = 3600) -> Tally:
    tally = Tally()
    Session(the_setup, T0, tally).run(arrivals, length_s)
    return tally


def test_a_caller_with_a_free_home_seat_is_answered_at_once() -> None:
    tally = simulate(setup({"cy-1": "chaoyang"}), call(10, 300))

    court = tally.courts["chaoyang"]
    assert (court.offered, court.answered, court.answered_in_time) == (1, 1, 1)
    assert court.average_wait_s == 0
    assert tally.seats["cy-1"].busy_s == 300
    assert tally.seats["cy-1"].occupancy == pytest.approx(300 / 3600)


def test_hq_tier_opens_after_20_s_on_the_virtual_clock() -> None:
    # The home seat is busy; the HQ seat is free but only offered once 20 s have passed.
    tally = simulate(setup({"cy-1": "chaoyang", "hq-1": "high"}), call(0, 1000), call(1, 60))

    court = tally.courts["chaoyang"]
    assert court.answered == 2
    assert court.answered_wait_s == pytest.approx(20.0)
    assert court.answered_in_time == 2, "a wait of exactly 20 s is within 20 s"
    assert tally.taken == {"chaoyang": 1, "high": 1}
    assert tally.by_tier == {0: 1, 1: 1}


def test_branch_seats_of_another_court_join_after_45_s() -> None:
    platforms = {**PLATFORMS, "haidian": PlatformKind.BRANCH}
    the_setup = setup({"cy-1": "chaoyang", "hd-1": "haidian"})
    the_setup = Setup(platforms, the_setup.seats, the_setup.queues)

    tally = simulate(the_setup, call(0, 1000), call(5, 60))

    assert tally.courts["chaoyang"].answered_wait_s == pytest.approx(45.0)
    assert tally.courts["chaoyang"].answered_in_time == 1
    assert tally.by_tier == {0: 1, 2: 1}, "HQ has no seat; the all tier brought haidian's"


def test_without_pooling_a_court_caller_never_reaches_hq_and_hangs_up() -> None:
    home_only = (Tier(0, frozenset({HOME})),)
    the_setup = setup({"cy-1": "chaoyang", "hq-1": "high"}, tiers=home_only)

    tally = simulate(the_setup, call(0, 1000), call(1, 60, patience_s=120))

    court = tally.courts["chaoyang"]
    assert (court.answered, court.abandoned) == (1, 1)
    assert "high" not in tally.taken


def test_a_caller_hangs_up_when_patience_runs_out_and_no_seat_is_taken() -> None:
    tally = simulate(setup({"cy-1": "chaoyang"}), call(0, 500), call(10, 60, patience_s=30))

    court = tally.courts["chaoyang"]
    assert (court.offered, court.answered, court.abandoned) == (2, 1, 1)
    assert court.abandonment == pytest.approx(0.5)
    assert tally.seats["cy-1"].calls == 1


def test_the_queue_max_wait_takes_a_patient_caller_out_of_line() -> None:
    tally = simulate(
        setup({"cy-1": "chaoyang"}, max_wait_s=60), call(0, 500), call(10, 60, patience_s=None)
    )

    court = tally.courts["chaoyang"]
    assert (court.answered, court.timed_out, court.abandoned) == (1, 1, 0)


def test_wrap_up_keeps_the_seat_busy_before_the_next_caller() -> None:
    tally = simulate(setup({"cy-1": "chaoyang"}, wrap_up_s=15), call(0, 100), call(10, 50))

    court = tally.courts["chaoyang"]
    assert court.answered_wait_s == pytest.approx(105.0), "100 s talk + 15 s wrap-up − 10 s"
    assert tally.seats["cy-1"].busy_s == pytest.approx(100 + 15 + 50 + 15)


def test_higher_priority_queue_is_served_first_even_when_its_caller_came_later() -> None:
    the_setup = setup({"cy-1": "chaoyang"}, urgent_priority=5)

    tally = simulate(
        the_setup,
        call(0, 100),
        call(10, 100, queue="general"),
        call(20, 100, queue="urgent"),
    )

    # The urgent caller gets the seat at 100 s (waited 80 s), the general one at 200 s (190 s).
    assert tally.courts["chaoyang"].answered_wait_s == pytest.approx(80 + 190)


@pytest.mark.parametrize(
    ("strategy", "calls_of_first_seat"),
    [(Strategy.LEAST_BUSY, 1), (Strategy.LONGEST_IDLE, 2)],
)
def test_least_busy_and_longest_idle_choose_differently(
    strategy: Strategy, calls_of_first_seat: int
) -> None:
    # s1 talks 0–500 and idles from 500; s2 takes the call at 550 (free longer and less busy)
    # and idles from 600. At 700 s1 has been idle longer, but s2 is far less busy.
    the_setup = setup({"s1": "chaoyang", "s2": "chaoyang"}, strategy=strategy)

    tally = simulate(the_setup, call(0, 500), call(550, 50), call(700, 10))

    assert tally.seats["s1"].calls == calls_of_first_seat
    assert tally.seats["s1"].calls + tally.seats["s2"].calls == 3


def test_callers_still_waiting_at_closing_time_are_served_and_seats_stay_for_them() -> None:
    tally = simulate(setup({"cy-1": "chaoyang"}), call(0, 90), call(50, 90), length_s=100)

    court = tally.courts["chaoyang"]
    assert court.answered == 2
    assert tally.seats["cy-1"].logged_in_s == pytest.approx(180.0)
    assert tally.seats["cy-1"].occupancy == pytest.approx(1.0)


def test_an_arrival_for_an_unknown_queue_or_platform_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown queue"):
        simulate(setup({"cy-1": "chaoyang"}), Arrival(0, "nowhere", "chaoyang", 10))
    with pytest.raises(ValueError, match="unknown platform"):
        simulate(setup({"cy-1": "chaoyang"}), Arrival(0, "general", "atlantis", 10))


def test_seat_ledger_window_sums_equal_the_live_seat_boards() -> None:
    """The ledger's constant-time occupancy sums are the board's (agents.model.Seat) ones."""
    rng = random.Random(7)
    window = timedelta(minutes=60)
    board = SeatBoard()
    board.sync_configured([("s1", "high", SKILL)], T0)
    board.set_registered("s1", True)
    ledger = SeatLedger(SeatSpec("s1", "high", SKILL), T0)
    now = 0.0
    for number in range(300):
        now += rng.expovariate(1 / 200)  # idle gap
        moment = T0 + timedelta(microseconds=ticks(now))
        call_id = f"c{number}"
        assert board.try_reserve("s1", call_id, moment)
        assert board.mark("s1", call_id, SeatState.TALKING, moment)
        ledger.start_talking(ticks(now))
        token: int | None = None
        for phase in ("talk", "wrap-up"):
            if phase == "wrap-up":
                ledger.start_wrap_up()
            end = now + rng.expovariate(1 / (240 if phase == "talk" else 20))
            while True:  # ask both, mid-phase, as the router would
                now += rng.expovariate(1 / 90)
                if now >= end:
                    break
                asked = T0 + timedelta(microseconds=ticks(now))
                seat = board.get("s1")
                assert seat is not None
                expected = seat.busy_seconds(asked, window)
                got = ledger.busy_in_window(ticks(now), ticks(3600)) / TICKS_PER_S
                assert got == pytest.approx(expected, abs=1e-6)
            now = end
            moment = T0 + timedelta(microseconds=ticks(now))
            if phase == "talk":
                token = board.release("s1", call_id, OfferOutcome.ANSWERED, 20, moment)
            else:
                assert token is not None
                assert board.end_wrap_up("s1", token, moment)
                ledger.become_idle(ticks(now), moment)
        seat = board.get("s1")
        assert seat is not None
        got = ledger.busy_in_window(ticks(now), ticks(3600)) / TICKS_PER_S
        assert got == pytest.approx(seat.busy_seconds(moment, window), abs=1e-6)


def test_arrivals_out_of_time_order_are_refused() -> None:
    with pytest.raises(ValueError, match="out of time order"):
        simulate(setup({"cy-1": "chaoyang"}), call(100, 10), call(50, 10))


def test_progress_counts_every_arrival_of_the_session() -> None:
    reported: list[int] = []
    arrivals = [call(n * 0.5, 0.1) for n in range(2_500)]
    tally = Tally()

    Session(setup({"cy-1": "chaoyang"}), T0, tally, reported.append).run(arrivals, 3600)

    assert reported == [1_000, 1_000, 500]

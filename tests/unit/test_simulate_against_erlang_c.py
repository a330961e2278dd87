"""On one pooled queue the simulator reproduces Erlang C: the model and the routing code are sound.

Erlang C's assumptions: Poisson arrivals, exponential handle times, identical seats that each
take any call, callers served in order, nobody hangs up, no wrap-up.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from routing.policy import ALL, PlatformKind, QueueRouting, Strategy, Tier
from simulate.arrivals import HandleTime, Opening, Patience, RateTable, poisson_arrivals
from simulate.erlang import average_wait_s, service_level
from simulate.model import QueueSettings, SeatSpec, Session, Setup, Tally

CALLS = 200_000
START = datetime(2025, 3, 3, 8, 30, tzinfo=UTC)


def pooled_queue(seats: int, strategy: Strategy) -> Setup:
    routing = QueueRouting("pool", "consultation", strategy, (Tier(0, frozenset({ALL})),))
    return Setup(
        {"high": PlatformKind.HQ},
        tuple(
            SeatSpec(f"seat-{n:02}", "high", frozenset({"consultation"}), n) for n in range(seats)
        ),
        {"pool": QueueSettings(routing, wrap_up_s=0, max_wait_s=None)},
    )


@pytest.mark.parametrize(
    ("seats", "load", "handle_s", "strategy"),
    [
        (10, 8.0, 180.0, Strategy.LEAST_BUSY),
        (25, 20.0, 180.0, Strategy.LONGEST_IDLE),
        (4, 3.0, 300.0, Strategy.LEAST_BUSY),
    ],
)
def test_pooled_queue_matches_erlang_c_service_level_within_2_points(
    seats: int, load: float, handle_s: float, strategy: Strategy
) -> None:
    calls_per_hour = load / handle_s * 3600
    opening = Opening(START, CALLS / calls_per_hour * 3600)
    arrivals = poisson_arrivals(
        random.Random(2025),
        RateTable.flat(calls_per_hour, {"high": 1.0}),
        {"pool": 1.0},
        opening,
        HandleTime(handle_s),
        Patience(None),
    )
    tally = Tally()

    Session(pooled_queue(seats, strategy), START, tally).run(arrivals, opening.length_s)

    result = tally.overall()
    assert result.offered == pytest.approx(CALLS, rel=0.01)
    assert result.answered == result.offered, "nobody hangs up, so every caller is answered"
    assert result.service_level is not None and result.average_wait_s is not None
    expected_level = service_level(seats, load, handle_s, 20)
    expected_wait = average_wait_s(seats, load, handle_s)
    print(
        f"N={seats} A={load:g} h={handle_s:g}s: answered within 20 s "
        f"{result.service_level:.2%} (Erlang C {expected_level:.2%}), average wait "
        f"{result.average_wait_s:.2f} s (Erlang C {expected_wait:.2f} s)"
    )
    assert abs(result.service_level - expected_level) < 0.02
    assert result.average_wait_s == pytest.approx(expected_wait, rel=0.2)
    occupancy = [seat.occupancy for seat in tally.seats.values()]
    assert sum(occupancy) / seats == pytest.approx(load / seats, abs=0.01)

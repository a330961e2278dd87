"""Erlang C against textbook figures and against its own definition as a sum."""

from __future__ import annotations

import math

import pytest

from simulate.erlang import average_wait_s, erlang_b, erlang_c, service_level


def erlang_c_by_sum(seats: int, load: float) -> float:
    """The textbook form: (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A))."""
    waiting = load**seats / math.factorial(seats) * seats / (seats - load)
    return waiting / (sum(load**k / math.factorial(k) for k in range(seats)) + waiting)


@pytest.mark.parametrize(
    ("seats", "load", "probability_of_waiting"),
    [
        (10, 8.0, 0.4092),  # the usual example: 10 agents, 8 Erlangs
        (11, 10.0, 0.6821),  # 100 calls in 30 min, 180 s handle time, 11 to 14 agents
        (12, 10.0, 0.4494),
        (13, 10.0, 0.2853),
        (14, 10.0, 0.1741),
        (1, 0.5, 0.5),  # M/M/1: the caller waits with probability ρ
    ],
)
def test_erlang_c_matches_textbook_values(
    seats: int, load: float, probability_of_waiting: float
) -> None:
    assert erlang_c(seats, load) == pytest.approx(probability_of_waiting, abs=5e-5)


@pytest.mark.parametrize(("seats", "load"), [(2, 1.7), (25, 20.0), (48, 40.8), (70, 65.0)])
def test_erlang_c_recursion_equals_the_factorial_sum(seats: int, load: float) -> None:
    assert erlang_c(seats, load) == pytest.approx(erlang_c_by_sum(seats, load), rel=1e-9)


def test_erlang_b_of_one_seat_is_a_over_one_plus_a() -> None:
    assert erlang_b(1, 3.0) == pytest.approx(0.75)


def test_service_level_and_average_wait_of_the_14_agent_example() -> None:
    # 14 agents, 10 Erl, 180 s: 88.8% answered within 20 s, 7.8 s average speed of answer.
    assert service_level(14, 10.0, 180, 20) == pytest.approx(0.8884, abs=5e-4)
    assert average_wait_s(14, 10.0, 180) == pytest.approx(7.83, abs=0.01)


def test_service_level_within_zero_seconds_is_the_share_answered_at_once() -> None:
    assert service_level(10, 8.0, 180, 0) == pytest.approx(1 - erlang_c(10, 8.0))


def test_overload_and_nonsense_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="without bound"):
        erlang_c(10, 10.0)
    with pytest.raises(ValueError, match="at least 1"):
        erlang_c(0, 1.0)
    with pytest.raises(ValueError, match="positive"):
        erlang_b(3, 0.0)

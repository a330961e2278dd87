"""Erlang C: the analytic answer for one pooled queue, Poisson arrivals, exponential handle times.

`hotline simulate` is checked against it: on such a queue the simulated service level must come
within a couple of percentage points of these figures.
"""

from __future__ import annotations

import math


def erlang_b(seats: int, load_erlangs: float) -> float:
    """Probability that every seat is busy with no waiting room (the blocking probability)."""
    _check(seats, load_erlangs)
    blocked = 1.0
    for k in range(1, seats + 1):  # the recursion is stable where the factorial sum overflows
        blocked = load_erlangs * blocked / (k + load_erlangs * blocked)
    return blocked


def erlang_c(seats: int, load_erlangs: float) -> float:
    """Probability that a caller has to wait at all (every seat busy on arrival)."""
    _check(seats, load_erlangs)
    if load_erlangs >= seats:
        raise ValueError(
            f"offered load {load_erlangs:g} Erl needs more than {seats} seats: the line grows "
            "without bound"
        )
    blocked = erlang_b(seats, load_erlangs)
    return seats * blocked / (seats - load_erlangs * (1 - blocked))


def service_level(seats: int, load_erlangs: float, handle_s: float, within_s: float) -> float:
    """Share of callers answered within `within_s` seconds: 1 − C·e^(−(N−A)·t/h)."""
    waits = erlang_c(seats, load_erlangs)
    return 1.0 - waits * math.exp(-(seats - load_erlangs) * within_s / handle_s)


def average_wait_s(seats: int, load_erlangs: float, handle_s: float) -> float:
    """Mean wait over every caller, those answered at once included: C·h/(N−A)."""
    return erlang_c(seats, load_erlangs) * handle_s / (seats - load_erlangs)


def _check(seats: int, load_erlangs: float) -> None:
    if seats < 1:
        raise ValueError(f"seats must be at least 1, not {seats}")
    if load_erlangs <= 0:
        raise ValueError(f"offered load must be positive, not {load_erlangs:g}")

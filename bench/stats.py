"""The pure arithmetic of the benchmark: percentiles, the pass bar, the highest passing rate."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def percentile(values: Iterable[float], percent: float) -> float | None:
    """Nearest-rank percentile (p99 of 200 values is the 198th smallest); None when empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    if not 0 < percent <= 100:
        raise ValueError(f"percentile {percent} must be within (0, 100]")
    rank = math.ceil(percent / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def connected_share(connected: int, placed: int) -> float:
    """Connected calls as a share of the calls placed (0 when none were placed)."""
    if placed <= 0:
        return 0.0
    return connected / placed


def passes(connected: int, placed: int, bar: float) -> bool:
    """At least `bar` (e.g. 0.999) of the placed calls reached a seat; counted, not rounded."""
    # Integer comparison: 999 of 1000 passes 0.999 exactly, float rounding must not fail it.
    return placed > 0 and connected * 1_000_000 >= math.ceil(bar * 1_000_000) * placed


def highest_passing(steps: Sequence[tuple[int, bool]]) -> int | None:
    """The highest rate below which every step passed: (rate, passed) pairs in any order.

    A pass above a failure does not count: the rate a system can be trusted at is the top of
    its unbroken run of passes from the lowest rate tried.
    """
    best = None
    for rate, passed in sorted(steps):
        if not passed:
            break
        best = rate
    return best


def rates_to_run(rates: Sequence[int], done: Sequence[tuple[int, bool]]) -> list[int]:
    """The rates still to try: none once a step has failed (the rate stops rising)."""
    if any(not passed for _rate, passed in done):
        return []
    tried = {rate for rate, _passed in done}
    return [rate for rate in sorted(set(rates)) if rate not in tried]


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def common_rate(
    first: Sequence[tuple[int, bool]], second: Sequence[tuple[int, bool]]
) -> int | None:
    """The rate to compare two systems at: the highest both passed, else the lowest both ran."""
    first_passed = {rate for rate, passed in first if passed}
    second_passed = {rate for rate, passed in second if passed}
    both_passed = first_passed & second_passed
    if both_passed:
        return max(both_passed)
    both_ran = {rate for rate, _ in first} & {rate for rate, _ in second}
    return min(both_ran) if both_ran else None

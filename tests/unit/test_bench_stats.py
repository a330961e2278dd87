"""The benchmark's arithmetic: percentiles, the pass bar, which rates run, the rate compared at."""

from __future__ import annotations

import pytest

from bench.stats import (
    common_rate,
    connected_share,
    highest_passing,
    passes,
    percentile,
    rates_to_run,
    ratio,
)


@pytest.mark.parametrize(
    ("values", "percent", "expected"),
    [
        pytest.param([], 50, None, id="no-values-no-percentile"),
        pytest.param([7.0], 99, 7.0, id="one-value-is-every-percentile"),
        pytest.param([3.0, 1.0, 2.0], 50, 2.0, id="median-of-three-unsorted"),
        pytest.param([1.0, 2.0, 3.0, 4.0], 50, 2.0, id="median-of-four-is-the-lower-nearest-rank"),
        pytest.param([float(v) for v in range(1, 201)], 99, 198.0, id="p99-of-200-is-198th"),
        pytest.param([float(v) for v in range(1, 1001)], 99, 990.0, id="p99-of-1000-is-990th"),
        pytest.param([float(v) for v in range(1, 101)], 100, 100.0, id="p100-is-the-maximum"),
        pytest.param([5.0, 1.0], 0.1, 1.0, id="tiny-percent-is-the-minimum"),
    ],
)
def test_percentile_by_nearest_rank(
    values: list[float], percent: float, expected: float | None
) -> None:
    assert percentile(values, percent) == expected


@pytest.mark.parametrize("percent", [0, -1, 100.5])
def test_percentile_outside_range_is_refused(percent: float) -> None:
    with pytest.raises(ValueError, match="percentile"):
        percentile([1.0], percent)


@pytest.mark.parametrize(
    ("connected", "placed", "bar", "expected"),
    [
        pytest.param(1000, 1000, 0.999, True, id="all-seated-passes"),
        pytest.param(999, 1000, 0.999, True, id="exactly-at-the-bar-passes"),
        pytest.param(998, 1000, 0.999, False, id="one-below-the-bar-fails"),
        pytest.param(199, 200, 0.999, False, id="one-lost-of-200-fails-99.9"),
        pytest.param(1599, 1600, 0.999, True, id="one-lost-of-1600-passes-99.9"),
        pytest.param(1297, 1300, 0.999, False, id="three-lost-of-1300-fails"),
        pytest.param(0, 0, 0.999, False, id="nothing-placed-never-passes"),
        pytest.param(95, 100, 0.95, True, id="other-bar-exactly"),
    ],
)
def test_pass_bar_counts_exactly(connected: int, placed: int, bar: float, expected: bool) -> None:
    assert passes(connected, placed, bar) is expected


@pytest.mark.parametrize(
    ("connected", "placed", "expected"), [(0, 0, 0.0), (1, 4, 0.25), (10, 10, 1.0)]
)
def test_connected_share(connected: int, placed: int, expected: float) -> None:
    assert connected_share(connected, placed) == expected


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        pytest.param([], None, id="nothing-ran"),
        pytest.param([(10, False)], None, id="failed-at-the-lowest-rate"),
        pytest.param([(10, True), (20, True), (35, False)], 20, id="last-pass-below-a-failure"),
        pytest.param([(35, False), (10, True), (20, True)], 20, id="order-does-not-matter"),
        pytest.param([(10, True), (20, False), (35, True)], 10, id="pass-above-failure-ignored"),
        pytest.param([(10, True), (80, True)], 80, id="all-passed"),
    ],
)
def test_highest_passing_rate(steps: list[tuple[int, bool]], expected: int | None) -> None:
    assert highest_passing(steps) == expected


@pytest.mark.parametrize(
    ("rates", "done", "expected"),
    [
        pytest.param([10, 20, 35], [], [10, 20, 35], id="fresh-start-runs-all-in-order"),
        pytest.param([35, 10, 20, 10], [], [10, 20, 35], id="sorted-and-unique"),
        pytest.param([10, 20, 35], [(10, True)], [20, 35], id="passed-rates-are-not-rerun"),
        pytest.param([10, 20, 35], [(10, True), (20, False)], [], id="a-failure-stops-rising"),
        pytest.param([10, 20], [(10, True), (20, True)], [], id="all-done"),
    ],
)
def test_rates_to_run_stop_after_a_failure(
    rates: list[int], done: list[tuple[int, bool]], expected: list[int]
) -> None:
    assert rates_to_run(rates, done) == expected


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(12.0, 4.0, 3.0), (None, 4.0, None), (1.0, None, None), (1.0, 0.0, None)],
)
def test_ratio_needs_both_sides(
    numerator: float | None, denominator: float | None, expected: float | None
) -> None:
    assert ratio(numerator, denominator) == expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param(
            [(10, True), (20, True), (35, False)],
            [(10, True), (20, True), (35, True)],
            20,
            id="highest-rate-both-passed",
        ),
        pytest.param([(10, False)], [(10, True), (20, True)], 10, id="none-passed-both-lowest-ran"),
        pytest.param([(10, True)], [(20, True)], None, id="no-rate-in-common"),
        pytest.param([], [(10, True)], None, id="one-side-never-ran"),
    ],
)
def test_common_rate_for_comparing_two_systems(
    first: list[tuple[int, bool]], second: list[tuple[int, bool]], expected: int | None
) -> None:
    assert common_rate(first, second) == expected

"""The benchmark's report: table layout, number formats, and the comparisons it draws."""

from __future__ import annotations

import pytest

from bench.report import compare, format_report, ms, render_table, share, step_rows, times
from bench.results import CpuSeconds, StepResult, System, SystemRun

BAR = 0.999


def step(
    system: System,
    rate: int,
    *,
    lost: int = 0,
    switch_ms: float = 0.0,
    asterisk_ms: float = 10.0,
    postgres_ms: float = 0.0,
    from_start: list[float] | None = None,
    from_digit: list[float] | None = None,
) -> StepResult:
    placed = rate * 20
    cpu = CpuSeconds(
        switch=switch_ms * placed / 1000,
        asterisk=asterisk_ms * placed / 1000,
        postgres=postgres_ms * placed / 1000,
        load=1.0,
        machine=(switch_ms + asterisk_ms + postgres_ms) * placed / 1000 + 1.0,
    )
    return StepResult(
        system, rate, placed, placed - lost, 25.0, cpu,
        from_start_ms=from_start or [], from_digit_ms=from_digit or [],
    )  # fmt: skip


def hotline_run() -> SystemRun:
    return SystemRun(
        System.HOTLINE,
        [
            step(
                System.HOTLINE,
                10,
                switch_ms=12,
                asterisk_ms=30,
                postgres_ms=3,
                from_start=[1500.0] * 200,
                from_digit=[5.0] * 200,
            ),
            step(
                System.HOTLINE,
                20,
                switch_ms=12,
                asterisk_ms=28,
                postgres_ms=3,
                from_start=[1510.0] * 400,
                from_digit=[6.0] * 399 + [40.0],
            ),
            step(System.HOTLINE, 35, lost=5, switch_ms=15, asterisk_ms=28),
        ],
    )


def minimal_run() -> SystemRun:
    return SystemRun(
        System.MINIMAL,
        [step(System.MINIMAL, rate, switch_ms=4, asterisk_ms=15) for rate in (10, 20, 35)],
    )


def queue_run() -> SystemRun:
    return SystemRun(
        System.QUEUE, [step(System.QUEUE, rate, asterisk_ms=15) for rate in (10, 20, 35, 50)]
    )


def test_table_columns_fit_the_widest_cell() -> None:
    lines = render_table(["system", "rate"], [["hotline", "10/s"], ["queue", "100/s"]])
    assert lines == [
        "system    rate",
        "-------  -----",
        "hotline   10/s",
        "queue    100/s",
    ]


def test_table_row_with_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="cells"):
        render_table(["a", "b"], [["only one"]])


@pytest.mark.parametrize(
    ("connected", "placed", "expected"),
    [
        pytest.param(1000, 1000, "100.00%", id="all"),
        pytest.param(1999, 2000, "99.95%", id="never-rounded-up-to-100"),
        pytest.param(1599, 1600, "99.93%", id="floored"),
        pytest.param(0, 0, "0.00%", id="none-placed"),
    ],
)
def test_share_is_floored(connected: int, placed: int, expected: str) -> None:
    assert share(connected, placed) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(None, "-"), (4.04, "4.0"), (99.96, "100.0"), (1512.4, "1512")]
)
def test_milliseconds(value: float | None, expected: str) -> None:
    assert ms(value) == expected


def test_times() -> None:
    assert (times(None), times(3.004)) == ("-", "3.00x")


def test_comparison_reads_each_system_at_its_highest_passing_rate() -> None:
    comparison = compare([hotline_run(), queue_run(), minimal_run()], BAR)
    assert comparison.highest == {System.HOTLINE: 20, System.QUEUE: 50, System.MINIMAL: 35}
    assert comparison.hotline_at is not None and comparison.hotline_at.rate == 20
    assert comparison.cpu_rate == 20
    assert comparison.cpu_ratio == pytest.approx(3.0)
    assert comparison.queue_rate_ratio == pytest.approx(0.4)
    assert comparison.switching_rate == 20
    assert comparison.switching_ratio == pytest.approx((12 + 28 + 3) / 15)


def test_comparison_without_a_passing_hotline_uses_the_lowest_rate_run() -> None:
    hotline = SystemRun(System.HOTLINE, [step(System.HOTLINE, 10, lost=1, switch_ms=20)])
    comparison = compare([hotline, minimal_run()], BAR)
    assert comparison.highest[System.HOTLINE] is None
    assert comparison.cpu_rate == 10
    assert comparison.cpu_ratio == pytest.approx(5.0)
    assert comparison.hotline_at is not None and comparison.hotline_at.rate == 10


def test_report_names_targets_and_a_system_that_did_not_run() -> None:
    failed = SystemRun(System.HOTLINE, failure="the controller was not ready")
    text = "\n".join(format_report([failed, queue_run(), minimal_run()], BAR, 2, ["head"]))
    assert "did not run: the controller was not ready" in text
    assert "digit received (call queued) -> seat dialled p99 < 150 ms: - ms -- not measured" in text
    assert "controller CPU per call within 3x of the minimal router: - -- not measured" in text


def test_report_lists_every_step_and_the_verdicts() -> None:
    runs = [hotline_run(), queue_run(), minimal_run()]
    rows = step_rows(runs, BAR, 2)
    assert [(row[0], row[1], row[5]) for row in rows[:3]] == [
        ("hotline", "10/s", "yes"),
        ("hotline", "20/s", "yes"),
        ("hotline", "35/s", "NO"),
    ]
    assert len(rows) == 10
    text = "\n".join(format_report(runs, BAR, 2, ["head"]))
    assert ">= 50 calls/s with >= 99.9% seated through the full path: 20/s -- NOT met" in text
    assert "within 3x of the minimal router: 3.00x (at 20/s) -- met" in text
    assert "StasisStart -> seat dialled p99 < 150 ms: 1510 ms (at 20/s) -- NOT met" in text
    assert "seat dialled p99 < 150 ms: 6.0 ms (at 20/s) -- met" in text

"""Matching calls across processes' logs by caller number: SIPp lines and Queue() marks."""

from __future__ import annotations

import pytest

from bench.timelines import (
    QueueDialled,
    intervals_ms,
    parse_queue_marks,
    parse_queue_seated,
    parse_sipp_log,
    step_prefix,
)

SEAT_LOG = [
    "invite 1390031 1796235385.000000 283140.000000",
    "invite 1390032 1796235385.000000 477881.000000",
    "connected 1390031 1796235385.000000 588164.000000",
    # Another step's call and a retried INVITE to a second seat: neither counts here.
    "connected 1390041 1796235385.000000 600000.000000",
    "invite 1390031 1796235386.000000 0.000000",
    "\x00\x00ended 1390031 1796235387.000000 10319.000000",
    "some other line SIPp wrote",
    "",
]


def test_sipp_log_by_kind_and_number_keeps_first_time() -> None:
    found = parse_sipp_log(SEAT_LOG, "139003")
    assert found == {
        "invite": {"1390031": 1796235385.28314, "1390032": 1796235385.477881},
        "connected": {"1390031": 1796235385.588164},
        "ended": {"1390031": 1796235387.010319},
    }


def test_sipp_log_without_lines_of_the_prefix_is_empty() -> None:
    assert parse_sipp_log(SEAT_LOG, "139009") == {}


MESSAGES = [
    "[2026-12-02 18:16:25.282] NOTICE[10804][C-00000001] Ext. s: "
    "bench-dialled 1390051 1796235384.293 1796235385.281 1796235385.282",
    "[2026-12-02 18:16:30.000] NOTICE[10804][C-00000001] Ext. s: "
    "bench-dialled 1390051 1796235384.293 1796235385.281 1796235390.000",
    "[2026-12-02 18:16:25.477] NOTICE[10812][C-00000002] Ext. s: "
    "bench-dialled 1390061 1796235384.490 1796235385.476 1796235385.477",
    "[2026-12-02 18:16:25.477] WARNING[10812] chan_pjsip.c: something else entirely",
]


def test_queue_marks_keep_the_first_seat_dialled_per_caller() -> None:
    marks = parse_queue_marks(MESSAGES, "bench-dialled", "139005")
    assert marks == {"1390051": QueueDialled(1796235384.293, 1796235385.281, 1796235385.282)}


def test_queue_seated_marks_name_each_caller_once() -> None:
    lines = [
        "[2026-12-02 18:16:25.582] NOTICE[10804][C-00000001] Ext. s: bench-seated 1390051",
        "[2026-12-02 18:16:25.777] NOTICE[10812][C-00000002] Ext. s: bench-seated 1390052 ",
        "[2026-12-02 18:16:25.777] NOTICE[10812][C-00000002] Ext. s: bench-seated 1390052",
        "[2026-12-02 18:16:25.900] NOTICE[10813][C-00000003] Ext. s: bench-seated 1390061",
        "[2026-12-02 18:16:25.900] NOTICE[10813][C-00000003] Ext. s: bench-dialled 1390053 1 2 3",
    ]
    assert parse_queue_seated(lines, "bench-seated", "139005") == {"1390051", "1390052"}


@pytest.mark.parametrize(
    ("starts", "ends", "expected"),
    [
        pytest.param({"a": 1.0, "b": 2.0}, {"a": 1.25, "b": 2.5}, [250.0, 500.0], id="both"),
        pytest.param({"a": 1.0}, {"b": 2.0}, [], id="no-call-in-both"),
        pytest.param({"a": 1.0, "b": 2.0}, {"a": 1.001}, [1.0], id="only-matched-calls"),
    ],
)
def test_intervals_in_milliseconds(
    starts: dict[str, float], ends: dict[str, float], expected: list[float]
) -> None:
    assert sorted(intervals_ms(starts, ends)) == pytest.approx(expected)


@pytest.mark.parametrize(("step", "expected"), [(0, "139000"), (7, "139007"), (123, "139123")])
def test_step_prefix_has_a_fixed_width(step: int, expected: str) -> None:
    assert step_prefix(step) == expected


def test_no_number_of_one_step_matches_another_steps_prefix() -> None:
    numbers = [(step, f"{step_prefix(step)}{call}") for step in range(120) for call in (1, 12, 999)]
    for step, number in numbers:
        matches = [other for other in range(120) if number.startswith(step_prefix(other))]
        assert matches == [step]


@pytest.mark.parametrize("step", [-1, 1000])
def test_step_prefix_out_of_range(step: int) -> None:
    with pytest.raises(ValueError, match="step"):
        step_prefix(step)

"""What a waiting caller is told: place in line, expected wait from recent answers, in Mandarin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from routing.policy import WaitingEntry
from routing.waiting import announcement, expected_wait_s, position

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def entry(
    call_id: str, queued_at: float, queue: str = "general", priority: int = 0
) -> WaitingEntry:
    return WaitingEntry(call_id, queue, "high", s(queued_at), priority)


LINE = [
    entry("c", 30),
    entry("a", 10),
    entry("other-queue", 0, queue="complaint"),
    entry("b", 20),
    entry("urgent", 40, priority=1),
]


@pytest.mark.parametrize(
    ("call_id", "ahead"),
    [("urgent", 0), ("a", 1), ("b", 2), ("c", 3), ("other-queue", 0), ("gone", None)],
)
def test_position_counts_callers_of_the_same_queue_served_first(
    call_id: str, ahead: int | None
) -> None:
    assert position(LINE, call_id) == ahead


@pytest.mark.parametrize(
    ("ahead", "answers", "now", "expected"),
    [
        pytest.param(0, [], 100, None, id="no-answers-yet"),
        pytest.param(0, [90], 100, None, id="one-answer-says-nothing"),
        pytest.param(0, [0, 30, 60], 60, 30.0, id="next-after-one-interval"),
        pytest.param(2, [0, 30, 60], 60, 90.0, id="third-in-line"),
        pytest.param(2, [0, 30, 60], 80, 70.0, id="less-the-time-since-the-last-answer"),
        pytest.param(0, [0, 30, 60], 200, 15.0, id="overdue-never-below-half-an-interval"),
        pytest.param(0, [-3000, -2000, 0, 60], 60, 60.0, id="answers-older-than-30-min-dropped"),
    ],
)
def test_expected_wait_from_how_often_callers_were_answered(
    ahead: int, answers: list[float], now: float, expected: float | None
) -> None:
    assert expected_wait_s(ahead, [s(a) for a in answers], s(now)) == expected


@pytest.mark.parametrize(
    ("ahead", "expected_s", "text"),
    [
        (0, None, "您是下一位，请您耐心等待。"),
        (2, None, "您前面还有两位来电，请您耐心等待。"),
        (3, 30, "您前面还有三位来电，预计等待约一分钟，请您耐心等待。"),
        (12, 61, "您前面还有十二位来电，预计等待约两分钟，请您耐心等待。"),
        (0, 600, "您是下一位，预计等待约十分钟，请您耐心等待。"),
    ],
)
def test_announcement_is_read_as_an_operator_would_say_it(
    ahead: int, expected_s: float | None, text: str
) -> None:
    assert announcement(ahead, expected_s) == text

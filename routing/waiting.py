"""Pure answers for a waiting caller: their place in line and how long it should still take."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from ivr.speech import cardinal
from routing.policy import WaitingEntry, service_order

# Answers older than this say nothing about how fast the line moves now.
ANSWER_WINDOW = timedelta(minutes=30)


def position(waiting: Sequence[WaitingEntry], call_id: str) -> int | None:
    """How many callers of the same queue are served before this one (0: next)."""
    entry = next((w for w in waiting if w.call_id == call_id), None)
    if entry is None:
        return None
    ordered = [w for w in service_order(waiting) if w.queue_id == entry.queue_id]
    return next(i for i, w in enumerate(ordered) if w.call_id == call_id)


def expected_wait_s(ahead: int, answer_times: Sequence[datetime], now: datetime) -> float | None:
    """From how often this queue's callers were answered lately; None when it is not known.

    With answers every `interval` seconds, the caller with `ahead` callers in front is answered
    after about (ahead + 1) intervals, less the time since the last answer.
    """
    recent = sorted(t for t in answer_times if now - t <= ANSWER_WINDOW)
    if len(recent) < 2:
        return None
    interval = (recent[-1] - recent[0]).total_seconds() / (len(recent) - 1)
    since_last = (now - recent[-1]).total_seconds()
    return max((ahead + 1) * interval - since_last, interval / 2)


def _count(n: int) -> str:
    """A count before a measure word: 2 is 两 (两位, 两分钟), not 二."""
    return "两" if n == 2 else cardinal(n)


def announcement(ahead: int, expected_s: float | None) -> str:
    """What the caller hears, in Mandarin, with the numbers written as they are read."""
    place = "您是下一位" if ahead == 0 else f"您前面还有{_count(ahead)}位来电"
    if expected_s is None:
        return f"{place}，请您耐心等待。"
    minutes = max(1, math.ceil(expected_s / 60))
    return f"{place}，预计等待约{_count(minutes)}分钟，请您耐心等待。"

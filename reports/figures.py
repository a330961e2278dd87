"""The reported numbers, computed from the records alone. Pure; every rule is spelled out here
(and in the README), so a court can check a figure by hand.

- offered: calls that started in the window; to_agents: those that entered a queue;
  answered: those put through to a seat. 接通率 = answered / to_agents.
- abandoned: hung up while waiting for a seat. 回拨率 = abandoned callers on the callback list
  (created in the window) whom the switch called back and reached / all of them.
- service level: answered within `service_level_s` of entering the queue / to_agents.
- average wait: entering the queue to the seat answering, over the answered calls; average
  handle time: the seat answering to the end, over the answered calls that ended; long calls:
  those longer than `long_call_s`.
- self-service: ended having been served by the menu alone.
- satisfaction: survey answers among `satisfied` / all survey answers.
- work orders: created in the window; replied on time (replied in the window, by the deadline);
  overdue (deadline in the window, no reply by it). Pass rate: orders closed in the window that
  have a grade, passed (a supervisor's review counts over the computed grade) / graded.
- follow-ups done: finished with the litigant's answers in the window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean
from typing import Generic, TypeVar

from reports.model import (
    CallbackRecord,
    CallRecord,
    Figures,
    FollowUpRecord,
    OrderRecord,
    Records,
    Window,
)

ABANDONED_IN_QUEUE = "abandoned_in_queue"
SELF_SERVICE = "self_service"


@dataclass(frozen=True)
class Rules:
    service_level_s: int = 20
    long_call_s: int = 15 * 60
    satisfied: frozenset[str] = frozenset({"satisfied"})


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _mean(values: list[float]) -> float | None:
    return fmean(values) if values else None


def _answered(call: CallRecord) -> bool:
    return call.queued_at is not None and call.connected_at is not None


def figures(records: Records, window: Window, rules: Rules) -> Figures:
    def inside(day: date | None) -> bool:
        return day is not None and window.start <= day < window.end

    calls = [call for call in records.calls if inside(call.day)]
    to_agents = [call for call in calls if call.queued_at is not None]
    answered = [call for call in to_agents if _answered(call)]
    waits = [
        (call.connected_at - call.queued_at).total_seconds()
        for call in answered
        if call.connected_at and call.queued_at
    ]
    handles = [
        (call.ended_at - call.connected_at).total_seconds()
        for call in answered
        if call.ended_at and call.connected_at
    ]
    surveys = [call.survey_answer for call in calls if call.survey_answer]
    callbacks = [callback for callback in records.callbacks if inside(callback.day)]
    orders = records.orders
    closed_graded = [o for o in orders if inside(o.closed_day) and o.grade is not None]
    return Figures(
        offered=len(calls),
        to_agents=len(to_agents),
        answered=len(answered),
        connection_rate=_rate(len(answered), len(to_agents)),
        abandoned=sum(1 for call in calls if call.end_reason == ABANDONED_IN_QUEUE),
        callback_rate=_rate(sum(1 for c in callbacks if c.reached), len(callbacks)),
        service_level=_rate(
            sum(1 for wait in waits if wait <= rules.service_level_s), len(to_agents)
        ),
        average_wait_s=_mean(waits),
        average_handle_s=_mean(handles),
        long_calls=sum(1 for handle in handles if handle > rules.long_call_s),
        self_service=sum(1 for call in calls if call.end_reason == SELF_SERVICE),
        satisfaction=_rate(sum(1 for s in surveys if s in rules.satisfied), len(surveys)),
        orders_created=sum(1 for o in orders if inside(o.created_day)),
        replied_on_time=sum(1 for o in orders if inside(o.replied_day) and _on_time(o)),
        overdue=sum(1 for o in orders if inside(o.due_day) and not _on_time(o)),
        pass_rate=_rate(sum(1 for o in closed_graded if o.grade == "pass"), len(closed_graded)),
        follow_ups_done=sum(1 for f in records.follow_ups if f.done and inside(f.finished_day)),
    )


def _on_time(order: OrderRecord) -> bool:
    return order.replied_at is not None and order.replied_at <= order.due_at


def only(records: Records, keep: Callable[[str, str | None], bool]) -> Records:
    """The records of one court (or division): calls and callbacks by court, orders and
    follow-ups by court and division."""
    return Records(
        calls=tuple(c for c in records.calls if keep(c.court, None)),
        callbacks=tuple(c for c in records.callbacks if keep(c.court, None)),
        orders=tuple(o for o in records.orders if keep(o.court, o.division)),
        follow_ups=tuple(f for f in records.follow_ups if keep(f.court, f.division)),
    )


def of_court(court: str, division: str | None = None) -> Callable[[str, str | None], bool]:
    """Keeps one court's records, or (with `division`, "-" for none) one division's."""

    def keep(record_court: str, record_division: str | None) -> bool:
        if record_court != court:
            return False
        return division is None or (record_division or "-") == division

    return keep


K = TypeVar("K")


def _none(_record: object) -> tuple[()]:
    return ()


class _Parts(Generic[K]):
    """Records sorted into parts in one pass (courts, divisions or days), so a report with many
    courts and days reads its records a few times, not once per part. Each `…_in` names the
    parts a record belongs to (an order can count on several days)."""

    def __init__(
        self,
        records: Records,
        *,
        call_in: Callable[[CallRecord], Iterable[K]] = _none,
        callback_in: Callable[[CallbackRecord], Iterable[K]] = _none,
        order_in: Callable[[OrderRecord], Iterable[K]] = _none,
        follow_up_in: Callable[[FollowUpRecord], Iterable[K]] = _none,
    ) -> None:
        self.calls = _sorted_out(records.calls, call_in)
        self.callbacks = _sorted_out(records.callbacks, callback_in)
        self.orders = _sorted_out(records.orders, order_in)
        self.follow_ups = _sorted_out(records.follow_ups, follow_up_in)

    def records(self, key: K) -> Records:
        return Records(
            calls=tuple(self.calls.get(key, ())),
            callbacks=tuple(self.callbacks.get(key, ())),
            orders=tuple(self.orders.get(key, ())),
            follow_ups=tuple(self.follow_ups.get(key, ())),
        )


R = TypeVar("R")


def _sorted_out(records: Iterable[R], parts_of: Callable[[R], Iterable[K]]) -> dict[K, list[R]]:
    parts: defaultdict[K, list[R]] = defaultdict(list)
    for record in records:
        for key in parts_of(record):
            parts[key].append(record)
    return parts


def by_court(
    records: Records, window: Window, rules: Rules, courts: Iterable[str]
) -> dict[str, Figures]:
    parts = _Parts(
        records,
        call_in=lambda call: (call.court,),
        callback_in=lambda callback: (callback.court,),
        order_in=lambda order: (order.court,),
        follow_up_in=lambda follow_up: (follow_up.court,),
    )
    return {court: figures(parts.records(court), window, rules) for court in courts}


def by_division(records: Records, window: Window, rules: Rules, court: str) -> dict[str, Figures]:
    """Work-order figures per division of one court (calls have no division)."""
    parts = _Parts(
        records,
        order_in=lambda order: (order.division or "-",) if order.court == court else (),
        follow_up_in=lambda f: (f.division or "-",) if f.court == court else (),
    )
    divisions = sorted(set(parts.orders) | set(parts.follow_ups))
    return {division: figures(parts.records(division), window, rules) for division in divisions}


def daily(records: Records, window: Window, rules: Rules) -> dict[date, Figures]:
    """Each day of the window on its own: the trend lines of a weekly or monthly report. An
    order goes to each day it has a part in (created, due, replied, closed)."""

    def order_days(order: OrderRecord) -> set[date]:
        days = {order.created_day, order.due_day, order.replied_day, order.closed_day}
        return {day for day in days if day is not None}

    parts = _Parts(
        records,
        call_in=lambda call: (call.day,),
        callback_in=lambda callback: (callback.day,),
        order_in=order_days,
        follow_up_in=lambda f: (f.finished_day,) if f.finished_day is not None else (),
    )
    return {
        day: figures(parts.records(day), Window(window.period, day, day + timedelta(days=1)), rules)
        for day in window.days()
    }

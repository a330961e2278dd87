"""A virtual clock walks unanswered orders through the 2026 National Day week (make-up Saturday
10-10 included): reminders twice a working day, escalation levels, catch-up after downtime."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest

from workorders.model import Category, Status, Urgency, WorkOrder
from workorders.policy import (
    WorkOrderPolicy,
    due_at,
    escalation_level_at,
    escalation_notifications,
    next_reminder_at,
    reminder_due,
    reminder_slots,
)
from workorders.state import Escalate, Remind, Reply, apply

from .work_order_data import CALENDAR, at, contacts, order

POLICY = WorkOrderPolicy()
STEP = timedelta(minutes=30)


def walk(
    work_order: WorkOrder, start: datetime, end: datetime, policy: WorkOrderPolicy = POLICY
) -> tuple[list[datetime], list[tuple[datetime, int]], WorkOrder]:
    """What a controller waking every 30 minutes does: the reminders it sends and each level
    change it applies (and sends), with the order as it ends up."""
    reminders: list[datetime] = []
    levels: list[tuple[datetime, int]] = []
    now = start
    while now <= end:
        if reminder_due(work_order, now, CALENDAR, policy):
            work_order = apply(work_order, Remind(), now).order
            reminders.append(now)
        level = escalation_level_at(work_order, now, CALENDAR, policy)
        if level > work_order.escalation_level:
            notifications = escalation_notifications(work_order, level, contacts())
            work_order = apply(work_order, Escalate(level, notifications), now).order
            levels.append((now, level))
        now += STEP
    return reminders, levels, work_order


def created(moment: datetime, category: Category = Category.CONTACT_JUDGE) -> WorkOrder:
    due = due_at(moment, category, Urgency.NORMAL, CALENDAR, POLICY)
    return order(created_at=moment, due_at=due, category=category)


def working_day_reminders(*days: tuple[int, int]) -> list[datetime]:
    return [at(month, day, hour) for month, day in days for hour in (9, 15)]


def test_holiday_week_reminders_and_escalation_of_an_order_taken_before_national_day() -> None:
    work_order = created(at(9, 30, 16))
    assert work_order.due_at == at(10, 8, 16)
    reminders, levels, final = walk(work_order, at(9, 30, 16), at(10, 12, 23, 30))
    # None on 09-30 after 16:00, none in the holiday week or on Sunday 10-11; 10-10 is worked.
    assert reminders == working_day_reminders((10, 8), (10, 9), (10, 10), (10, 12))
    # Past due after 10-08 16:00; one working day later, after 10-09 16:00.
    assert levels == [(at(10, 8, 16, 30), 1), (at(10, 9, 16, 30), 2)]
    assert final.reminders_sent == 8
    assert final.escalation_level == 2


def test_every_step_of_the_walk_has_the_expected_escalation_level() -> None:
    work_order = created(at(9, 30, 16))
    now = at(9, 30, 16)
    while now <= at(10, 12, 23, 30):
        expected = 0 if now <= at(10, 8, 16) else 1 if now <= at(10, 9, 16) else 2
        assert escalation_level_at(work_order, now, CALENDAR, POLICY) == expected, now
        now += STEP


def test_an_order_due_on_the_make_up_saturday_escalates_again_on_monday() -> None:
    work_order = created(at(10, 9, 10))
    assert work_order.due_at == at(10, 10, 10)
    reminders, levels, _ = walk(work_order, at(10, 9, 10), at(10, 13, 12))
    assert reminders == [
        at(10, 9, 15),
        *working_day_reminders((10, 10), (10, 12)),
        at(10, 13, 9),
    ]
    # Sunday 10-11 is no working day: level 2 waits for Monday 10:00.
    assert levels == [(at(10, 10, 10, 30), 1), (at(10, 12, 10, 30), 2)]


def test_an_order_taken_on_a_holiday_is_due_at_the_end_of_the_first_working_day() -> None:
    work_order = created(at(10, 3, 12))
    assert work_order.due_at == at(10, 9)
    reminders, levels, _ = walk(work_order, at(10, 3, 12), at(10, 10, 23, 30))
    assert reminders == working_day_reminders((10, 8), (10, 9), (10, 10))
    assert levels == [(at(10, 9, 0, 30), 1), (at(10, 10, 0, 30), 2)]


def test_mid_autumn_is_skipped_and_the_make_up_sunday_is_worked() -> None:
    assert reminder_slots(at(9, 19), at(9, 29), CALENDAR, POLICY) == working_day_reminders(
        (9, 20), (9, 21), (9, 22), (9, 23), (9, 24), (9, 28)
    )


def test_escalation_stops_at_the_configured_maximum_and_can_be_off() -> None:
    late = at(10, 20, 12)
    work_order = created(at(9, 30, 16))
    assert escalation_level_at(work_order, late, CALENDAR, POLICY) == 2
    four = WorkOrderPolicy(escalation_max_level=4)
    # Thresholds 10-08 16:00, 10-09 16:00, 10-10 16:00 (make-up), 10-12 16:00.
    for now, level in [
        (at(10, 10, 16), 2),
        (at(10, 10, 16, 1), 3),
        (at(10, 12, 16), 3),
        (at(10, 12, 16, 1), 4),
        (late, 4),
    ]:
        assert escalation_level_at(work_order, now, CALENDAR, four) == level, now
    off = WorkOrderPolicy(escalation_max_level=0)
    assert escalation_level_at(work_order, late, CALENDAR, off) == 0


def test_a_controller_down_for_a_day_sends_one_catch_up_reminder() -> None:
    work_order = created(at(9, 30, 16))
    # Up at 10-08 08:00, down until 10-09 16:00: three slots were missed.
    assert next_reminder_at(work_order, at(10, 8, 8), CALENDAR, POLICY) == at(10, 8, 9)
    back = at(10, 9, 16)
    assert next_reminder_at(work_order, back, CALENDAR, POLICY) == at(10, 9, 15)
    assert reminder_due(work_order, back, CALENDAR, POLICY)
    work_order = apply(work_order, Remind(), back).order
    assert not reminder_due(work_order, back + timedelta(minutes=1), CALENDAR, POLICY)
    assert next_reminder_at(work_order, back, CALENDAR, POLICY) == at(10, 10, 9)
    assert work_order.reminders_sent == 1


@pytest.mark.parametrize(
    ("created_at", "first"),
    [
        (at(10, 8, 9, 30), at(10, 8, 15)),
        (at(10, 8, 9), at(10, 8, 15)),  # a slot at the very moment of dispatch is not used
        (at(10, 8, 8, 59), at(10, 8, 9)),
        (at(10, 9, 15, 30), at(10, 10, 9)),
        (at(10, 10, 15, 30), at(10, 12, 9)),
        (at(10, 1, 9), at(10, 8, 9)),
    ],
)
def test_never_a_reminder_before_the_order_was_dispatched(
    created_at: datetime, first: datetime
) -> None:
    work_order = order(created_at=created_at)
    assert next_reminder_at(work_order, created_at, CALENDAR, POLICY) == first
    assert not reminder_due(work_order, created_at, CALENDAR, POLICY)


def test_at_most_one_reminder_per_slot_even_if_asked_again() -> None:
    work_order = created(at(9, 30, 16))
    now = at(10, 8, 9, 5)
    assert reminder_due(work_order, now, CALENDAR, POLICY)
    work_order = apply(work_order, Remind(), now).order
    for later in (now, at(10, 8, 12), at(10, 8, 14, 59)):
        assert not reminder_due(work_order, later, CALENDAR, POLICY)
    assert reminder_due(work_order, at(10, 8, 15), CALENDAR, POLICY)


@pytest.mark.parametrize("status", [Status.CREATED, Status.REPLIED, Status.CLOSED])
def test_only_a_dispatched_order_is_reminded_or_escalated(status: Status) -> None:
    work_order = replace(created(at(9, 30, 16)), status=status)
    assert next_reminder_at(work_order, at(10, 9, 10), CALENDAR, POLICY) is None
    assert escalation_level_at(work_order, at(10, 20), CALENDAR, POLICY) == 0


def test_a_reply_stops_the_reminders() -> None:
    work_order = created(at(9, 30, 16))
    reply = apply(work_order, Reply("已电话联系当事人", "j-li"), at(10, 8, 10)).order
    reminders, levels, _ = walk(reply, at(10, 8, 10), at(10, 12, 23))
    assert (reminders, levels) == ([], [])


def test_configured_reminder_times_and_reminders_off() -> None:
    three = WorkOrderPolicy(reminder_times=(time(8, 30), time(12, 0), time(16, 30)))
    reminders, _, _ = walk(created(at(10, 9, 10)), at(10, 9, 10), at(10, 10, 23))
    assert len(reminders) == 3
    reminders, _, _ = walk(created(at(10, 9, 10)), at(10, 9, 10), at(10, 10, 23), three)
    assert reminders == [
        at(10, 9, 12),
        at(10, 9, 16, 30),
        at(10, 10, 8, 30),
        at(10, 10, 12),
        at(10, 10, 16, 30),
    ]
    off = WorkOrderPolicy(reminder_times=())
    assert next_reminder_at(created(at(10, 9, 10)), at(10, 9, 16), CALENDAR, off) is None

"""Pure decisions on work orders: due times, who handles them, when to remind and escalate.

Every function takes plain data (the order, the directory's `CaseContacts`, a `WorkdayCalendar`,
the `WorkOrderPolicy`, the time) and returns plain data; the service does the sending.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from types import MappingProxyType
from typing import assert_never

from directory.model import CaseContacts, Court, Judge, Person
from schedule.calendar import ONE_DAY, WorkdayCalendar
from workorders.errors import InvalidWorkOrder, NoEligibleHandler
from workorders.model import (
    Category,
    EventKind,
    Handler,
    HandlerKind,
    Notify,
    Recipient,
    Status,
    Template,
    Urgency,
    WorkOrder,
    WorkOrderEvent,
    notification_key,
)

# Courts report "answered within 24 h or 2 working days": a judge is asked to call back within a
# working day; the other matters need a division to look into them.
DEFAULT_DUE_WORKING_DAYS: Mapping[Category, int] = MappingProxyType(
    {
        Category.CONTACT_JUDGE: 1,
        Category.COMPLAINT: 2,
        Category.DOCKETING_SUPERVISION: 2,
        Category.CONSULTATION_FOLLOW_UP: 2,
        Category.OTHER: 2,
    }
)
# Morning and afternoon, as courts press unanswered orders.
DEFAULT_REMINDER_TIMES = (time(9, 0), time(15, 0))
DEFAULT_ESCALATION_MAX_LEVEL = 2


@dataclass(frozen=True)
class WorkOrderPolicy:
    """The rules a court configures (`WorkOrdersSection.policy()` builds one from the YAML).

    `due_working_days` must name every category; `urgent_due_working_days` names only those an
    urgent order gets sooner. Reminder times are local times in the calendar's zone; none at all
    turns reminders off. `escalation_max_level` 0 turns escalation off.
    """

    due_working_days: Mapping[Category, int] = field(
        default_factory=lambda: dict(DEFAULT_DUE_WORKING_DAYS)
    )
    urgent_due_working_days: Mapping[Category, int] = field(default_factory=dict)
    reminder_times: tuple[time, ...] = DEFAULT_REMINDER_TIMES
    escalation_max_level: int = DEFAULT_ESCALATION_MAX_LEVEL

    def __post_init__(self) -> None:
        missing = [category.value for category in Category if category not in self.due_working_days]
        if missing:
            raise ValueError(f"due_working_days has no value for {', '.join(missing)}")
        for category, days in [
            *self.due_working_days.items(),
            *self.urgent_due_working_days.items(),
        ]:
            if days < 1:
                raise ValueError(f"{category}: an order is due after 1 working day or more")
        for category, urgent in self.urgent_due_working_days.items():
            if urgent > self.due_working_days[category]:
                raise ValueError(
                    f"{category}: an urgent order is due after {urgent} working days, later"
                    f" than a normal one ({self.due_working_days[category]})"
                )
        if list(self.reminder_times) != sorted(set(self.reminder_times)):
            raise ValueError("reminder_times must be in order, each once")
        if self.escalation_max_level < 0:
            raise ValueError("escalation_max_level must be 0 or more")

    def working_days_for(self, category: Category, urgency: Urgency) -> int:
        match urgency:
            case Urgency.URGENT:
                return self.urgent_due_working_days.get(category, self.due_working_days[category])
            case Urgency.NORMAL:
                return self.due_working_days[category]
            case _:
                assert_never(urgency)


# ---- due time -------------------------------------------------------------------------------
def due_at(
    created_at: datetime,
    category: Category,
    urgency: Urgency,
    calendar: WorkdayCalendar,
    policy: WorkOrderPolicy,
) -> datetime:
    """`created_at` plus the category's working days, on the court's calendar (调休 included).

    Counted as `WorkdayCalendar.add_working_days` does: Friday 10:00 + 1 is 10:00 on the next
    working day (a make-up Saturday if there is one); an order taken on a holiday is due at the
    end of a working day, written as 00:00 of the day after it.
    """
    return calendar.add_working_days(created_at, policy.working_days_for(category, urgency))


def is_overdue(order: WorkOrder, now: datetime) -> bool:
    """Answered (or, for an open order, still unanswered at `now`) after the due time.

    An order replied to or closed keeps the verdict of that moment, so graded orders and the
    weekly reports agree whenever they are read. Being answered exactly at the due time is on
    time.
    """
    answered_at = order.replied_at or order.closed_at or now
    return answered_at > order.due_at


# ---- dispatch -------------------------------------------------------------------------------
def dispatch_target(
    category: Category, contacts: CaseContacts, *, complained_judge_id: str | None
) -> Handler:
    """Who handles an order about the case in `contacts`: the first eligible one with a mobile.

    - Any category but a complaint: the judge in charge; else the division head; else the
      court's supervision office. `complained_judge_id` must be None.
    - A complaint about judge X (`complained_judge_id`, stated by the caller of this function;
      for "the judge of my case" pass `contacts.case.judge_id`): X's division head, when the
      directory shows X in the case's division and X is not that head; otherwise the court's
      supervision office. X never handles it, nor does anyone sharing X's mobile.
    - A complaint naming no judge (None): the supervision office.

    Someone without a mobile is passed over: a dispatch nobody can be told of would only be found
    when it is overdue. Raises `NoEligibleHandler` naming who was considered.
    """
    match category:
        case Category.COMPLAINT:
            candidates = _complaint_candidates(contacts, complained_judge_id)
        case (
            Category.CONTACT_JUDGE
            | Category.DOCKETING_SUPERVISION
            | Category.CONSULTATION_FOLLOW_UP
            | Category.OTHER
        ):
            if complained_judge_id is not None:
                raise InvalidWorkOrder(
                    f"a {category} order complains of nobody: complained_judge_id must be None"
                )
            candidates = _ordinary_candidates(contacts)
        case _:
            assert_never(category)
    return _first_reachable(candidates, f"case {contacts.case.case_number} ({category})")


def court_dispatch_target(court: Court | None) -> Handler:
    """The handler of an order with no case (nothing to find a judge by): the supervision office."""
    return _first_reachable(_office(court), "an order without a case number")


def _ordinary_candidates(contacts: CaseContacts) -> list[Handler]:
    candidates: list[Handler] = []
    if contacts.judge is not None:
        candidates.append(_judge_handler(contacts.judge, HandlerKind.JUDGE))
    if contacts.division_head is not None:
        candidates.append(_judge_handler(contacts.division_head, HandlerKind.DIVISION_HEAD))
    return candidates + _office(contacts.court)


def _complaint_candidates(contacts: CaseContacts, complained_judge_id: str | None) -> list[Handler]:
    candidates: list[Handler] = []
    head = contacts.division_head
    complained = _known_judge(contacts, complained_judge_id)
    # The head is only the complained judge's superior if the directory says they share the
    # division; a judge we cannot place goes to the supervision office, which is never wrong.
    if (
        head is not None
        and complained is not None
        and contacts.division is not None
        and complained.division_id == contacts.division.id
        and head.id != complained.id
    ):
        candidates.append(_judge_handler(head, HandlerKind.DIVISION_HEAD))
    candidates += _office(contacts.court)
    return [
        handler
        for handler in candidates
        if not _is_complained(handler.judge_id, handler.mobile, complained_judge_id, complained)
    ]


def _first_reachable(candidates: list[Handler], about: str) -> Handler:
    for handler in candidates:
        if handler.mobile:
            return handler
    if not candidates:
        raise NoEligibleHandler(
            f"nobody may handle {about}: no judge, division head or supervision office in the"
            " directory"
        )
    names = ", ".join(f"{handler.kind} {handler.name}" for handler in candidates)
    raise NoEligibleHandler(f"nobody can be sent {about}: no mobile for {names}")


def _judge_handler(judge: Judge, kind: HandlerKind) -> Handler:
    return Handler(kind, judge.name, judge.court_id, judge.mobile, judge.id, judge.division_id)


def _office(court: Court | None) -> list[Handler]:
    if court is None or court.supervision_office is None:
        return []
    office = court.supervision_office
    return [Handler(HandlerKind.SUPERVISION_OFFICE, office.name, court.id, office.mobile)]


def _known_judge(contacts: CaseContacts, judge_id: str | None) -> Judge | None:
    if judge_id is None:
        return None
    for judge in (contacts.judge, contacts.division_head, contacts.duty_judge):
        if judge is not None and judge.id == judge_id:
            return judge
    return None


def _is_complained(
    judge_id: str | None,
    mobile: str | None,
    complained_judge_id: str | None,
    complained: Judge | None,
) -> bool:
    if complained_judge_id is not None and judge_id == complained_judge_id:
        return True
    return bool(mobile) and complained is not None and mobile == complained.mobile


# ---- reminders ------------------------------------------------------------------------------
def next_reminder_at(
    order: WorkOrder, now: datetime, calendar: WorkdayCalendar, policy: WorkOrderPolicy
) -> datetime | None:
    """When the next reminder (催办) is due; at or before `now` means send one now.

    Reminder slots are the policy's reminder times on working days, strictly after the order was
    (last) dispatched. A slot is used up by any reminder sent at or after it (`last_reminder_at`).
    Only the latest slot up to `now` counts: a controller that was down over several slots
    sends one catch-up reminder, not one per missed slot, then waits for the next slot.
    None when the order is not dispatched (created, replied, closed) or reminders are off.
    """
    if order.status is not Status.DISPATCHED or order.dispatched_at is None:
        return None
    if not policy.reminder_times:
        return None
    floor = max(order.dispatched_at, order.created_at)
    latest = _latest_slot(floor, now, calendar, policy.reminder_times)
    if latest is not None and (order.last_reminder_at is None or order.last_reminder_at < latest):
        return latest
    after = max(now, order.last_reminder_at or floor, floor)
    return _first_slot_after(after, calendar, policy.reminder_times)


def reminder_due(
    order: WorkOrder, now: datetime, calendar: WorkdayCalendar, policy: WorkOrderPolicy
) -> bool:
    """Whether to apply `Remind()` now (see `next_reminder_at` for the rule)."""
    moment = next_reminder_at(order, now, calendar, policy)
    return moment is not None and moment <= now


def reminder_slots(
    start: datetime, end: datetime, calendar: WorkdayCalendar, policy: WorkOrderPolicy
) -> list[datetime]:
    """Every reminder slot s with start < s <= end (for pages and reports)."""
    slots: list[datetime] = []
    for slot in _slots_from(calendar.local(start).date(), calendar, policy.reminder_times):
        if slot > end:
            break
        if slot > start:
            slots.append(slot)
    return slots


def _slots_on(day: date, calendar: WorkdayCalendar, times: Iterable[time]) -> list[datetime]:
    if not calendar.is_working_day(day):
        return []
    return [datetime.combine(day, moment, tzinfo=calendar.zone) for moment in times]


def _slots_from(
    day: date, calendar: WorkdayCalendar, times: tuple[time, ...]
) -> Iterator[datetime]:
    # Endless on purpose; the calendar raises if a year passes without a working day.
    day = calendar.working_day_on_or_after(day)
    while True:
        yield from _slots_on(day, calendar, times)
        day = calendar.next_working_day(day)


def _first_slot_after(
    moment: datetime, calendar: WorkdayCalendar, times: tuple[time, ...]
) -> datetime:
    for slot in _slots_from(calendar.local(moment).date(), calendar, times):
        if slot > moment:
            return slot
    raise AssertionError("unreachable: _slots_from never ends")  # pragma: no cover


def _latest_slot(
    floor: datetime, now: datetime, calendar: WorkdayCalendar, times: tuple[time, ...]
) -> datetime | None:
    """The latest slot s with floor < s <= now, walking back from now."""
    day = calendar.local(now).date()
    first_day = calendar.local(floor).date()
    while day >= first_day:
        for slot in reversed(_slots_on(day, calendar, times)):
            if slot <= floor:
                return None
            if slot <= now:
                return slot
        day -= ONE_DAY
    return None


# ---- escalation -----------------------------------------------------------------------------
# A recipient wanted at some level: role, judge id (to recognise the complained judge), mobile.
_Wanted = tuple[Recipient, str | None, str | None]


def escalation_level_at(
    order: WorkOrder, now: datetime, calendar: WorkdayCalendar, policy: WorkOrderPolicy
) -> int:
    """The escalation (督办) level an unanswered order has reached at `now`.

    0 up to the due time; 1 once past it; 2 once past one working day after it; each further
    level one more working day; never above `escalation_max_level`. Only a dispatched order
    escalates (0 otherwise). The service applies `Escalate(level, ...)` when this is above
    `order.escalation_level`; after downtime it jumps to the current level at once.
    """
    if order.status is not Status.DISPATCHED or policy.escalation_max_level == 0:
        return 0
    threshold = order.due_at
    level = 0
    while level < policy.escalation_max_level and now > threshold:
        level += 1
        threshold = calendar.add_working_days(threshold, 1)
    return level


def escalation_notifications(
    order: WorkOrder, level: int, contacts: CaseContacts | None, *, court: Court | None = None
) -> tuple[Notify, ...]:
    """The SMS of escalation `level` (pass them in `Escalate(level, notifications)`).

    Level 1: the division clerk (内勤) and the division head (庭长). Level 2 and above: the
    division head again and the court's supervision office. People without a mobile are skipped,
    and a number is messaged once per level. For a complaint the complained judge is never
    messaged, and when that judge is the division head the division (head and clerk) is left
    out. If nobody is left, the supervision office is pressed instead, so an escalation always
    reaches someone when anyone can be reached. An order without a case has no `contacts`:
    pass None and its `court`, whose supervision office is pressed at every level.
    """
    if level < 1:
        raise InvalidWorkOrder(f"escalation levels start at 1, not {level}")
    if contacts is None:
        office = court.supervision_office if court is not None else None
        only_office: list[_Wanted] = [(Recipient.SUPERVISION_OFFICE, None, _mobile(office))]
        return tuple(_notify_each(order, level, only_office, None))
    complained = _known_judge(contacts, order.complained_judge_id)
    division_left_out = order.complained_judge_id is not None and (
        contacts.division_head is not None
        and contacts.division_head.id == order.complained_judge_id
    )
    head = None if division_left_out else contacts.division_head
    clerk = None
    if not division_left_out and contacts.division is not None:
        clerk = contacts.division.clerk
    office_court = contacts.court if contacts.court is not None else court
    office = office_court.supervision_office if office_court is not None else None

    wanted: list[_Wanted] = []
    if level == 1:
        wanted.append((Recipient.DIVISION_CLERK, None, _mobile(clerk)))
        wanted.append((Recipient.DIVISION_HEAD, _id(head), _mobile(head)))
    else:
        wanted.append((Recipient.DIVISION_HEAD, _id(head), _mobile(head)))
        wanted.append((Recipient.SUPERVISION_OFFICE, None, _mobile(office)))
    notifications = _notify_each(order, level, wanted, complained)
    if not notifications:
        notifications = _notify_each(
            order, level, [(Recipient.SUPERVISION_OFFICE, None, _mobile(office))], complained
        )
    return tuple(notifications)


def _notify_each(
    order: WorkOrder,
    level: int,
    wanted: Sequence[_Wanted],
    complained: Judge | None,
) -> list[Notify]:
    notifications: list[Notify] = []
    seen: set[str] = set()
    for role, judge_id, mobile in wanted:
        if not mobile or mobile in seen:
            continue
        if _is_complained(judge_id, mobile, order.complained_judge_id, complained):
            continue
        seen.add(mobile)
        key = notification_key(order, f"escalation-{level}-{role}")
        notifications.append(Notify(mobile, role, Template.ESCALATION, key))
    return notifications


def _mobile(person: Person | Judge | None) -> str | None:
    return person.mobile if person is not None else None


def _id(judge: Judge | None) -> str | None:
    return judge.id if judge is not None else None


# ---- urgent contact -------------------------------------------------------------------------
def urgent_unreached_notifications(contacts: CaseContacts, call_id: str) -> tuple[Notify, ...]:
    """SMS to the judge in charge and the division head after an urgent contact nobody answered.

    Rendered by `messages.urgent_unreached_sms`; keyed by the call so a retry sends none twice.
    """
    notifications: list[Notify] = []
    seen: set[str] = set()
    for role, judge in (
        (Recipient.JUDGE, contacts.judge),
        (Recipient.DIVISION_HEAD, contacts.division_head),
    ):
        if judge is None or not judge.mobile or judge.mobile in seen:
            continue
        seen.add(judge.mobile)
        key = f"urgent-contact-{call_id}-unreached-{role}"
        notifications.append(Notify(judge.mobile, role, Template.URGENT_UNREACHED, key))
    return tuple(notifications)


# ---- the handler's phone call ---------------------------------------------------------------
def phoned_caller_at(history: Iterable[WorkOrderEvent]) -> datetime | None:
    """When the handler last said they had phoned the caller, in the order's current round.

    `history` is the order's events in the order they happened. A reopen starts a new round:
    the caller said they were not helped, so a call made before it no longer counts.
    """
    latest: datetime | None = None
    for event in history:
        if event.kind is EventKind.REOPENED:
            latest = None
        elif event.kind is EventKind.PHONED_CALLER:
            latest = event.at
    return latest


# ---- duplicates -----------------------------------------------------------------------------
def open_duplicate(
    open_orders: Iterable[WorkOrder],
    court_id: str,
    case_number: str | None,
    caller_number: str,
    category: Category,
) -> WorkOrder | None:
    """The open order a new call repeats, to record it as a `FollowUp` instead of a new order.

    A repeat is an order that is not closed, in the same court, from the same caller number, of
    the same category and — when the new call names a case — about the same case (written the
    same once full-width characters and spaces are normalised). A call without a case number
    repeats the caller's open order of that category whatever case it is about.

    The caller number is part of the match because the reply goes to the order's caller: the
    other party of a case must not receive it. The category is, because it decides the handler:
    a complaint never joins a contact-the-judge order held by the judge complained of.
    A closed order is never repeated: calling again after it was closed makes a new order (or
    the agent reopens the old one). Of several matches, the oldest.
    """
    number = _plain(caller_number)
    case = _plain(case_number) if case_number else None
    matches = [
        order
        for order in open_orders
        if order.is_open
        and order.court_id == court_id
        and order.category is category
        and _plain(order.caller_number) == number
        and (case is None or (order.case_number is not None and _plain(order.case_number) == case))
    ]
    if not matches:
        return None
    return min(matches, key=lambda order: (order.created_at, order.id or 0))


def _plain(text: str) -> str:
    # （2026）京0105民初1号 typed with full-width brackets is the same case as (2026)京0105民初1号.
    normalised = unicodedata.normalize("NFKC", text)
    return "".join(normalised.split()).replace("-", "")

"""The work-order lifecycle: `apply(order, action, now)`. Pure; no I/O.

    created ──Dispatch──▶ dispatched ──Reply──▶ closed ──Reopen──▶ dispatched …
       │                     │  ╰─Reply(close=False)─▶ replied ──Close──▶ closed
       ╰──────Close──────────┴──Close──▶ closed

Remind, Escalate, FollowUp and PhonedCaller leave the status as it is. An action the status
does not allow raises `BadTransition` (always, never a silent no-op), so the service logs one
kind of refusal. The service stores the new order, its events and its notifications in one
transaction; the notifications then leave through an outbox that drops repeated idempotency keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import assert_never

from directory.model import check_phone
from workorders.errors import (
    BadTransition,
    EmptyReply,
    EscalationNotHigher,
    InvalidWorkOrder,
    WorkOrderNotStored,
)
from workorders.model import (
    Category,
    EventKind,
    Handler,
    Notify,
    Recipient,
    Status,
    Template,
    Urgency,
    WorkOrder,
    WorkOrderEvent,
    notification_key,
)

SYSTEM = "system"  # the actor of what the switch does by itself (reminders, escalation)
CALLER = "caller"


# ---- actions --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Dispatch:
    """Send a created order to its handler: an SMS to the handler's mobile at once."""

    by: str = SYSTEM


@dataclass(frozen=True)
class Reply:
    """The handler's answer, sent to the caller by SMS.

    It closes the order, as courts run it. `close=False` keeps it `replied` for courts where an
    agent reads replies before closing them; the caller's SMS goes at once either way.
    """

    text: str = field(repr=False)
    by: str
    close: bool = True


@dataclass(frozen=True)
class PhonedCaller:
    """The handler has phoned the caller (我已电话联系当事人), pressed on the reply page.

    Recorded with its time for the page, the history and the quality callback ("did the judge
    call?"), on an open order only. It neither replies nor closes: the reply still says what
    was agreed and is what the caller's SMS and the grading read, so reminders go on until it.
    """

    by: str


@dataclass(frozen=True)
class Close:
    """Close without (or after) a reply: withdrawn, solved on the phone, reply reviewed."""

    by: str


@dataclass(frozen=True)
class Reopen:
    """The caller was not helped: dispatch the closed order again, due at `due_at`.

    `due_at` comes from `policy.due_at(now, ...)`: the lifecycle knows no calendar.
    """

    reason: str
    by: str
    due_at: datetime


@dataclass(frozen=True)
class FollowUp:
    """A repeat call about an open order (see `policy.open_duplicate`)."""

    note: str = field(repr=False)
    caller_number: str = field(repr=False)


@dataclass(frozen=True)
class Remind:
    """催办: one SMS to the handler; the service applies it when `policy.reminder_due`."""


@dataclass(frozen=True)
class Escalate:
    """督办 to `level`, with the SMS from `policy.escalation_notifications(order, level, ...)`.

    The recipients come from the directory, which the lifecycle does not read; it checks the
    level only goes up and records the step.
    """

    level: int
    notifications: tuple[Notify, ...] = ()


Action = Dispatch | Reply | PhonedCaller | Close | Reopen | FollowUp | Remind | Escalate


@dataclass(frozen=True)
class Transition:
    order: WorkOrder
    events: tuple[WorkOrderEvent, ...]
    notifications: tuple[Notify, ...] = ()


def create(
    *,
    court_id: str,
    case_number: str | None,
    category: Category,
    urgency: Urgency,
    caller_number: str,
    content: str,
    handler: Handler,
    due_at: datetime,
    now: datetime,
    by: str,
    complained_judge_id: str | None = None,
) -> Transition:
    """A new order (id None, status created) and its `created` event; nothing is sent yet.

    `handler` comes from `policy.dispatch_target`, `due_at` from `policy.due_at`. Store the
    order, then `apply(order, Dispatch(), now)` to send it.
    """
    text = content.strip()
    if not text:
        raise InvalidWorkOrder("a work order needs content: what does the caller ask for?")
    try:
        number = check_phone(caller_number)
    except ValueError as exc:
        raise InvalidWorkOrder(
            f"caller number {exc}: the handler must be able to call back"
        ) from exc
    case = case_number.strip() if case_number is not None else None
    order = WorkOrder(
        id=None,
        court_id=court_id,
        case_number=case or None,
        category=category,
        urgency=urgency,
        caller_number=number,
        content=text,
        created_at=now,
        due_at=due_at,
        handler=handler,
        complained_judge_id=complained_judge_id,
    )
    detail = f"{category} {urgency}, handler {handler.kind} {handler.name}"
    return Transition(order, (WorkOrderEvent(now, EventKind.CREATED, by, detail),))


def apply(order: WorkOrder, action: Action, now: datetime) -> Transition:
    """The order after `action` at `now`, what to record, and what to send.

    Raises `WorkOrderNotStored` for an order without an id, `BadTransition` (code
    "work-order-bad-transition") when the status does not allow the action, and the more
    precise `EmptyReply`, `EscalationNotHigher` or `InvalidWorkOrder` for bad action data.
    """
    if order.id is None:
        raise WorkOrderNotStored("store the work order before acting on it: it has no id yet")
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidWorkOrder(f"now {now.isoformat()} must be timezone-aware")
    match action:
        case Dispatch(by):
            _require(order, action, Status.CREATED)
            dispatched = replace(order, status=Status.DISPATCHED, dispatched_at=now)
            return Transition(
                dispatched,
                (WorkOrderEvent(now, EventKind.DISPATCHED, by, _handler_detail(order)),),
                _to_handler(dispatched, Template.DISPATCH, "dispatch"),
            )
        case Reply(text, by, close):
            _require(order, action, Status.DISPATCHED)
            reply = text.strip()
            if not reply:
                raise EmptyReply(f"work order {order.id}: the reply is empty")
            replied = replace(
                order,
                status=Status.CLOSED if close else Status.REPLIED,
                reply=reply,
                replied_by=by,
                replied_at=now,
                closed_at=now if close else None,
            )
            events = [WorkOrderEvent(now, EventKind.REPLIED, by, f"{len(reply)} characters")]
            if close:
                events.append(WorkOrderEvent(now, EventKind.CLOSED, by, "closed by the reply"))
            notify = Notify(
                replied.caller_number,
                Recipient.CALLER,
                Template.REPLY,
                notification_key(order, "reply"),
            )
            return Transition(replied, tuple(events), (notify,))
        case PhonedCaller(by):
            _require(order, action, Status.CREATED, Status.DISPATCHED, Status.REPLIED)
            event = WorkOrderEvent(
                now, EventKind.PHONED_CALLER, by, "the handler phoned the caller"
            )
            return Transition(order, (event,))
        case Close(by):
            _require(order, action, Status.CREATED, Status.DISPATCHED, Status.REPLIED)
            closed = replace(order, status=Status.CLOSED, closed_at=now)
            detail = "after the reply" if order.reply is not None else "without a reply"
            return Transition(closed, (WorkOrderEvent(now, EventKind.CLOSED, by, detail),))
        case Reopen(reason, by, due_at):
            _require(order, action, Status.CLOSED)
            if not reason.strip():
                raise InvalidWorkOrder(f"work order {order.id}: say why it is reopened")
            if due_at <= now:
                raise InvalidWorkOrder(
                    f"work order {order.id}: the new due time {due_at.isoformat()} is not after"
                    f" {now.isoformat()}"
                )
            reopened = replace(
                order,
                status=Status.DISPATCHED,
                due_at=due_at,
                dispatched_at=now,
                escalation_level=0,
                last_reminder_at=None,
                reply=None,
                replied_by=None,
                replied_at=None,
                closed_at=None,
                reopened_count=order.reopened_count + 1,
            )
            return Transition(
                reopened,
                (
                    WorkOrderEvent(now, EventKind.REOPENED, by, reason.strip()),
                    WorkOrderEvent(now, EventKind.DISPATCHED, by, _handler_detail(order)),
                ),
                _to_handler(reopened, Template.DISPATCH, "dispatch"),
            )
        case FollowUp(note, caller_number):
            _require(order, action, Status.CREATED, Status.DISPATCHED, Status.REPLIED)
            count = order.follow_ups + 1
            followed = replace(order, follow_ups=count)
            same = caller_number.strip() == order.caller_number
            detail = note.strip() + ("" if same else " (from another number)")
            event = WorkOrderEvent(now, EventKind.FOLLOW_UP, CALLER, detail)
            # Only a handler who has the order is pressed by the caller's call; before the
            # dispatch the dispatch SMS itself is still to come, after the reply it is answered.
            pressed = (
                _to_handler(followed, Template.FOLLOW_UP, f"follow-up-{count}")
                if order.status is Status.DISPATCHED
                else ()
            )
            return Transition(followed, (event,), pressed)
        case Remind():
            _require(order, action, Status.DISPATCHED)
            count = order.reminders_sent + 1
            reminded = replace(order, reminders_sent=count, last_reminder_at=now)
            return Transition(
                reminded,
                (WorkOrderEvent(now, EventKind.REMINDED, SYSTEM, f"reminder {count}"),),
                _to_handler(reminded, Template.REMINDER, f"reminder-{count}"),
            )
        case Escalate(level, notifications):
            _require(order, action, Status.DISPATCHED)
            if level <= order.escalation_level:
                raise EscalationNotHigher(
                    f"work order {order.id} is at escalation level {order.escalation_level}"
                    f" already; level {level} was sent",
                    status=order.status,
                    action=type(action).__name__,
                )
            escalated = replace(order, escalation_level=level)
            roles = ", ".join(notify.to_role for notify in notifications) or "nobody reachable"
            return Transition(
                escalated,
                (WorkOrderEvent(now, EventKind.ESCALATED, SYSTEM, f"level {level}: {roles}"),),
                notifications,
            )
        case _:
            assert_never(action)


def _require(order: WorkOrder, action: Action, *allowed: Status) -> None:
    if order.status in allowed:
        return
    name = type(action).__name__
    expected = " or ".join(allowed)
    raise BadTransition(
        f"work order {order.id} is {order.status}: {name} needs it {expected}",
        status=order.status,
        action=name,
    )


def _to_handler(order: WorkOrder, template: Template, step: str) -> tuple[Notify, ...]:
    # A handler without a mobile is not chosen by policy.dispatch_target; one set by hand gets
    # no SMS, and escalation still reaches the division.
    mobile = order.handler.mobile
    if not mobile:
        return ()
    return (Notify(mobile, Recipient.HANDLER, template, notification_key(order, step)),)


def _handler_detail(order: WorkOrder) -> str:
    return f"to {order.handler.kind} {order.handler.name}"

"""Work orders (工单) as data: what was asked, who handles it, where it stands; no I/O.

Caller numbers, handler mobiles and the content are personal data: they are kept out of `repr`
so a logged order does not carry them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from workorders.errors import InvalidWorkOrder, WorkOrderNotStored


class Category(enum.StrEnum):
    CONTACT_JUDGE = "contact_judge"  # 联系法官
    COMPLAINT = "complaint"  # 投诉 (司法作风投诉)
    DOCKETING_SUPERVISION = "docketing_supervision"  # 不立案督办
    CONSULTATION_FOLLOW_UP = "consultation_follow_up"  # 咨询跟进
    OTHER = "other"


class Urgency(enum.StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class Status(enum.StrEnum):
    CREATED = "created"  # registered by the agent, not yet sent to the handler
    DISPATCHED = "dispatched"  # the handler has it and is pressed until they reply
    REPLIED = "replied"  # answered, the caller told; waiting to be closed (Reply(close=False))
    CLOSED = "closed"  # done; can be reopened, which dispatches it again


class HandlerKind(enum.StrEnum):
    JUDGE = "judge"  # the judge in charge (承办法官)
    DIVISION_HEAD = "division_head"  # 庭长
    SUPERVISION_OFFICE = "supervision_office"  # the court's 督查室


class EventKind(enum.StrEnum):
    CREATED = "created"
    DISPATCHED = "dispatched"
    REMINDED = "reminded"
    ESCALATED = "escalated"
    FOLLOW_UP = "follow_up"
    PHONED_CALLER = "phoned_caller"  # the handler says they have phoned the caller
    REPLIED = "replied"
    CLOSED = "closed"
    REOPENED = "reopened"


class Recipient(enum.StrEnum):
    """Whom a notification is for, as stored in the outbox and shown on the order's page."""

    HANDLER = "handler"
    CALLER = "caller"
    JUDGE = "judge"
    DIVISION_CLERK = "division_clerk"
    DIVISION_HEAD = "division_head"
    SUPERVISION_OFFICE = "supervision_office"


class Template(enum.StrEnum):
    """Which SMS of `workorders.messages` renders a notification."""

    DISPATCH = "dispatch"  # dispatch_sms
    REMINDER = "reminder"  # reminder_sms
    ESCALATION = "escalation"  # escalation_sms
    FOLLOW_UP = "follow_up"  # follow_up_sms
    REPLY = "reply"  # reply_sms
    URGENT_UNREACHED = "urgent_unreached"  # urgent_unreached_sms


CATEGORY_LABELS: Mapping[Category, str] = MappingProxyType(
    {
        Category.CONTACT_JUDGE: "联系法官",
        Category.COMPLAINT: "投诉",
        Category.DOCKETING_SUPERVISION: "不立案督办",
        Category.CONSULTATION_FOLLOW_UP: "咨询跟进",
        Category.OTHER: "其他",
    }
)
STATUS_LABELS: Mapping[Status, str] = MappingProxyType(
    {
        Status.CREATED: "待派单",
        Status.DISPATCHED: "办理中",
        Status.REPLIED: "已回复",
        Status.CLOSED: "已办结",
    }
)
URGENCY_LABELS: Mapping[Urgency, str] = MappingProxyType(
    {Urgency.NORMAL: "普通", Urgency.URGENT: "紧急"}
)
HANDLER_LABELS: Mapping[HandlerKind, str] = MappingProxyType(
    {
        HandlerKind.JUDGE: "承办法官",
        HandlerKind.DIVISION_HEAD: "庭长",
        HandlerKind.SUPERVISION_OFFICE: "督查室",
    }
)


@dataclass(frozen=True)
class Handler:
    """Who must answer the order. `judge_id` is None for the supervision office."""

    kind: HandlerKind
    name: str
    court_id: str
    mobile: str | None = field(default=None, repr=False)
    judge_id: str | None = None
    division_id: str | None = None


@dataclass(frozen=True)
class WorkOrder:
    """One work order. Build new ones with `workorders.state.create`; change them with `apply`.

    `id` is None until the store has given it one; every action needs it, because the keys that
    deduplicate notifications are made from it. All times are timezone-aware.
    """

    id: int | None
    court_id: str
    case_number: str | None
    category: Category
    urgency: Urgency
    caller_number: str = field(repr=False)
    content: str = field(repr=False)
    created_at: datetime
    due_at: datetime
    handler: Handler
    status: Status = Status.CREATED
    # For a complaint: the judge complained of, who must never handle or be pressed about it.
    complained_judge_id: str | None = None
    dispatched_at: datetime | None = None  # the latest dispatch (a reopen dispatches again)
    escalation_level: int = 0  # 0 none; 1 past due; 2 one working day later... (see policy)
    reminders_sent: int = 0  # over the order's whole life, so reminder keys never repeat
    last_reminder_at: datetime | None = None
    reply: str | None = field(default=None, repr=False)
    replied_by: str | None = None
    replied_at: datetime | None = None
    closed_at: datetime | None = None
    reopened_count: int = 0
    follow_ups: int = 0  # repeat calls recorded on this order instead of new orders

    def __post_init__(self) -> None:
        for name in (
            "created_at",
            "due_at",
            "dispatched_at",
            "last_reminder_at",
            "replied_at",
            "closed_at",
        ):
            _require_aware(name, getattr(self, name))
        if self.due_at < self.created_at:
            raise InvalidWorkOrder(
                f"due_at {self.due_at.isoformat()} is before created_at"
                f" {self.created_at.isoformat()}"
            )
        if self.complained_judge_id is not None and self.category is not Category.COMPLAINT:
            raise InvalidWorkOrder(
                f"complained_judge_id is only for complaints, not for {self.category}"
            )

    @property
    def is_open(self) -> bool:
        """Not closed: a repeat call about it is a follow-up, not a new order."""
        return self.status is not Status.CLOSED


@dataclass(frozen=True)
class WorkOrderEvent:
    """One line of the order's history, stored as it happened."""

    at: datetime
    kind: EventKind
    actor: str  # an agent's or judge's id, "caller", or "system"
    detail: str = ""


@dataclass(frozen=True)
class Notify:
    """An SMS to send through the outbox, which drops a second one with the same key.

    The key depends only on the order and the step (which reminder, which escalation level and
    recipient), so a transition computed again after a crash yields the same keys.
    """

    to_number: str = field(repr=False)
    to_role: Recipient
    template: Template
    idempotency_key: str


def notification_key(order: WorkOrder, step: str) -> str:
    """The outbox key of one step of one order, e.g. "work-order-7-reminder-2".

    After a reopen the escalation levels and the dispatch start again, so the round is part of
    the key ("work-order-7-reopen-1-escalation-1-division_head"); otherwise the outbox would
    drop the second round as a repeat of the first.
    """
    if order.id is None:
        raise WorkOrderNotStored("a work order without an id has no notification keys")
    round_part = f"-reopen-{order.reopened_count}" if order.reopened_count else ""
    return f"work-order-{order.id}{round_part}-{step}"


def _require_aware(name: str, moment: datetime | None) -> None:
    if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
        raise InvalidWorkOrder(f"{name} {moment.isoformat()} must be timezone-aware")

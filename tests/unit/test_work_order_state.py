"""The work-order lifecycle: every status against every action, and what each one sends."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from workorders.errors import (
    BadTransition,
    EmptyReply,
    EscalationNotHigher,
    InvalidWorkOrder,
    WorkOrderError,
    WorkOrderNotStored,
)
from workorders.model import (
    CATEGORY_LABELS,
    HANDLER_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
    Category,
    EventKind,
    HandlerKind,
    Notify,
    Recipient,
    Status,
    Template,
    Urgency,
    WorkOrder,
)
from workorders.state import (
    Action,
    Close,
    Dispatch,
    Escalate,
    FollowUp,
    PhonedCaller,
    Remind,
    Reopen,
    Reply,
    Transition,
    apply,
    create,
)

from .work_order_data import CALLER, CASE, LI, LI_HANDLER, at, order

NOW = at(10, 8, 10)
ACTIONS: dict[str, Action] = {
    "Dispatch": Dispatch(),
    "Reply": Reply("已与当事人电话沟通，开庭时间为10月20日", "j-li"),
    "PhonedCaller": PhonedCaller("reply-link"),
    "Close": Close("agent-3"),
    "Reopen": Reopen("当事人称法官未回电", "agent-3", at(10, 9, 10)),
    "FollowUp": FollowUp("当事人再次来电催问", CALLER),
    "Remind": Remind(),
    "Escalate": Escalate(1),
}
BAD = "work-order-bad-transition"
# Each status against each action: the status after it, or the error's stable code.
TABLE: dict[Status, dict[str, Status | str]] = {
    Status.CREATED: {
        "Dispatch": Status.DISPATCHED,
        "Reply": BAD,
        "PhonedCaller": Status.CREATED,
        "Close": Status.CLOSED,
        "Reopen": BAD,
        "FollowUp": Status.CREATED,
        "Remind": BAD,
        "Escalate": BAD,
    },
    Status.DISPATCHED: {
        "Dispatch": BAD,
        "Reply": Status.CLOSED,
        "PhonedCaller": Status.DISPATCHED,
        "Close": Status.CLOSED,
        "Reopen": BAD,
        "FollowUp": Status.DISPATCHED,
        "Remind": Status.DISPATCHED,
        "Escalate": Status.DISPATCHED,
    },
    Status.REPLIED: {
        "Dispatch": BAD,
        "Reply": BAD,
        "PhonedCaller": Status.REPLIED,
        "Close": Status.CLOSED,
        "Reopen": BAD,
        "FollowUp": Status.REPLIED,
        "Remind": BAD,
        "Escalate": BAD,
    },
    Status.CLOSED: {
        "Dispatch": BAD,
        "Reply": BAD,
        "PhonedCaller": BAD,
        "Close": BAD,
        "Reopen": Status.DISPATCHED,
        "FollowUp": BAD,
        "Remind": BAD,
        "Escalate": BAD,
    },
}


def in_status(status: Status) -> WorkOrder:
    created = order(status=Status.CREATED, created_at=at(9, 30, 16))
    match status:
        case Status.CREATED:
            return created
        case Status.DISPATCHED:
            return apply(created, Dispatch(), at(9, 30, 16)).order
        case Status.REPLIED:
            dispatched = in_status(Status.DISPATCHED)
            return apply(dispatched, Reply("已回电", "j-li", close=False), at(10, 8, 9)).order
        case Status.CLOSED:
            return apply(in_status(Status.DISPATCHED), Reply("已回电", "j-li"), at(10, 8, 9)).order


def test_the_table_covers_every_status_and_action() -> None:
    assert set(TABLE) == set(Status)
    assert all(set(row) == set(ACTIONS) for row in TABLE.values())


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action_name", list(ACTIONS))
def test_every_status_and_action(status: Status, action_name: str) -> None:
    work_order = in_status(status)
    assert work_order.status is status
    expected = TABLE[status][action_name]
    if isinstance(expected, Status):
        transition = apply(work_order, ACTIONS[action_name], NOW)
        assert transition.order.status is expected
        assert transition.events, "every transition is recorded"
    else:
        with pytest.raises(WorkOrderError) as raised:
            apply(work_order, ACTIONS[action_name], NOW)
        assert raised.value.code == expected
        assert isinstance(raised.value, BadTransition)
        assert (raised.value.status, raised.value.action) == (status, action_name)
        assert f"is {status}" in str(raised.value)


def test_create_registers_the_order_and_sends_nothing() -> None:
    transition = create(
        court_id="chaoyang",
        case_number=f"  {CASE} ",
        category=Category.CONTACT_JUDGE,
        urgency=Urgency.URGENT,
        caller_number="139 0000 1111",
        content="  请法官回电  ",
        handler=LI_HANDLER,
        due_at=at(10, 8, 16),
        now=at(9, 30, 16),
        by="agent-3",
    )
    created = transition.order
    assert (created.id, created.status, created.case_number) == (None, Status.CREATED, CASE)
    assert (created.caller_number, created.content) == (CALLER, "请法官回电")
    assert [event.kind for event in transition.events] == [EventKind.CREATED]
    assert transition.events[0].actor == "agent-3"
    assert transition.notifications == ()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"content": "  "}, "needs content"),
        ({"caller_number": "anonymous"}, "call back"),
        ({"due_at": at(9, 30, 15)}, "before created_at"),
        ({"now": datetime(2026, 9, 30, 16)}, "timezone-aware"),
        ({"complained_judge_id": "j-li"}, "only for complaints"),
    ],
)
def test_create_refuses_what_cannot_be_a_work_order(
    changes: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {
        "court_id": "chaoyang",
        "case_number": CASE,
        "category": Category.CONTACT_JUDGE,
        "urgency": Urgency.NORMAL,
        "caller_number": CALLER,
        "content": "请法官回电",
        "handler": LI_HANDLER,
        "due_at": at(10, 8, 16),
        "now": at(9, 30, 16),
        "by": "agent-3",
        **changes,
    }
    with pytest.raises(InvalidWorkOrder, match=message) as raised:
        create(**arguments)  # type: ignore[arg-type]
    assert raised.value.code == "work-order-invalid"


def test_dispatch_messages_the_handler_at_once() -> None:
    transition = apply(in_status(Status.CREATED), Dispatch("agent-3"), at(9, 30, 16))
    assert transition.notifications == (
        Notify(LI.mobile or "", Recipient.HANDLER, Template.DISPATCH, "work-order-7-dispatch"),
    )
    assert transition.order.dispatched_at == at(9, 30, 16)
    assert [(e.kind, e.actor) for e in transition.events] == [(EventKind.DISPATCHED, "agent-3")]


def test_a_handler_without_a_mobile_is_dispatched_without_an_sms() -> None:
    silent = replace(in_status(Status.CREATED), handler=replace(LI_HANDLER, mobile=None))
    transition = apply(silent, Dispatch(), NOW)
    assert transition.order.status is Status.DISPATCHED
    assert transition.notifications == ()


def test_the_reply_goes_to_the_caller_by_sms_and_closes_the_order() -> None:
    transition = apply(in_status(Status.DISPATCHED), Reply("  已回电  ", "j-li"), NOW)
    replied = transition.order
    assert (replied.status, replied.reply, replied.replied_by) == (Status.CLOSED, "已回电", "j-li")
    assert replied.replied_at == replied.closed_at == NOW
    assert [event.kind for event in transition.events] == [EventKind.REPLIED, EventKind.CLOSED]
    assert transition.notifications == (
        Notify(CALLER, Recipient.CALLER, Template.REPLY, "work-order-7-reply"),
    )


def test_a_reply_kept_open_for_review_is_closed_later_without_a_second_sms() -> None:
    transition = apply(in_status(Status.DISPATCHED), Reply("已回电", "j-li", close=False), NOW)
    assert transition.order.status is Status.REPLIED
    assert transition.order.closed_at is None
    assert [n.to_role for n in transition.notifications] == [Recipient.CALLER]
    closed = apply(transition.order, Close("agent-3"), NOW + timedelta(hours=1))
    assert closed.order.status is Status.CLOSED
    assert closed.notifications == ()
    assert closed.events[0].detail == "after the reply"


@pytest.mark.parametrize("status", [Status.CREATED, Status.DISPATCHED, Status.REPLIED])
def test_phoning_the_caller_is_recorded_with_its_time_and_changes_nothing_else(
    status: Status,
) -> None:
    before = in_status(status)
    transition = apply(before, PhonedCaller("reply-link"), NOW)
    assert transition.order == before
    assert [(e.at, e.kind, e.actor) for e in transition.events] == [
        (NOW, EventKind.PHONED_CALLER, "reply-link")
    ]
    assert transition.notifications == ()


def test_a_judge_who_phoned_then_replies_leaves_both_in_the_history() -> None:
    phoned = apply(in_status(Status.DISPATCHED), PhonedCaller("reply-link"), at(10, 8, 9))
    replied = apply(phoned.order, Reply("已电话沟通，下周二谈话", "reply-link"), at(10, 8, 9, 20))
    assert replied.order.status is Status.CLOSED
    assert [e.kind for e in (*phoned.events, *replied.events)] == [
        EventKind.PHONED_CALLER,
        EventKind.REPLIED,
        EventKind.CLOSED,
    ]
    # Reminders stop at the reply, not at the call: the reply is what the caller is sent.
    assert apply(phoned.order, Remind(), at(10, 8, 15)).order.reminders_sent == 1


def test_a_closed_order_cannot_record_a_phone_call() -> None:
    with pytest.raises(BadTransition, match="is closed: PhonedCaller needs it"):
        apply(in_status(Status.CLOSED), PhonedCaller("reply-link"), NOW)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_reply_is_refused(text: str) -> None:
    with pytest.raises(EmptyReply) as raised:
        apply(in_status(Status.DISPATCHED), Reply(text, "j-li"), NOW)
    assert raised.value.code == "work-order-empty-reply"


def test_reopen_dispatches_again_with_a_new_due_time_and_fresh_keys() -> None:
    closed = in_status(Status.CLOSED)
    transition = apply(closed, Reopen(" 法官未回电 ", "agent-3", at(10, 9, 10)), NOW)
    reopened = transition.order
    assert (reopened.status, reopened.reopened_count, reopened.due_at) == (
        Status.DISPATCHED,
        1,
        at(10, 9, 10),
    )
    assert (reopened.reply, reopened.replied_at, reopened.closed_at) == (None, None, None)
    assert (reopened.dispatched_at, reopened.escalation_level) == (NOW, 0)
    assert [(e.kind, e.detail) for e in transition.events] == [
        (EventKind.REOPENED, "法官未回电"),
        (EventKind.DISPATCHED, "to judge 李法官"),
    ]
    assert [n.idempotency_key for n in transition.notifications] == [
        "work-order-7-reopen-1-dispatch"
    ]
    # Escalation starts again, and its keys differ from the first round's.
    again = apply(reopened, Escalate(1), at(10, 9, 11))
    assert again.order.escalation_level == 1
    reply = apply(reopened, Reply("已回电", "j-li"), at(10, 9, 9))
    assert [n.idempotency_key for n in reply.notifications] == ["work-order-7-reopen-1-reply"]


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (Reopen("  ", "agent-3", at(10, 9, 10)), "say why"),
        (Reopen("未回电", "agent-3", NOW), "not after"),
    ],
)
def test_reopen_needs_a_reason_and_a_due_time_ahead(action: Reopen, message: str) -> None:
    with pytest.raises(InvalidWorkOrder, match=message):
        apply(in_status(Status.CLOSED), action, NOW)


def test_reminders_are_counted_and_keyed_by_their_number() -> None:
    work_order = in_status(Status.DISPATCHED)
    keys = []
    for hour in (9, 15):
        transition = apply(work_order, Remind(), at(10, 8, hour))
        work_order = transition.order
        keys += [n.idempotency_key for n in transition.notifications]
        assert transition.notifications[0].template is Template.REMINDER
    assert keys == ["work-order-7-reminder-1", "work-order-7-reminder-2"]
    assert (work_order.reminders_sent, work_order.last_reminder_at) == (2, at(10, 8, 15))


def test_escalation_only_goes_up_and_sends_what_the_policy_chose() -> None:
    notify = Notify("13800000002", Recipient.DIVISION_HEAD, Template.ESCALATION, "k-1")
    transition = apply(in_status(Status.DISPATCHED), Escalate(2, (notify,)), NOW)
    assert transition.order.escalation_level == 2
    assert transition.notifications == (notify,)
    assert transition.events[0].detail == "level 2: division_head"
    for level in (1, 2):
        with pytest.raises(EscalationNotHigher) as raised:
            apply(transition.order, Escalate(level), NOW)
        assert raised.value.code == "work-order-escalation-not-higher"


@pytest.mark.parametrize(
    ("status", "pressed"),
    [(Status.CREATED, False), (Status.DISPATCHED, True), (Status.REPLIED, False)],
)
def test_a_follow_up_is_counted_and_presses_a_handler_who_has_the_order(
    status: Status, pressed: bool
) -> None:
    transition = apply(in_status(status), FollowUp("再次来电", "13700002222"), NOW)
    assert transition.order.follow_ups == 1
    assert transition.events[0].detail == "再次来电 (from another number)"
    keys = [n.idempotency_key for n in transition.notifications]
    assert keys == (["work-order-7-follow-up-1"] if pressed else [])


def test_an_order_must_be_stored_before_any_action() -> None:
    with pytest.raises(WorkOrderNotStored) as raised:
        apply(order(order_id=None, status=Status.CREATED), Dispatch(), NOW)
    assert raised.value.code == "work-order-not-stored"


def test_the_same_action_at_the_same_time_gives_the_same_transition() -> None:
    # What makes a retried transaction send nothing twice: identical keys.
    for status, row in TABLE.items():
        for name, expected in row.items():
            if isinstance(expected, Status):
                first: Transition = apply(in_status(status), ACTIONS[name], NOW)
                assert apply(in_status(status), ACTIONS[name], NOW) == first


def test_personal_data_stays_out_of_repr() -> None:
    text = repr(apply(in_status(Status.DISPATCHED), ACTIONS["Reply"], NOW))
    assert CALLER not in text
    assert LI.mobile is not None and LI.mobile not in text
    assert "开庭时间" not in text


def test_every_enum_member_has_a_chinese_label() -> None:
    assert set(CATEGORY_LABELS) == set(Category)
    assert set(STATUS_LABELS) == set(Status)
    assert set(URGENCY_LABELS) == set(Urgency)
    assert set(HANDLER_LABELS) == set(HandlerKind)
    assert CATEGORY_LABELS[Category.DOCKETING_SUPERVISION] == "不立案督办"

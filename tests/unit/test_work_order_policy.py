"""Work-order decisions: due times on the 2026 calendar, who handles an order, whom escalation
presses, when a repeat call joins an open order, and when the handler phoned the caller."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from directory.model import CaseContacts, Court, Judge
from workorders.errors import InvalidWorkOrder, NoEligibleHandler
from workorders.model import (
    Category,
    EventKind,
    HandlerKind,
    Notify,
    Recipient,
    Status,
    Template,
    Urgency,
    WorkOrder,
    WorkOrderEvent,
)
from workorders.policy import (
    WorkOrderPolicy,
    court_dispatch_target,
    dispatch_target,
    due_at,
    escalation_notifications,
    is_overdue,
    open_duplicate,
    phoned_caller_at,
    urgent_unreached_notifications,
)

from .work_order_data import (
    CALENDAR,
    CALLER,
    CASE,
    COURT,
    DIVISION,
    LI,
    OFFICE,
    WANG,
    ZHAO,
    at,
    closed,
    contacts,
    order,
)

DEFAULTS = WorkOrderPolicy()


# ---- due times ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("created", "category", "due"),
    [
        # Wednesday before National Day: the holiday week does not count.
        (at(9, 30, 16), Category.CONTACT_JUDGE, at(10, 8, 16)),
        # Friday after it: Saturday 10-10 is a make-up working day.
        (at(10, 9, 10), Category.CONTACT_JUDGE, at(10, 10, 10)),
        (at(10, 9, 10), Category.COMPLAINT, at(10, 12, 10)),
        (at(10, 9, 10), Category.OTHER, at(10, 12, 10)),
        # Taken on a holiday: the end of the first working day(s), 00:00 of the day after.
        (at(10, 3, 12), Category.CONTACT_JUDGE, at(10, 9)),
        (at(10, 3, 12), Category.DOCKETING_SUPERVISION, at(10, 10)),
        # Mid-autumn (09-25..27) is skipped; Sunday 09-20 is worked.
        (at(9, 24, 11), Category.CONTACT_JUDGE, at(9, 28, 11)),
        (at(9, 19, 11), Category.CONTACT_JUDGE, at(9, 21)),
        (at(9, 18, 17, 30), Category.CONSULTATION_FOLLOW_UP, at(9, 21, 17, 30)),
        # Taken on the make-up Saturday, due on Monday (Sunday 10-11 is off).
        (at(10, 10, 14), Category.CONTACT_JUDGE, at(10, 12, 14)),
    ],
)
def test_due_time_counts_working_days_of_the_chinese_calendar(
    created: datetime, category: Category, due: datetime
) -> None:
    assert due_at(created, category, Urgency.NORMAL, CALENDAR, DEFAULTS) == due


def test_due_time_of_an_instant_given_in_utc_is_counted_in_shanghai() -> None:
    created = datetime(2026, 9, 30, 8, 0, tzinfo=UTC)  # 16:00 in Beijing
    assert due_at(created, Category.CONTACT_JUDGE, Urgency.NORMAL, CALENDAR, DEFAULTS) == at(
        10, 8, 16
    )


@pytest.mark.parametrize(
    ("category", "urgency", "due"),
    [
        (Category.COMPLAINT, Urgency.NORMAL, at(10, 13, 10)),
        (Category.COMPLAINT, Urgency.URGENT, at(10, 10, 10)),
        # Not listed for urgent orders: the normal time.
        (Category.OTHER, Urgency.URGENT, at(10, 12, 10)),
        (Category.CONTACT_JUDGE, Urgency.URGENT, at(10, 10, 10)),
    ],
)
def test_configured_working_days_and_sooner_urgent_orders(
    category: Category, urgency: Urgency, due: datetime
) -> None:
    policy = WorkOrderPolicy(
        due_working_days={**DEFAULTS.due_working_days, Category.COMPLAINT: 3},
        urgent_due_working_days={Category.COMPLAINT: 1},
    )
    assert due_at(at(10, 9, 10), category, urgency, CALENDAR, policy) == due


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"due_working_days": {Category.CONTACT_JUDGE: 1}}, "no value for complaint"),
        (
            {"due_working_days": {category: 0 for category in Category}},
            "1 working day or more",
        ),
        ({"urgent_due_working_days": {Category.CONTACT_JUDGE: 2}}, "later than a normal one"),
        ({"reminder_times": (at(1, 1, 15).time(), at(1, 1, 9).time())}, "in order"),
        ({"escalation_max_level": -1}, "0 or more"),
    ],
)
def test_policy_refuses_rules_that_make_no_sense(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkOrderPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("replied_at", "closed_at", "now", "overdue"),
    [
        (None, None, at(10, 8, 15, 59), False),
        (None, None, at(10, 8, 16), False),  # exactly at the due time is on time
        (None, None, at(10, 8, 16, 1), True),
        (at(10, 8, 12), at(10, 8, 12), at(10, 20), False),  # answered in time, read later
        (at(10, 9, 9), at(10, 9, 9), at(10, 20), True),
        (None, at(10, 9, 9), at(10, 20), True),  # closed late without a reply
    ],
)
def test_overdue_is_judged_at_the_answer_or_now(
    replied_at: datetime | None, closed_at: datetime | None, now: datetime, overdue: bool
) -> None:
    work_order = replace(order(), replied_at=replied_at, closed_at=closed_at)
    assert work_order.due_at == at(10, 8, 16)
    assert is_overdue(work_order, now) is overdue


# ---- dispatch -------------------------------------------------------------------------------
NO_MOBILE_LI = replace(LI, mobile=None)
NO_MOBILE_WANG = replace(WANG, mobile=None)
WANG_IN_CHARGE = contacts(judge=WANG)
NO_OFFICE = replace(COURT, supervision_office=None)


@pytest.mark.parametrize("category", [c for c in Category if c is not Category.COMPLAINT])
@pytest.mark.parametrize(
    ("case_contacts", "kind", "judge_id"),
    [
        (contacts(), HandlerKind.JUDGE, "j-li"),
        (contacts(judge=NO_MOBILE_LI), HandlerKind.DIVISION_HEAD, "j-wang"),
        (contacts(judge=None), HandlerKind.DIVISION_HEAD, "j-wang"),
        (contacts(judge=None, head=None), HandlerKind.SUPERVISION_OFFICE, None),
        (contacts(judge=NO_MOBILE_LI, head=NO_MOBILE_WANG), HandlerKind.SUPERVISION_OFFICE, None),
        # The judge in charge who is also the head handles it as the judge.
        (WANG_IN_CHARGE, HandlerKind.JUDGE, "j-wang"),
    ],
)
def test_ordinary_orders_go_to_the_judge_then_the_head_then_the_supervision_office(
    category: Category, case_contacts: CaseContacts, kind: HandlerKind, judge_id: str | None
) -> None:
    handler = dispatch_target(category, case_contacts, complained_judge_id=None)
    assert (handler.kind, handler.judge_id) == (kind, judge_id)
    assert handler.mobile


def test_the_supervision_office_handler_is_the_courts() -> None:
    handler = dispatch_target(
        Category.OTHER, contacts(judge=None, head=None), complained_judge_id=None
    )
    assert (handler.name, handler.mobile, handler.court_id) == (
        OFFICE.name,
        OFFICE.mobile,
        "chaoyang",
    )
    assert court_dispatch_target(COURT) == handler


@pytest.mark.parametrize(
    ("case_contacts", "complained", "kind", "judge_id"),
    [
        # "The judge of my case": the judge in charge, pressed by the head.
        (contacts(), "j-li", HandlerKind.DIVISION_HEAD, "j-wang"),
        # The head is the judge in charge: nobody above in the division.
        (WANG_IN_CHARGE, "j-wang", HandlerKind.SUPERVISION_OFFICE, None),
        # The head complained of, though not in charge of the case.
        (contacts(), "j-wang", HandlerKind.SUPERVISION_OFFICE, None),
        (contacts(head=None), "j-li", HandlerKind.SUPERVISION_OFFICE, None),
        (contacts(head=NO_MOBILE_WANG), "j-li", HandlerKind.SUPERVISION_OFFICE, None),
        # Another division's judge, or one the directory does not place: the office.
        (contacts(), "j-zhao", HandlerKind.SUPERVISION_OFFICE, None),
        (contacts(), "j-unknown", HandlerKind.SUPERVISION_OFFICE, None),
        (contacts(), None, HandlerKind.SUPERVISION_OFFICE, None),
        # A head sharing the complained judge's phone is not told either.
        (
            contacts(head=replace(WANG, mobile=LI.mobile)),
            "j-li",
            HandlerKind.SUPERVISION_OFFICE,
            None,
        ),
    ],
)
def test_complaints_never_reach_the_judge_complained_of(
    case_contacts: CaseContacts, complained: str | None, kind: HandlerKind, judge_id: str | None
) -> None:
    handler = dispatch_target(Category.COMPLAINT, case_contacts, complained_judge_id=complained)
    assert (handler.kind, handler.judge_id) == (kind, judge_id)


@pytest.mark.parametrize(
    ("category", "case_contacts", "complained", "message"),
    [
        (Category.COMPLAINT, contacts(court=NO_OFFICE), "j-wang", "nobody may handle"),
        (Category.COMPLAINT, contacts(court=None), None, "nobody may handle"),
        (
            Category.CONTACT_JUDGE,
            contacts(judge=NO_MOBILE_LI, head=NO_MOBILE_WANG, court=NO_OFFICE),
            None,
            "no mobile for judge 李法官, division_head 王庭长",
        ),
        (Category.CONTACT_JUDGE, contacts(judge=None, head=None, court=NO_OFFICE), None, CASE),
    ],
)
def test_no_eligible_handler_is_a_clear_error(
    category: Category, case_contacts: CaseContacts, complained: str | None, message: str
) -> None:
    with pytest.raises(NoEligibleHandler, match=message.replace("(", r"\(").replace(")", r"\)")):
        dispatch_target(category, case_contacts, complained_judge_id=complained)
    assert NoEligibleHandler.code == "work-order-no-eligible-handler"


def test_only_a_complaint_names_a_judge_complained_of() -> None:
    with pytest.raises(InvalidWorkOrder, match="complained_judge_id must be None"):
        dispatch_target(Category.CONTACT_JUDGE, contacts(), complained_judge_id="j-li")


def test_an_order_without_a_case_needs_a_court_with_a_supervision_office() -> None:
    with pytest.raises(NoEligibleHandler, match="without a case number"):
        court_dispatch_target(NO_OFFICE)


def _all_directories() -> list[CaseContacts]:
    judges: list[Judge | None] = [LI, NO_MOBILE_LI, WANG, None]
    heads: list[Judge | None] = [WANG, NO_MOBILE_WANG, replace(WANG, mobile=LI.mobile), None]
    courts: list[Court | None] = [COURT, NO_OFFICE, None]
    return [
        contacts(judge=judge, head=head, court=court)
        for judge, head, court in itertools.product(judges, heads, courts)
    ]


def test_property_no_directory_routes_a_complaint_to_the_judge_complained_of() -> None:
    kinds: set[HandlerKind] = set()
    refused = 0
    for case_contacts, complained in itertools.product(
        _all_directories(), ["j-li", "j-wang", "j-zhao", "j-unknown", None]
    ):
        try:
            handler = dispatch_target(
                Category.COMPLAINT, case_contacts, complained_judge_id=complained
            )
        except NoEligibleHandler:
            refused += 1
            continue
        kinds.add(handler.kind)
        assert handler.judge_id != complained or complained is None
        complained_mobiles = {
            judge.mobile
            for judge in (case_contacts.judge, case_contacts.division_head, ZHAO)
            if judge is not None and judge.id == complained
        }
        assert handler.mobile not in complained_mobiles
    # Heads, offices and refusals all occur: the property was not checked on one kind alone.
    assert kinds == {HandlerKind.DIVISION_HEAD, HandlerKind.SUPERVISION_OFFICE}
    assert refused > 0


# ---- escalation recipients ------------------------------------------------------------------
def _roles(notifications: tuple[Notify, ...]) -> list[tuple[Recipient, str]]:
    return [(notify.to_role, notify.to_number) for notify in notifications]


CLERK = (Recipient.DIVISION_CLERK, "13800000003")
HEAD = (Recipient.DIVISION_HEAD, "13800000002")
OFFICE_TO = (Recipient.SUPERVISION_OFFICE, "13800000009")
COMPLAINT_ABOUT_LI = order(category=Category.COMPLAINT, complained_judge_id="j-li")
COMPLAINT_ABOUT_WANG = order(category=Category.COMPLAINT, complained_judge_id="j-wang")


@pytest.mark.parametrize(
    ("work_order", "case_contacts", "level", "expected"),
    [
        (order(), contacts(), 1, [CLERK, HEAD]),
        (order(), contacts(), 2, [HEAD, OFFICE_TO]),
        (order(), contacts(), 3, [HEAD, OFFICE_TO]),
        (COMPLAINT_ABOUT_LI, contacts(), 1, [CLERK, HEAD]),
        (COMPLAINT_ABOUT_LI, contacts(), 2, [HEAD, OFFICE_TO]),
        # The head complained of: the division (head and clerk) is left out.
        (COMPLAINT_ABOUT_WANG, contacts(), 1, [OFFICE_TO]),
        (COMPLAINT_ABOUT_WANG, contacts(), 2, [OFFICE_TO]),
        (COMPLAINT_ABOUT_WANG, contacts(court=NO_OFFICE), 1, []),
        # A head sharing the complained judge's phone is skipped.
        (COMPLAINT_ABOUT_LI, contacts(head=replace(WANG, mobile=LI.mobile)), 1, [CLERK]),
        # Missing numbers are skipped; nobody left at level 1 means the office.
        (order(), contacts(division=replace(DIVISION, clerk=None)), 1, [HEAD]),
        (
            order(),
            contacts(head=NO_MOBILE_WANG, division=replace(DIVISION, clerk=None)),
            1,
            [OFFICE_TO],
        ),
        (order(), contacts(head=None, court=NO_OFFICE), 2, []),
        # One number is messaged once per level.
        (
            order(),
            contacts(division=replace(DIVISION, clerk=replace(OFFICE, mobile=WANG.mobile))),
            1,
            [(Recipient.DIVISION_CLERK, "13800000002")],
        ),
    ],
)
def test_escalation_presses_the_division_then_the_supervision_office(
    work_order: WorkOrder,
    case_contacts: CaseContacts,
    level: int,
    expected: list[tuple[Recipient, str]],
) -> None:
    notifications = escalation_notifications(work_order, level, case_contacts)
    assert _roles(notifications) == expected
    assert all(notify.template is Template.ESCALATION for notify in notifications)


def test_escalation_keys_name_order_level_and_recipient_and_the_reopen_round() -> None:
    keys = [n.idempotency_key for n in escalation_notifications(order(), 1, contacts())]
    assert keys == [
        "work-order-7-escalation-1-division_clerk",
        "work-order-7-escalation-1-division_head",
    ]
    reopened = replace(order(), reopened_count=2)
    keys = [n.idempotency_key for n in escalation_notifications(reopened, 2, contacts())]
    assert keys == [
        "work-order-7-reopen-2-escalation-2-division_head",
        "work-order-7-reopen-2-escalation-2-supervision_office",
    ]


def test_an_order_without_a_case_escalates_to_the_courts_supervision_office() -> None:
    no_case = order(case_number=None)
    assert _roles(escalation_notifications(no_case, 1, None, court=COURT)) == [OFFICE_TO]
    assert escalation_notifications(no_case, 1, None) == ()
    with pytest.raises(InvalidWorkOrder, match="start at 1"):
        escalation_notifications(no_case, 0, None, court=COURT)


def test_urgent_contact_unreached_messages_the_judge_and_the_head_once_each() -> None:
    notifications = urgent_unreached_notifications(contacts(), "call-42")
    assert [(n.to_role, n.to_number, n.idempotency_key) for n in notifications] == [
        (Recipient.JUDGE, LI.mobile, "urgent-contact-call-42-unreached-judge"),
        (Recipient.DIVISION_HEAD, WANG.mobile, "urgent-contact-call-42-unreached-division_head"),
    ]
    assert len(urgent_unreached_notifications(WANG_IN_CHARGE, "call-43")) == 1
    assert urgent_unreached_notifications(contacts(judge=None, head=None), "call-44") == ()


# ---- duplicates -----------------------------------------------------------------------------
OPEN = order(order_id=7)
OTHER_CASE = "(2026)京0105民初99999号"


@pytest.mark.parametrize(
    ("existing", "case_number", "caller", "category", "expected"),
    [
        # Same caller, same case, order open: a follow-up on it.
        ([OPEN], CASE, CALLER, Category.CONTACT_JUDGE, 7),
        ([replace(OPEN, status=Status.CREATED)], CASE, CALLER, Category.CONTACT_JUDGE, 7),
        ([replace(OPEN, status=Status.REPLIED)], CASE, CALLER, Category.CONTACT_JUDGE, 7),
        # Written with full-width brackets and spaces, it is the same case.
        ([OPEN], " （2026）京0105民初12345号", "139-0000-1111", Category.CONTACT_JUDGE, 7),
        # Closed: a new order.
        ([closed(OPEN, at(10, 8, 10))], CASE, CALLER, Category.CONTACT_JUDGE, None),
        # Another case, another caller (the other party), another category, another court.
        ([OPEN], OTHER_CASE, CALLER, Category.CONTACT_JUDGE, None),
        ([OPEN], CASE, "13700002222", Category.CONTACT_JUDGE, None),
        ([OPEN], CASE, CALLER, Category.COMPLAINT, None),
        ([replace(OPEN, court_id="haidian")], CASE, CALLER, Category.CONTACT_JUDGE, None),
        # No case named: same number and category, whatever case the open order is about.
        ([OPEN], None, CALLER, Category.CONTACT_JUDGE, 7),
        ([replace(OPEN, case_number=None)], None, CALLER, Category.CONTACT_JUDGE, 7),
        ([OPEN], None, CALLER, Category.OTHER, None),
        ([OPEN], None, "13700002222", Category.CONTACT_JUDGE, None),
        ([closed(OPEN, at(10, 8, 10))], None, CALLER, Category.CONTACT_JUDGE, None),
        # The new call names a case, the open order none: not known to be the same matter.
        ([replace(OPEN, case_number=None)], CASE, CALLER, Category.CONTACT_JUDGE, None),
        # Of several, the oldest.
        (
            [OPEN, replace(OPEN, id=3, created_at=at(9, 30, 10))],
            CASE,
            CALLER,
            Category.CONTACT_JUDGE,
            3,
        ),
        ([], CASE, CALLER, Category.CONTACT_JUDGE, None),
    ],
)
def test_a_repeat_caller_with_an_open_order_gets_a_follow_up_not_a_new_order(
    existing: list[WorkOrder],
    case_number: str | None,
    caller: str,
    category: Category,
    expected: int | None,
) -> None:
    found = open_duplicate(existing, "chaoyang", case_number, caller, category)
    assert (found.id if found is not None else None) == expected


# ---- the handler's phone call ---------------------------------------------------------------
def _event(kind: EventKind, hour: int, minute: int = 0) -> WorkOrderEvent:
    return WorkOrderEvent(at(10, 8, hour, minute), kind, "reply-link")


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        pytest.param([], None, id="no-history"),
        pytest.param([EventKind.CREATED, EventKind.DISPATCHED], None, id="not-phoned"),
        pytest.param(
            [EventKind.DISPATCHED, EventKind.PHONED_CALLER], at(10, 8, 10, 1), id="phoned"
        ),
        pytest.param(
            [EventKind.PHONED_CALLER, EventKind.REMINDED, EventKind.PHONED_CALLER],
            at(10, 8, 10, 2),
            id="phoned-twice-the-latest",
        ),
        pytest.param(
            [EventKind.PHONED_CALLER, EventKind.REPLIED, EventKind.CLOSED],
            at(10, 8, 10, 0),
            id="phoned-then-replied",
        ),
        pytest.param(
            [EventKind.PHONED_CALLER, EventKind.CLOSED, EventKind.REOPENED, EventKind.DISPATCHED],
            None,
            id="a-reopen-starts-a-new-round",
        ),
        pytest.param(
            [EventKind.PHONED_CALLER, EventKind.REOPENED, EventKind.PHONED_CALLER],
            at(10, 8, 10, 2),
            id="phoned-again-after-the-reopen",
        ),
    ],
)
def test_the_phone_call_shown_is_the_latest_of_the_current_round(
    kinds: list[EventKind], expected: datetime | None
) -> None:
    history = [_event(kind, 10, minute) for minute, kind in enumerate(kinds)]
    assert phoned_caller_at(history) == expected

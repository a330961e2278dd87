"""A small court directory and work-order builders the work-order unit tests share."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from directory.model import CaseContacts, CaseFile, Court, Division, Judge, Person
from schedule.calendar import WorkdayCalendar
from workorders.model import Category, Handler, HandlerKind, Status, Urgency, WorkOrder

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkdayCalendar(zone=SHANGHAI)
CASE = "(2026)京0105民初12345号"
CALLER = "13900001111"

OFFICE = Person("朝阳法院督查室", "13800000009")
COURT = Court("chaoyang", "北京市朝阳区人民法院", supervision_office=OFFICE, duty_judge_id="j-zhao")
DIVISION = Division(
    "civil-1", "chaoyang", "民一庭", "01085550001", "j-wang", Person("内勤小陈", "13800000003")
)
LI = Judge("j-li", "chaoyang", "李法官", "civil-1", "13800000001")  # the judge in charge
WANG = Judge("j-wang", "chaoyang", "王庭长", "civil-1", "13800000002")  # the division head
ZHAO = Judge("j-zhao", "chaoyang", "赵法官", "civil-2", "13800000004")  # duty judge, civil-2


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def contacts(
    *,
    judge: Judge | None = LI,
    head: Judge | None = WANG,
    court: Court | None = COURT,
    division: Division | None = DIVISION,
    duty: Judge | None = ZHAO,
) -> CaseContacts:
    case = CaseFile(
        "chaoyang",
        CASE,
        division.id if division else None,
        judge.id if judge else None,
        (CALLER,),
    )
    return CaseContacts(case, court, division, judge, head, duty)


LI_HANDLER = Handler(HandlerKind.JUDGE, LI.name, "chaoyang", LI.mobile, LI.id, "civil-1")


def order(
    *,
    order_id: int | None = 7,
    category: Category = Category.CONTACT_JUDGE,
    status: Status = Status.DISPATCHED,
    created_at: datetime | None = None,
    due_at: datetime | None = None,
    case_number: str | None = CASE,
    caller_number: str = CALLER,
    court_id: str = "chaoyang",
    handler: Handler = LI_HANDLER,
    complained_judge_id: str | None = None,
) -> WorkOrder:
    created = created_at if created_at is not None else at(9, 30, 16)
    return WorkOrder(
        id=order_id,
        court_id=court_id,
        case_number=case_number,
        category=category,
        urgency=Urgency.NORMAL,
        caller_number=caller_number,
        content="想了解开庭时间，请法官回电",
        created_at=created,
        due_at=due_at if due_at is not None else CALENDAR.add_working_days(created, 1),
        handler=handler,
        status=status,
        complained_judge_id=complained_judge_id,
        dispatched_at=created if status is not Status.CREATED else None,
    )


def closed(work_order: WorkOrder, when: datetime) -> WorkOrder:
    return replace(work_order, status=Status.CLOSED, closed_at=when)

"""Reports as data: the period a report covers, the records it is computed from, its figures."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta


class Period(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


PERIOD_LABELS = {Period.DAILY: "日报", Period.WEEKLY: "周报", Period.MONTHLY: "月报"}


@dataclass(frozen=True)
class Window:
    """[start, end) in the courts' calendar days."""

    period: Period
    start: date
    end: date

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days)]

    @property
    def label(self) -> str:
        last = self.end - timedelta(days=1)
        if self.period is Period.DAILY:
            return f"{self.start:%Y-%m-%d}"
        return f"{self.start:%Y-%m-%d} 至 {last:%Y-%m-%d}"


def window_for(period: Period, day: date) -> Window:
    """The day itself, its week (Monday to Sunday) or its month."""
    match period:
        case Period.DAILY:
            return Window(period, day, day + timedelta(days=1))
        case Period.WEEKLY:
            start = day - timedelta(days=day.weekday())
            return Window(period, start, start + timedelta(days=7))
        case Period.MONTHLY:
            start = day.replace(day=1)
            following = (start + timedelta(days=32)).replace(day=1)
            return Window(period, start, following)
    raise AssertionError(period)


@dataclass(frozen=True)
class CallRecord:
    court: str  # the platform the call was for
    day: date  # the local day it started
    queued_at: datetime | None
    connected_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    survey_answer: str | None


@dataclass(frozen=True)
class CallbackRecord:
    court: str
    day: date
    reached: bool  # an abandoned caller the switch called back and reached


@dataclass(frozen=True)
class OrderRecord:
    court: str
    division: str | None
    created_day: date
    due_at: datetime
    due_day: date
    replied_at: datetime | None
    replied_day: date | None
    closed_day: date | None
    grade: str | None  # pass or fail, the supervisor's where they reviewed it


@dataclass(frozen=True)
class FollowUpRecord:
    court: str
    division: str | None
    finished_day: date | None
    done: bool


@dataclass(frozen=True)
class Records:
    calls: tuple[CallRecord, ...] = ()
    callbacks: tuple[CallbackRecord, ...] = ()
    orders: tuple[OrderRecord, ...] = ()
    follow_ups: tuple[FollowUpRecord, ...] = ()


@dataclass(frozen=True)
class Figures:
    offered: int  # calls to the hotline
    to_agents: int  # of them, asked for an agent (entered a queue)
    answered: int  # put through to a seat
    connection_rate: float | None  # 接通率: answered / to_agents
    abandoned: int  # hung up while waiting for a seat
    callback_rate: float | None  # 回拨率: abandoned callers called back and reached / all
    service_level: float | None  # answered within the service-level seconds / to_agents
    average_wait_s: float | None
    average_handle_s: float | None
    long_calls: int
    self_service: int  # served by the menu alone
    satisfaction: float | None  # satisfied survey answers / survey answers
    orders_created: int
    replied_on_time: int
    overdue: int
    pass_rate: float | None  # graded orders closed in the window that passed / graded
    follow_ups_done: int


# Column order and zh-CN names, for every table, CSV and spreadsheet.
FIGURE_LABELS = {
    "offered": "呼入量",
    "to_agents": "转人工",
    "answered": "人工接通",
    "connection_rate": "接通率",
    "abandoned": "放弃",
    "callback_rate": "回拨率",
    "service_level": "服务水平",
    "average_wait_s": "平均等待(秒)",
    "average_handle_s": "平均通话(秒)",
    "long_calls": "超长通话",
    "self_service": "自助服务",
    "satisfaction": "满意度",
    "orders_created": "新建工单",
    "replied_on_time": "按期答复",
    "overdue": "超期",
    "pass_rate": "质检合格率",
    "follow_ups_done": "完成回访",
}
RATES = frozenset(
    {"connection_rate", "callback_rate", "service_level", "satisfaction", "pass_rate"}
)

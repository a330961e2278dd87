"""The reported numbers from a known day of traffic, each checked against a hand computation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bench.reports import synthetic_month
from reports.figures import Rules, by_court, by_division, daily, figures, of_court, only
from reports.model import (
    CallbackRecord,
    CallRecord,
    FollowUpRecord,
    OrderRecord,
    Period,
    Records,
    Window,
    window_for,
)

DAY = date(2026, 12, 1)
RULES = Rules(service_level_s=20, long_call_s=900, satisfied=frozenset({"satisfied"}))


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC)


def call(
    court: str,
    queued: datetime | None,
    wait_s: float | None,
    handle_s: float | None,
    end_reason: str = "completed",
    survey: str | None = None,
    day: date = DAY,
) -> CallRecord:
    connected = queued + timedelta(seconds=wait_s) if queued and wait_s is not None else None
    ended = connected + timedelta(seconds=handle_s) if connected and handle_s is not None else None
    return CallRecord(court, day, queued, connected, ended, end_reason, survey)


def order(
    court: str,
    division: str | None,
    created: date,
    due: datetime,
    replied: datetime | None,
    closed: date | None,
    grade: str | None,
) -> OrderRecord:
    return OrderRecord(
        court,
        division,
        created,
        due,
        due.date(),
        replied,
        replied.date() if replied else None,
        closed,
        grade,
    )


RECORDS = Records(
    calls=(
        call("chaoyang", at(DAY, 9), 10, 300, survey="satisfied"),
        call("chaoyang", at(DAY, 9, 10), 30, 1200, survey="unsatisfied"),  # a long call
        call("chaoyang", at(DAY, 10), None, None, end_reason="abandoned_in_queue"),
        call("chaoyang", None, None, None, end_reason="self_service"),
        call("chaoyang", at(DAY, 11), 5, 120),
        call("chaoyang", at(DAY - timedelta(days=1), 9), 10, 60, day=DAY - timedelta(days=1)),
        call("haidian", at(DAY, 9), 50, 100, survey="satisfied"),
    ),
    callbacks=(
        CallbackRecord("chaoyang", DAY, reached=True),
        CallbackRecord("chaoyang", DAY, reached=False),
        CallbackRecord("haidian", DAY - timedelta(days=1), reached=False),
    ),
    orders=(
        # A: created today, replied on time, closed today, passed.
        order("chaoyang", "cy-civil1", DAY, at(DAY, 23), at(DAY, 15), DAY, "pass"),
        # B: due today, replied late, closed today, failed.
        order(
            "chaoyang", "cy-civil1", DAY - timedelta(days=1), at(DAY, 9), at(DAY, 10), DAY, "fail"
        ),
        # C: due today, never replied.
        order("chaoyang", "cy-civil2", DAY - timedelta(days=2), at(DAY, 17), None, None, None),
        # D: created today, due later.
        order("chaoyang", None, DAY, at(DAY + timedelta(days=2), 9), None, None, None),
    ),
    follow_ups=(
        FollowUpRecord("chaoyang", "cy-civil1", DAY, done=True),
        FollowUpRecord("chaoyang", "cy-civil1", DAY, done=False),  # unreachable
        FollowUpRecord("chaoyang", "cy-civil2", DAY - timedelta(days=1), done=True),
    ),
)


def test_a_known_day_of_one_court_gives_the_hand_computed_figures() -> None:
    [chaoyang] = by_court(RECORDS, window_for(Period.DAILY, DAY), RULES, ["chaoyang"]).values()
    assert chaoyang.offered == 5  # yesterday's call is not today's
    assert chaoyang.to_agents == 4  # the self-service call never asked for an agent
    assert chaoyang.answered == 3
    assert chaoyang.connection_rate == 3 / 4
    assert chaoyang.abandoned == 1
    assert chaoyang.callback_rate == 1 / 2
    assert chaoyang.service_level == 2 / 4  # waits 10, 30, 5 s: two within 20 s
    assert chaoyang.average_wait_s == (10 + 30 + 5) / 3
    assert chaoyang.average_handle_s == (300 + 1200 + 120) / 3
    assert chaoyang.long_calls == 1
    assert chaoyang.self_service == 1
    assert chaoyang.satisfaction == 1 / 2
    assert chaoyang.orders_created == 2  # A and D
    assert chaoyang.replied_on_time == 1  # A; B was late
    assert chaoyang.overdue == 2  # B late, C never
    assert chaoyang.pass_rate == 1 / 2  # A passed, B failed
    assert chaoyang.follow_ups_done == 1


def test_the_whole_hotline_and_each_division() -> None:
    every = figures(RECORDS, window_for(Period.DAILY, DAY), RULES)
    assert (every.offered, every.answered, every.connection_rate) == (6, 4, 4 / 5)
    assert every.service_level == 2 / 5  # haidian's 50 s wait is outside
    assert every.callback_rate == 1 / 2  # haidian's task was yesterday's
    divisions = by_division(RECORDS, window_for(Period.DAILY, DAY), RULES, "chaoyang")
    assert sorted(divisions) == ["-", "cy-civil1", "cy-civil2"]
    civil1 = divisions["cy-civil1"]
    assert (civil1.offered, civil1.pass_rate, civil1.follow_ups_done) == (0, 1 / 2, 1)
    assert (divisions["cy-civil2"].overdue, divisions["-"].orders_created) == (1, 1)


def test_nothing_to_count_is_no_rate_rather_than_zero() -> None:
    quiet = figures(Records(), window_for(Period.DAILY, DAY), RULES)
    assert quiet.offered == 0
    assert (quiet.connection_rate, quiet.pass_rate, quiet.average_wait_s) == (None, None, None)


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        (Period.DAILY, date(2026, 12, 3), date(2026, 12, 4)),
        (Period.WEEKLY, date(2026, 11, 30), date(2026, 12, 7)),
        (Period.MONTHLY, date(2026, 12, 1), date(2027, 1, 1)),
    ],
)
def test_a_report_covers_its_day_week_or_month(period: Period, start: date, end: date) -> None:
    assert window_for(period, date(2026, 12, 3)) == Window(period, start, end)


def test_a_week_splits_into_days_for_the_trend_lines() -> None:
    week = daily(RECORDS, window_for(Period.WEEKLY, DAY), RULES)
    assert list(week) == [date(2026, 11, 30) + timedelta(days=n) for n in range(7)]
    assert week[DAY].offered == 6 and week[DAY - timedelta(days=1)].offered == 1
    assert sum(f.offered for f in week.values()) == 7


def test_each_court_division_and_day_has_the_figures_of_its_own_records_alone() -> None:
    # The parts are sorted out in one pass; each must equal its records filtered on their own.
    month = synthetic_month(3000, courts=4)
    window = window_for(Period.MONTHLY, date(2026, 11, 1))
    courts = [f"court{index:02d}" for index in range(4)]
    per_court = by_court(month, window, RULES, courts)
    assert per_court == {c: figures(only(month, of_court(c)), window, RULES) for c in courts}
    assert sum(result.offered for result in per_court.values()) == 3000
    divisions = by_division(month, window, RULES, "court01")
    assert set(divisions) == {o.division for o in month.orders if o.court == "court01"}
    assert divisions == {
        division: figures(only(month, of_court("court01", division)), window, RULES)
        for division in divisions
    }
    per_day = daily(month, window, RULES)
    assert len(per_day) == 30
    for day, result in per_day.items():
        assert result == figures(month, Window(window.period, day, day + timedelta(days=1)), RULES)

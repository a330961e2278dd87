"""Working days from the official Chinese calendar, YAML overrides, and work-order due times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from structlog.testing import capture_logs

from schedule.calendar import WorkdayCalendar
from schedule.config import CalendarOverrides
from schedule.errors import NoWorkingDayError

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Far outside what chinese_calendar will ever publish, so these cases stay valid after upgrades.
UNKNOWN_YEAR = 2099


def local(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # National Day + Mid-Autumn 2025: 10-01..10-08 off; Sunday 09-28, Saturday 10-11 worked.
        (date(2025, 9, 26), True),
        (date(2025, 9, 27), False),
        (date(2025, 9, 28), True),
        (date(2025, 9, 30), True),
        (date(2025, 10, 1), False),
        (date(2025, 10, 6), False),
        (date(2025, 10, 8), False),
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),
        (date(2025, 10, 12), False),
        # Spring Festival 2026: 02-15..02-23 off, Saturdays 02-14 and 02-28 worked.
        (date(2026, 2, 13), True),
        (date(2026, 2, 14), True),
        (date(2026, 2, 15), False),
        (date(2026, 2, 17), False),
        (date(2026, 2, 23), False),
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),
        (date(2026, 3, 1), False),
    ],
)
def test_official_calendar_decides_statutory_holidays_and_make_up_days(
    day: date, working: bool
) -> None:
    assert WorkdayCalendar().is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 6, 30), False),  # a Monday the court closes
        (date(2025, 6, 28), True),  # a Saturday the court works
        (date(2025, 10, 8), True),  # YAML beats the statutory holiday
        (date(2025, 9, 28), False),  # and the official make-up day
        (date(2025, 7, 1), True),  # days not listed keep the official answer
    ],
)
def test_yaml_overrides_come_before_the_official_calendar(day: date, working: bool) -> None:
    calendar = WorkdayCalendar.from_config(
        CalendarOverrides(
            holidays=[date(2025, 6, 30), date(2025, 9, 28)],
            working_days=[date(2025, 6, 28), date(2025, 10, 8)],
        ),
        SHANGHAI,
    )
    assert calendar.is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(UNKNOWN_YEAR, 1, 2), True),  # Friday
        (date(UNKNOWN_YEAR, 1, 3), False),  # Saturday
        (date(UNKNOWN_YEAR, 1, 4), False),  # Sunday
        (date(UNKNOWN_YEAR, 1, 5), True),  # Monday
        (date(2003, 1, 4), False),  # Saturday, before the package's first year
        (date(2003, 1, 6), True),
    ],
)
def test_year_without_official_calendar_falls_back_to_monday_to_friday(
    day: date, working: bool
) -> None:
    with capture_logs():
        assert WorkdayCalendar().is_working_day(day) is working


def test_year_without_official_calendar_warns_once_per_year() -> None:
    calendar = WorkdayCalendar()
    with capture_logs() as logs:
        for day in range(1, 20):
            calendar.is_working_day(date(UNKNOWN_YEAR, 1, day))
        calendar.is_working_day(date(2003, 5, 1))
        calendar.is_working_day(date(2003, 5, 2))
    assert [(entry["log_level"], entry["year"]) for entry in logs] == [
        ("warning", UNKNOWN_YEAR),
        ("warning", 2003),
    ]
    assert logs[0]["event"] == (
        f"no official calendar for {UNKNOWN_YEAR}: add holidays/working_days in YAML"
    )


def test_yaml_override_in_unknown_year_answers_without_warning() -> None:
    calendar = WorkdayCalendar(
        holidays=[date(UNKNOWN_YEAR, 1, 1)], working_days=[date(UNKNOWN_YEAR, 1, 3)]
    )
    with capture_logs() as logs:
        assert calendar.is_working_day(date(UNKNOWN_YEAR, 1, 1)) is False
        assert calendar.is_working_day(date(UNKNOWN_YEAR, 1, 3)) is True
    assert logs == []


def test_known_years_do_not_warn() -> None:
    with capture_logs() as logs:
        WorkdayCalendar().is_working_day(date(2025, 10, 1))
    assert logs == []


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # Same clock time on the n-th next working day.
        (local(2025, 9, 30, 16, 0), 1, local(2025, 10, 9, 16, 0)),
        (local(2025, 9, 30, 9, 0), 2, local(2025, 10, 10, 9, 0)),
        (local(2025, 9, 29, 9, 0), 3, local(2025, 10, 10, 9, 0)),
        (local(2025, 9, 26, 16, 0), 1, local(2025, 9, 28, 16, 0)),  # make-up Sunday counts
        (local(2025, 10, 10, 16, 0), 1, local(2025, 10, 11, 16, 0)),  # make-up Saturday counts
        (local(2025, 10, 11, 16, 0), 1, local(2025, 10, 13, 16, 0)),
        (local(2025, 9, 25, 10, 30), 5, local(2025, 10, 9, 10, 30)),
        # Created on a holiday: counted from 00:00 of the next working day; due at the end of
        # the n-th working day, written as 00:00 of the day after it.
        (local(2025, 10, 3, 10, 0), 1, local(2025, 10, 10, 0, 0)),
        (local(2025, 10, 3, 10, 0), 2, local(2025, 10, 11, 0, 0)),
        (local(2025, 9, 27, 23, 0), 1, local(2025, 9, 29, 0, 0)),
        # Midnight at the start of a working day is the same rule.
        (local(2025, 9, 30, 0, 0), 1, local(2025, 10, 1, 0, 0)),
        # Spring Festival 2026.
        (local(2026, 2, 13, 10, 0), 1, local(2026, 2, 14, 10, 0)),
        (local(2026, 2, 14, 10, 0), 1, local(2026, 2, 24, 10, 0)),
        (local(2026, 2, 16, 10, 0), 2, local(2026, 2, 26, 0, 0)),
        # Zero days: the start itself.
        (local(2025, 10, 3, 10, 0), 0, local(2025, 10, 3, 10, 0)),
    ],
)
def test_add_working_days_skips_holidays_and_counts_make_up_days(
    start: datetime, n: int, due: datetime
) -> None:
    result = WorkdayCalendar().add_working_days(start, n)
    assert result == due
    assert result.tzinfo is SHANGHAI


def test_add_working_days_uses_yaml_overrides() -> None:
    calendar = WorkdayCalendar(holidays=[date(2025, 10, 9)], working_days=[date(2025, 10, 5)])
    assert calendar.add_working_days(local(2025, 9, 30, 16, 0), 1) == local(2025, 10, 5, 16, 0)
    assert calendar.add_working_days(local(2025, 9, 30, 16, 0), 2) == local(2025, 10, 10, 16, 0)


def test_add_working_days_counts_days_in_the_calendar_zone_not_the_callers() -> None:
    # 2025-09-30 20:00 UTC is already 04:00 on the National Day holiday in Shanghai.
    calendar = WorkdayCalendar()
    assert calendar.add_working_days(datetime(2025, 9, 30, 8, 0, tzinfo=UTC), 1) == local(
        2025, 10, 9, 16, 0
    )
    assert calendar.add_working_days(datetime(2025, 9, 30, 20, 0, tzinfo=UTC), 1) == local(
        2025, 10, 10, 0, 0
    )


@pytest.mark.parametrize(
    ("first", "last", "count"),
    [
        (date(2025, 9, 29), date(2025, 10, 13), 5),
        (date(2025, 10, 13), date(2025, 9, 29), -5),
        (date(2025, 9, 26), date(2025, 9, 29), 2),  # Friday and make-up Sunday
        (date(2025, 10, 1), date(2025, 10, 9), 0),
        (date(2025, 10, 9), date(2025, 10, 9), 0),
        (date(2026, 2, 13), date(2026, 3, 2), 7),  # 02-13, 02-14, 02-24..02-28
    ],
)
def test_working_days_between_counts_first_inclusive_last_exclusive(
    first: date, last: date, count: int
) -> None:
    assert WorkdayCalendar().working_days_between(first, last) == count


def test_working_days_between_agrees_with_add_working_days() -> None:
    calendar = WorkdayCalendar()
    start = local(2025, 9, 26, 16, 0)
    for n in range(12):
        due = calendar.add_working_days(start, n)
        assert calendar.working_days_between(start.date(), due.date()) == n


def test_next_working_day_jumps_the_holiday_week() -> None:
    calendar = WorkdayCalendar()
    assert calendar.next_working_day(date(2025, 9, 30)) == date(2025, 10, 9)
    assert calendar.working_day_on_or_after(date(2025, 10, 9)) == date(2025, 10, 9)
    assert calendar.working_day_on_or_after(date(2025, 10, 4)) == date(2025, 10, 9)


def test_a_year_of_holidays_is_reported_not_looped_forever() -> None:
    start = date(2025, 1, 1)
    calendar = WorkdayCalendar(
        holidays=[date.fromordinal(start.toordinal() + i) for i in range(400)]
    )
    with pytest.raises(NoWorkingDayError) as caught:
        calendar.next_working_day(date(2024, 12, 31))
    assert caught.value.code == "no-working-day"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.add_working_days(datetime(2025, 9, 30, 16, 0), 1), "timezone-aware"),
        (lambda c: c.add_working_days(local(2025, 9, 30, 16, 0), -1), "zero or more"),
        (lambda c: c.is_working_day(datetime(2025, 9, 30, 16, 0)), "use .date()"),
    ],
)
def test_misuse_is_refused_with_a_clear_message(
    call: Callable[[WorkdayCalendar], object], message: str
) -> None:
    with pytest.raises((ValueError, TypeError), match=message.replace(".", r"\.")):
        call(WorkdayCalendar())


def test_a_day_cannot_be_both_holiday_and_working_day() -> None:
    with pytest.raises(ValueError, match="2025-10-01 listed both"):
        WorkdayCalendar(holidays=[date(2025, 10, 1)], working_days=[date(2025, 10, 1)])

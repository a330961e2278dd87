"""Which days are working days in a Chinese court, and work-order due times counted in them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import structlog

from schedule.config import DEFAULT_TIMEZONE, CalendarOverrides
from schedule.errors import NoWorkingDayError

_log = structlog.get_logger(__name__)

# A calendar with no working day in a year and a day is misconfigured, not merely festive.
SEARCH_HORIZON_DAYS = 367
ONE_DAY = timedelta(days=1)


class WorkdayCalendar:
    """Working days: YAML overrides first, then the official calendar, then Monday to Friday.

    The official calendar is the `chinese_calendar` package (statutory holidays and the weekend
    days worked in exchange, 调休). For a year it does not cover, weekdays are working days and
    weekends are not, and a warning names the year once per calendar instance.
    """

    def __init__(
        self,
        holidays: Iterable[date] = (),
        working_days: Iterable[date] = (),
        *,
        zone: ZoneInfo | None = None,
    ) -> None:
        self.holidays = frozenset(_plain_date(day) for day in holidays)
        self.working_days = frozenset(_plain_date(day) for day in working_days)
        both = self.holidays & self.working_days
        if both:
            listed = ", ".join(sorted(day.isoformat() for day in both))
            raise ValueError(f"{listed} listed both as holidays and as working days")
        self.zone = zone if zone is not None else ZoneInfo(DEFAULT_TIMEZONE)
        self._years_warned: set[int] = set()

    @classmethod
    def from_config(cls, overrides: CalendarOverrides, zone: ZoneInfo) -> WorkdayCalendar:
        return cls(overrides.holidays, overrides.working_days, zone=zone)

    def is_working_day(self, day: date) -> bool:
        day = _plain_date(day)
        if day in self.holidays:
            return False
        if day in self.working_days:
            return True
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            self._warn_unknown_year(day.year)
            return day.weekday() < 5

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self._first_working_day(_plain_date(day) + ONE_DAY)

    def working_day_on_or_after(self, day: date) -> date:
        return self._first_working_day(_plain_date(day))

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The moment `n` working days after `start`, in the calendar's zone.

        Only time on working days counts, each working day being 24 h: created Friday 16:00, one
        working day later is 16:00 on the next working day. Created on a non-working day, the
        count starts at 00:00 of the next working day, so the result is the end of a working day,
        written as 00:00 of the day after it (Saturday + 1 = Tuesday 00:00, i.e. end of Monday).
        Seat hours play no part: a judge may reply in the evening.
        """
        if n < 0:
            raise ValueError(f"n must be zero or more, not {n}")
        local = self.local(start)
        if n == 0:
            return local
        day = local.date()
        offset = local.time()
        if not self.is_working_day(day):
            day = self.next_working_day(day)
            offset = time(0)
        if offset == time(0):
            # A whole working day per step: the result is the end of the n-th one.
            for _ in range(n - 1):
                day = self.next_working_day(day)
            return datetime.combine(day + ONE_DAY, time(0), tzinfo=self.zone)
        for _ in range(n):
            day = self.next_working_day(day)
        return datetime.combine(day, offset, tzinfo=self.zone)

    def working_days_between(self, first: date, last: date) -> int:
        """Working days d with first <= d < last; negative when last is before first."""
        first, last = _plain_date(first), _plain_date(last)
        if last < first:
            return -self.working_days_between(last, first)
        count = 0
        day = first
        while day < last:
            count += self.is_working_day(day)
            day += ONE_DAY
        return count

    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"moment {moment.isoformat()} must be timezone-aware")
        return moment.astimezone(self.zone)

    def _first_working_day(self, start: date) -> date:
        day = start
        for _ in range(SEARCH_HORIZON_DAYS):
            if self.is_working_day(day):
                return day
            day += ONE_DAY
        raise NoWorkingDayError(
            f"no working day within {SEARCH_HORIZON_DAYS} days from {start.isoformat()}:"
            " check hours.calendar.holidays"
        )

    def _warn_unknown_year(self, year: int) -> None:
        if year in self._years_warned:
            return
        self._years_warned.add(year)
        _log.warning(
            f"no official calendar for {year}: add holidays/working_days in YAML",
            year=year,
            fallback="Monday to Friday are working days",
            yaml_keys="hours.calendar.holidays, hours.calendar.working_days",
        )


def _plain_date(day: date) -> date:
    # A datetime is a date too, but it never equals one: comparing it with the override sets
    # would silently miss, and its day depends on a time zone the caller has not chosen.
    if isinstance(day, datetime):
        raise TypeError(f"expected a date, got the datetime {day.isoformat()}: use .date()")
    return day

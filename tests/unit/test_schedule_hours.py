"""Seat opening hours: working-day windows, lunch breaks, platform overrides and time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from schedule.calendar import WorkdayCalendar
from schedule.config import CalendarOverrides, HoursSection, TimeWindow
from schedule.hours import SeatHours, join_adjacent, next_start_after, window_at

SHANGHAI = ZoneInfo("Asia/Shanghai")

DEFAULT = SeatHours.from_config(HoursSection())
WITH_LUNCH = SeatHours.from_config(
    HoursSection.model_validate(
        {
            "seat_hours": [
                {"start": "13:30", "end": "17:30"},
                {"start": "08:30", "end": "12:00"},
            ],
            "platform_hours": {"haidian": [{"start": "09:00", "end": "17:00"}]},
        }
    )
)


def local(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def window(start: str, end: str) -> TimeWindow:
    return TimeWindow.model_validate({"start": start, "end": end})


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (local(2025, 9, 30, 8, 29, 59), False),
        (local(2025, 9, 30, 8, 30), True),
        (local(2025, 9, 30, 12, 30), True),
        (local(2025, 9, 30, 17, 29, 59), True),
        (local(2025, 9, 30, 17, 30), False),
        (local(2025, 9, 30, 23, 0), False),
        (local(2025, 9, 27, 10, 0), False),  # Saturday
        (local(2025, 9, 28, 10, 0), True),  # make-up Sunday
        (local(2025, 10, 1, 10, 0), False),  # National Day
        (local(2025, 10, 11, 10, 0), True),  # make-up Saturday
        (local(2026, 2, 17, 10, 0), False),  # Spring Festival
    ],
)
def test_default_hours_are_working_days_from_0830_to_1730(moment: datetime, is_open: bool) -> None:
    assert DEFAULT.is_open("hq", moment) is is_open


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (local(2025, 9, 30, 11, 59, 59), True),
        (local(2025, 9, 30, 12, 0), False),
        (local(2025, 9, 30, 13, 29, 59), False),
        (local(2025, 9, 30, 13, 30), True),
    ],
)
def test_lunch_break_closes_seats_between_windows(moment: datetime, is_open: bool) -> None:
    assert WITH_LUNCH.is_open("hq", moment) is is_open


@pytest.mark.parametrize(
    ("platform", "moment", "is_open"),
    [
        ("haidian", local(2025, 9, 30, 8, 45), False),
        ("hq", local(2025, 9, 30, 8, 45), True),
        ("haidian", local(2025, 9, 30, 12, 30), True),  # its own window has no lunch break
        ("hq", local(2025, 9, 30, 12, 30), False),
        ("haidian", local(2025, 9, 30, 16, 59), True),
        ("haidian", local(2025, 9, 30, 17, 0), False),
        ("chaoyang", local(2025, 9, 30, 8, 45), True),  # no override: the default windows
        ("haidian", local(2025, 9, 28, 10, 0), True),  # overrides keep the calendar
    ],
)
def test_platform_hours_override_the_default(
    platform: str, moment: datetime, is_open: bool
) -> None:
    assert WITH_LUNCH.is_open(platform, moment) is is_open


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (datetime(2025, 9, 30, 0, 29, 59, tzinfo=UTC), False),  # 08:29:59 in Shanghai
        (datetime(2025, 9, 30, 0, 30, tzinfo=UTC), True),
        (datetime(2025, 9, 30, 9, 29, tzinfo=UTC), True),
        (datetime(2025, 9, 30, 9, 30, tzinfo=UTC), False),  # 17:30
        (datetime(2025, 9, 28, 1, 0, tzinfo=UTC), True),  # make-up Sunday 09:00 local
        (datetime(2025, 10, 8, 16, 30, tzinfo=UTC), False),  # Thursday 00:30 local, UTC on holiday
        (datetime(2025, 10, 9, 1, 0, tzinfo=UTC), True),  # Thursday 09:00 local
    ],
)
def test_moments_are_read_in_the_configured_zone(moment: datetime, is_open: bool) -> None:
    assert DEFAULT.is_open("hq", moment) is is_open


def test_configured_zone_replaces_shanghai() -> None:
    utc_hours = SeatHours.from_config(HoursSection(timezone="UTC"))
    assert utc_hours.is_open("hq", datetime(2025, 9, 30, 8, 30, tzinfo=UTC))
    assert not utc_hours.is_open("hq", local(2025, 9, 30, 8, 30))  # 00:30 UTC


@pytest.mark.parametrize(
    ("hours", "moment", "opening"),
    [
        (DEFAULT, local(2025, 9, 30, 7, 0), local(2025, 9, 30, 8, 30)),
        (DEFAULT, local(2025, 9, 30, 10, 0), local(2025, 9, 30, 10, 0)),  # open: now
        (DEFAULT, local(2025, 9, 30, 17, 30), local(2025, 10, 9, 8, 30)),  # the holiday week
        (DEFAULT, local(2025, 10, 1, 10, 0), local(2025, 10, 9, 8, 30)),
        (DEFAULT, local(2025, 10, 8, 23, 59), local(2025, 10, 9, 8, 30)),
        (DEFAULT, local(2025, 9, 26, 18, 0), local(2025, 9, 28, 8, 30)),  # make-up Sunday
        (DEFAULT, local(2026, 2, 14, 18, 0), local(2026, 2, 24, 8, 30)),  # Spring Festival
        (WITH_LUNCH, local(2025, 9, 30, 12, 0), local(2025, 9, 30, 13, 30)),
        (WITH_LUNCH, local(2025, 9, 30, 17, 30), local(2025, 10, 9, 8, 30)),
        (DEFAULT, datetime(2025, 9, 30, 9, 30, tzinfo=UTC), local(2025, 10, 9, 8, 30)),
    ],
)
def test_next_opening_is_the_first_open_moment_at_or_after(
    hours: SeatHours, moment: datetime, opening: datetime
) -> None:
    result = hours.next_opening("hq", moment)
    assert result == opening
    assert result.tzinfo is SHANGHAI


def test_next_opening_uses_the_platform_windows() -> None:
    assert WITH_LUNCH.next_opening("haidian", local(2025, 9, 30, 8, 45)) == local(2025, 9, 30, 9, 0)


@pytest.mark.parametrize(
    ("hours", "moment", "closing"),
    [
        (DEFAULT, local(2025, 9, 30, 8, 30), local(2025, 9, 30, 17, 30)),
        (DEFAULT, local(2025, 9, 30, 17, 29, 59), local(2025, 9, 30, 17, 30)),
        (DEFAULT, local(2025, 9, 30, 17, 30), None),
        (DEFAULT, local(2025, 10, 1, 10, 0), None),
        (WITH_LUNCH, local(2025, 9, 30, 9, 0), local(2025, 9, 30, 12, 0)),
        (WITH_LUNCH, local(2025, 9, 30, 14, 0), local(2025, 9, 30, 17, 30)),
        (WITH_LUNCH, local(2025, 9, 30, 12, 30), None),
    ],
)
def test_closes_at_ends_the_current_window(
    hours: SeatHours, moment: datetime, closing: datetime | None
) -> None:
    assert hours.closes_at("hq", moment) == closing


def test_touching_windows_close_once_at_the_end_of_both() -> None:
    hours = SeatHours([window("08:30", "12:00"), window("12:00", "17:30")], {}, WorkdayCalendar())
    assert hours.closes_at("hq", local(2025, 9, 30, 9, 0)) == local(2025, 9, 30, 17, 30)
    assert hours.is_open("hq", local(2025, 9, 30, 12, 0))


def test_calendar_overrides_from_yaml_reach_the_seat_hours() -> None:
    hours = SeatHours.from_config(
        HoursSection(
            calendar=CalendarOverrides(
                holidays=[date(2025, 9, 30)], working_days=[date(2025, 10, 8)]
            )
        )
    )
    assert not hours.is_open("hq", local(2025, 9, 30, 10, 0))
    assert hours.next_opening("hq", local(2025, 9, 29, 18, 0)) == local(2025, 10, 8, 8, 30)


def test_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        DEFAULT.is_open("hq", datetime(2025, 9, 30, 10, 0))


@pytest.mark.parametrize(
    ("windows", "joined"),
    [
        (["08:30-12:00", "13:30-17:30"], ["08:30-12:00", "13:30-17:30"]),
        (["13:30-17:30", "08:30-12:00"], ["08:30-12:00", "13:30-17:30"]),
        (["08:30-12:00", "12:00-17:30"], ["08:30-17:30"]),
    ],
)
def test_join_adjacent(windows: list[str], joined: list[str]) -> None:
    def parse(text: str) -> TimeWindow:
        start, end = text.split("-")
        return window(start, end)

    assert join_adjacent([parse(text) for text in windows]) == tuple(parse(text) for text in joined)


def test_window_lookups_on_plain_clock_times() -> None:
    windows = join_adjacent([window("08:30", "12:00"), window("13:30", "17:30")])
    assert window_at(windows, window("12:00", "12:01").start) is None
    assert window_at(windows, window("13:30", "13:31").start) == windows[1]
    assert next_start_after(windows, window("12:00", "12:01").start) == windows[1].start
    assert next_start_after(windows, window("17:30", "17:31").start) is None

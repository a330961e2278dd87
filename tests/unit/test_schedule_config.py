"""The `hours:` YAML section: defaults, clock-time parsing and the errors admins see."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from schedule.config import HoursSection, TimeWindow, parse_clock_time


def test_defaults_are_shanghai_working_days_0830_to_1730() -> None:
    section = HoursSection()
    assert section.timezone == "Asia/Shanghai"
    assert section.zone.key == "Asia/Shanghai"
    assert section.seat_hours == [TimeWindow(start=time(8, 30), end=time(17, 30))]
    assert section.platform_hours == {}
    assert section.calendar.holidays == []
    assert section.calendar.working_days == []


def test_yaml_section_with_lunch_break_platform_override_and_calendar() -> None:
    text = """
timezone: Asia/Shanghai
seat_hours:
  - {start: "13:30", end: "17:30"}
  - {start: "08:30", end: "12:00"}
platform_hours:
  haidian:
    - {start: "9:00", end: "17:00"}
calendar:
  holidays: [2027-01-01, 2027-02-05]
  working_days: [2027-02-14]
"""
    section = HoursSection.model_validate(yaml.safe_load(text))
    assert [window.label() for window in section.seat_hours] == ["08:30–12:00", "13:30–17:30"]
    assert [window.label() for window in section.windows_for("haidian")] == ["09:00–17:00"]
    assert section.windows_for("chaoyang") == section.seat_hours
    assert section.calendar.holidays == [date(2027, 1, 1), date(2027, 2, 5)]
    assert section.calendar.working_days == [date(2027, 2, 14)]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("08:30", time(8, 30)), ("8:30", time(8, 30)), ("00:00", time(0)), ("23:59", time(23, 59))],
)
def test_clock_times(text: str, parsed: time) -> None:
    assert parse_clock_time(text) == parsed


@pytest.mark.parametrize(
    ("data", "location", "message"),
    [
        (
            {"seat_hours": [{"start": "08:30", "end": "25:00"}]},
            ("seat_hours", 0, "end"),
            "'25:00' is not a clock time",
        ),
        (
            {"seat_hours": [{"start": "08:60", "end": "17:30"}]},
            ("seat_hours", 0, "start"),
            "not a clock time",
        ),
        (
            {"seat_hours": [{"start": "8h30", "end": "17:30"}]},
            ("seat_hours", 0, "start"),
            "not a clock time",
        ),
        (
            {"seat_hours": [{"start": "08:30:00", "end": "17:30"}]},
            ("seat_hours", 0, "start"),
            "'HH:MM'",
        ),
        (
            {"seat_hours": [{"start": "17:30", "end": "08:30"}]},
            ("seat_hours", 0),
            "start must be before end",
        ),
        (
            {"seat_hours": [{"start": "08:30", "end": "08:30"}]},
            ("seat_hours", 0),
            "start must be before end",
        ),
        (
            {
                "seat_hours": [
                    {"start": "08:30", "end": "12:00"},
                    {"start": "11:30", "end": "17:30"},
                ]
            },
            ("seat_hours",),
            "windows 08:30–12:00 and 11:30–17:30 overlap",
        ),
        (
            {
                "platform_hours": {
                    "haidian": [
                        {"start": "13:00", "end": "17:00"},
                        {"start": "09:00", "end": "14:00"},
                    ]
                }
            },
            ("platform_hours", "haidian"),
            "overlap",
        ),
        ({"seat_hours": []}, ("seat_hours",), "at least 1 item"),
        (
            {"platform_hours": {"Haidian Court": [{"start": "09:00", "end": "17:00"}]}},
            ("platform_hours", "Haidian Court", "[key]"),
            "should match pattern",
        ),
        ({"timezone": "Asia/Shangai"}, ("timezone",), "unknown time zone 'Asia/Shangai'"),
        ({"timezone": "Mars/Olympus_Mons"}, ("timezone",), "IANA name"),
        ({"timezone": "../etc/passwd"}, ("timezone",), "unknown time zone"),
        (
            {"calendar": {"holidays": ["2027-01-01"], "working_days": ["2027-01-01"]}},
            ("calendar",),
            "2027-01-01 listed both in holidays and in working_days",
        ),
        ({"calendar": {"holidays": ["2027-02-30"]}}, ("calendar", "holidays", 0), "valid date"),
        ({"opening_hours": []}, ("opening_hours",), "Extra inputs are not permitted"),
        (
            {"seat_hours": [{"start": "08:30", "end": "17:30", "days": "mon-fri"}]},
            ("seat_hours", 0, "days"),
            "Extra inputs",
        ),
    ],
)
def test_bad_section_names_where_it_is_wrong(
    data: dict[str, Any], location: tuple[str | int, ...], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        HoursSection.model_validate(data)
    errors = caught.value.errors()
    assert len(errors) == 1
    assert errors[0]["loc"] == location
    assert message in errors[0]["msg"]


def test_unquoted_yaml_clock_time_gets_a_hint_to_quote_it() -> None:
    # YAML 1.1 reads 17:30 as 17 * 60 + 30; 08:30 stays a string because of its leading zero.
    data = yaml.safe_load("seat_hours:\n  - {start: 08:30, end: 17:30}\n")
    assert data["seat_hours"][0]["end"] == 1050
    with pytest.raises(ValidationError, match=r'quote clock times in YAML, e\.g\. end: "17:30"'):
        HoursSection.model_validate(data)


def test_section_is_immutable() -> None:
    section = HoursSection()
    with pytest.raises(ValidationError):
        section.timezone = "UTC"  # type: ignore[misc]

"""The `hours:` YAML section: time zone, seat opening windows per platform, calendar overrides."""

from __future__ import annotations

import re
from datetime import date, time
from itertools import pairwise
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, field_validator, model_validator

from config.base import Strict

# Same rule as config.schema.Identifier; repeated so config.schema can import this module.
PlatformId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]

CLOCK_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
DEFAULT_TIMEZONE = "Asia/Shanghai"


def parse_clock_time(value: object) -> time:
    """'HH:MM' on a 24-hour clock, 00:00 to 23:59."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 17:30 as the base-60 number 1050.
        raise ValueError(f'got the number {value}: quote clock times in YAML, e.g. end: "17:30"')
    if not isinstance(value, str):
        raise ValueError(f"must be a clock time 'HH:MM', not {type(value).__name__}")
    match = CLOCK_TIME.match(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not a clock time 'HH:MM' between 00:00 and 23:59")
    return time(int(match.group(1)), int(match.group(2)))


class TimeWindow(Strict):
    """Seats are open from `start` (included) to `end` (excluded), local time, on working days."""

    start: time
    end: time

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock_time(cls, value: object) -> time:
        return parse_clock_time(value)

    @model_validator(mode="after")
    def _start_before_end(self) -> TimeWindow:
        if self.start >= self.end:
            raise ValueError(
                f"window {self.label()}: start must be before end (windows cannot cross midnight)"
            )
        return self

    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def _sorted_without_overlaps(windows: list[TimeWindow]) -> list[TimeWindow]:
    ordered = sorted(windows, key=lambda window: window.start)
    for earlier, later in pairwise(ordered):
        if later.start < earlier.end:
            raise ValueError(f"windows {earlier.label()} and {later.label()} overlap")
    return ordered


Windows = Annotated[list[TimeWindow], Field(min_length=1), AfterValidator(_sorted_without_overlaps)]


def _default_seat_hours() -> list[TimeWindow]:
    return [TimeWindow(start=time(8, 30), end=time(17, 30))]


class CalendarOverrides(Strict):
    """Local arrangements, and years the chinese-calendar package does not know yet."""

    holidays: list[date] = Field(default_factory=list)
    working_days: list[date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _disjoint(self) -> CalendarOverrides:
        both = sorted(set(self.holidays) & set(self.working_days))
        if both:
            listed = ", ".join(day.isoformat() for day in both)
            raise ValueError(f"{listed} listed both in holidays and in working_days")
        return self


class HoursSection(Strict):
    timezone: str = DEFAULT_TIMEZONE
    seat_hours: Windows = Field(default_factory=_default_seat_hours)
    platform_hours: dict[PlatformId, Windows] = Field(default_factory=dict)
    calendar: CalendarOverrides = Field(default_factory=CalendarOverrides)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r}: use an IANA name such as 'Asia/Shanghai'"
            ) from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def windows_for(self, platform_id: str) -> list[TimeWindow]:
        return self.platform_hours.get(platform_id, self.seat_hours)

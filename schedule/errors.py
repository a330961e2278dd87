"""Errors the schedule package raises, each with a stable code; misuse raises ValueError."""

from __future__ import annotations


class ScheduleError(Exception):
    code: str = "schedule-error"


class NoWorkingDayError(ScheduleError, LookupError):
    """The configured calendar has no working day within the search horizon."""

    code = "no-working-day"

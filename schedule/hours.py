"""When seats answer: opening windows on working days, per platform, in the hotline's time zone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time

from schedule.calendar import WorkdayCalendar
from schedule.config import HoursSection, TimeWindow


def join_adjacent(windows: Sequence[TimeWindow]) -> tuple[TimeWindow, ...]:
    """Sorted windows with touching ones (08:30–12:00, 12:00–17:30) joined into one."""
    joined: list[TimeWindow] = []
    for window in sorted(windows, key=lambda window: window.start):
        if joined and window.start <= joined[-1].end:
            last = joined.pop()
            window = TimeWindow(start=last.start, end=max(last.end, window.end))
        joined.append(window)
    return tuple(joined)


def window_at(windows: Sequence[TimeWindow], at: time) -> TimeWindow | None:
    """The window holding the clock time `at` (start included, end excluded), if any."""
    return next((window for window in windows if window.start <= at < window.end), None)


def next_start_after(windows: Sequence[TimeWindow], at: time) -> time | None:
    """The first window start later than `at` on the same day, if any."""
    return next((window.start for window in windows if at < window.start), None)


class SeatHours:
    """Whether seats are open; outside these hours only the IVR and message-taking answer."""

    def __init__(
        self,
        default_windows: Sequence[TimeWindow],
        platform_windows: Mapping[str, Sequence[TimeWindow]],
        calendar: WorkdayCalendar,
    ) -> None:
        if not default_windows:
            raise ValueError("default_windows must hold at least one window")
        empty = sorted(platform for platform, windows in platform_windows.items() if not windows)
        if empty:
            raise ValueError(f"platforms {', '.join(empty)} have no opening window")
        self.default_windows = join_adjacent(default_windows)
        self.platform_windows = {
            platform: join_adjacent(windows) for platform, windows in platform_windows.items()
        }
        self.calendar = calendar

    @classmethod
    def from_config(
        cls, section: HoursSection, calendar: WorkdayCalendar | None = None
    ) -> SeatHours:
        if calendar is None:
            calendar = WorkdayCalendar.from_config(section.calendar, section.zone)
        return cls(section.seat_hours, section.platform_hours, calendar)

    def windows_for(self, platform_id: str) -> tuple[TimeWindow, ...]:
        """The platform's own windows, or the default ones when it has none."""
        return self.platform_windows.get(platform_id, self.default_windows)

    def is_open(self, platform_id: str, moment: datetime) -> bool:
        local = self.calendar.local(moment)
        return self._window_holding(platform_id, local) is not None

    def closes_at(self, platform_id: str, moment: datetime) -> datetime | None:
        """When the open window holding `moment` ends; None when seats are closed."""
        local = self.calendar.local(moment)
        window = self._window_holding(platform_id, local)
        if window is None:
            return None
        return self._at(local.date(), window.end)

    def next_opening(self, platform_id: str, moment: datetime) -> datetime:
        """The first moment at or after `moment` when seats are open: `moment` itself if open."""
        local = self.calendar.local(moment)
        windows = self.windows_for(platform_id)
        today = local.date()
        if self.calendar.is_working_day(today):
            if window_at(windows, local.time()) is not None:
                return local
            later_today = next_start_after(windows, local.time())
            if later_today is not None:
                return self._at(today, later_today)
        return self._at(self.calendar.next_working_day(today), windows[0].start)

    def _window_holding(self, platform_id: str, local: datetime) -> TimeWindow | None:
        if not self.calendar.is_working_day(local.date()):
            return None
        return window_at(self.windows_for(platform_id), local.time())

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.calendar.zone)

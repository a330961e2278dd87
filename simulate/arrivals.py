"""Callers for `hotline simulate`: Poisson arrivals per court and clock hour, or recorded calls.

A caller's handle time and patience are drawn as they arrive, from the random stream of their
own session (a day's seat hours), so every routing variant of a comparison meets exactly the
same callers and differs only by how they were routed.

Rates file (CSV, UTF-8, header `court,hour,calls_per_hour`): one row per court and local clock
hour (0–23), or `*` for every hour the court has no row of its own. Courts without a row get no
calls.

Recorded calls (CSV, UTF-8, header `time,court,queue,handle_s,patience_s`): `time` is
`YYYY-MM-DD HH:MM[:SS]` in the hotline's time zone (or ISO 8601 with an offset); `court` is a
platform id or the number the caller dialled (a court's number, or a hotline number for HQ);
`queue` may be blank for the queue the 0 key reaches; `handle_s` is the talk time; a blank
`patience_s` is a caller who would have waited as long as it took.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from zoneinfo import ZoneInfo

from schedule.calendar import WorkdayCalendar
from schedule.config import TimeWindow
from schedule.hours import window_at
from simulate.errors import InputFileError, SimulationError
from simulate.model import Arrival

HANDLE_DISTRIBUTIONS = ("exponential", "lognormal")
RATE_COLUMNS = ("court", "hour", "calls_per_hour")
RECORDED_COLUMNS = ("time", "court", "queue", "handle_s", "patience_s")
_OPTIONAL_RECORDED = frozenset({"queue", "patience_s"})
EVERY_HOUR = "*"


@dataclass(frozen=True)
class HandleTime:
    """Talk time of an answered call: exponential (as Erlang C assumes) or lognormal."""

    mean_s: float
    distribution: str = "exponential"
    cv: float = 1.0  # lognormal only: standard deviation over the mean

    def draw(self, rng: random.Random) -> float:
        if self.distribution == "exponential":
            return rng.expovariate(1 / self.mean_s)
        sigma_squared = math.log(1 + self.cv**2)
        return rng.lognormvariate(
            math.log(self.mean_s) - sigma_squared / 2, math.sqrt(sigma_squared)
        )

    def describe(self) -> str:
        if self.distribution == "exponential":
            return f"exponential, mean {self.mean_s:g} s"
        return f"lognormal, mean {self.mean_s:g} s, cv {self.cv:g}"


@dataclass(frozen=True)
class Patience:
    """How long a caller waits before hanging up: exponential, or forever (None)."""

    mean_s: float | None

    def draw(self, rng: random.Random) -> float | None:
        return None if self.mean_s is None else rng.expovariate(1 / self.mean_s)

    def describe(self) -> str:
        return "never hangs up" if self.mean_s is None else f"exponential, mean {self.mean_s:g} s"


@dataclass(frozen=True)
class RateTable:
    """Calls per hour for each court (platform id), by local clock hour.

    The key None holds a court's rate for every hour that has no entry of its own.
    """

    rates: Mapping[str, Mapping[int | None, float]]

    @classmethod
    def flat(cls, calls_per_hour: float, shares: Mapping[str, float]) -> RateTable:
        weight = sum(shares.values())
        return cls({court: {None: calls_per_hour * w / weight} for court, w in shares.items()})

    def for_hour(self, hour: int) -> list[tuple[str, float]]:
        courts = []
        for court, by_hour in self.rates.items():
            rate = by_hour.get(hour, by_hour.get(None, 0.0))
            if rate > 0:
                courts.append((court, rate))
        return courts

    def total(self, hour: int) -> float:
        return sum(rate for _, rate in self.for_hour(hour))


@dataclass(frozen=True)
class Opening:
    """The seats open at `start` (local time) for `length_s` seconds: one simulated session."""

    start: datetime
    length_s: float

    def label(self) -> str:
        end = self.start + timedelta(seconds=self.length_s)
        return f"{self.start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def window_seconds(window: TimeWindow) -> float:
    start = window.start.hour * 3600 + window.start.minute * 60
    return window.end.hour * 3600 + window.end.minute * 60 - start


def openings(
    calendar: WorkdayCalendar, windows: Sequence[TimeWindow], first_day: date, days: int
) -> list[Opening]:
    """Each seat-hours window of `days` working days from `first_day` on."""
    sessions = []
    day = calendar.working_day_on_or_after(first_day)
    for _ in range(days):
        for window in windows:
            start = datetime.combine(day, window.start, tzinfo=calendar.zone)
            sessions.append(Opening(start, window_seconds(window)))
        day = calendar.next_working_day(day)
    return sessions


def hour_segments(opening: Opening) -> Iterator[tuple[float, float, int]]:
    """(start, end) seconds into the opening and the local clock hour, for each hour it spans."""
    start = 0.0
    while start < opening.length_s:
        local = opening.start + timedelta(seconds=start)
        into_hour = local.minute * 60 + local.second + local.microsecond / 1e6
        end = min(start + 3600 - into_hour, opening.length_s)
        yield start, end, local.hour
        start = end


def expected_calls(rates: RateTable, opening: Opening) -> float:
    return sum(
        rates.total(hour) * (end - start) / 3600 for start, end, hour in hour_segments(opening)
    )


def poisson_arrivals(
    rng: random.Random,
    rates: RateTable,
    queue_mix: Mapping[str, float],
    opening: Opening,
    handle: HandleTime,
    patience: Patience,
) -> Iterator[Arrival]:
    """A Poisson stream whose rate is constant within each clock hour of the opening."""
    queues = list(queue_mix)
    queue_weights = list(accumulate(queue_mix.values()))
    for start, end, hour in hour_segments(opening):
        courts = rates.for_hour(hour)
        total = sum(rate for _, rate in courts)
        if total <= 0:
            continue
        names = [court for court, _ in courts]
        court_weights = list(accumulate(rate for _, rate in courts))
        moment = start
        while True:
            # Memoryless: restarting the gaps at an hour boundary keeps the stream Poisson.
            moment += rng.expovariate(total / 3600)
            if moment >= end:
                break
            court = rng.choices(names, cum_weights=court_weights)[0]
            queue = rng.choices(queues, cum_weights=queue_weights)[0]
            yield Arrival(moment, queue, court, handle.draw(rng), patience.draw(rng))


# ---- files --------------------------------------------------------------------------------------
def _read_rows(
    path: Path, columns: Sequence[str], optional: Collection[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a UTF-8 CSV whose header holds every required column."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise SimulationError(str(path), f"cannot read: {exc.strerror}") from exc
    with handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in reader.fieldnames or []]
        missing = [c for c in columns if c not in header and c not in optional]
        if missing:
            raise SimulationError(
                f"{path}:1",
                f"header: missing column(s) {', '.join(missing)}; expected {','.join(columns)}",
            )
        reader.fieldnames = header
        for row in reader:
            cleaned = {key: (value or "").strip() for key, value in row.items() if key}
            if any(cleaned.values()):
                yield reader.line_num, cleaned


def _number(text: str, *, minimum: float, inclusive: bool = True) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < minimum or (not inclusive and value == minimum):
        bound = f">= {minimum:g}" if inclusive else f"> {minimum:g}"
        raise ValueError(f"must be a number {bound}, not {text!r}")
    return value


def read_rates(path: Path, courts: Collection[str]) -> RateTable:
    rates: dict[str, dict[int | None, float]] = {}
    problems: list[str] = []
    for line, row in _read_rows(path, RATE_COLUMNS, ()):
        court, hour_text = row["court"], row["hour"]
        where = f"{path}:{line}"
        if court not in courts:
            problems.append(f"{where}: court: unknown platform {court!r}")
            continue
        hour: int | None = None
        if hour_text != EVERY_HOUR:
            if not hour_text.isdigit() or int(hour_text) > 23:
                problems.append(f"{where}: hour: must be 0–23 or *, not {hour_text!r}")
                continue
            hour = int(hour_text)
        try:
            rate = _number(row["calls_per_hour"], minimum=0)
        except ValueError as exc:
            problems.append(f"{where}: calls_per_hour: {exc}")
            continue
        if hour in rates.setdefault(court, {}):
            problems.append(f"{where}: row: {court} hour {hour_text} is listed twice")
            continue
        rates[court][hour] = rate
    if problems:
        raise InputFileError(str(path), problems)
    if not any(rate > 0 for by_hour in rates.values() for rate in by_hour.values()):
        raise SimulationError(str(path), "no court has a rate above 0")
    return RateTable(rates)


@dataclass(frozen=True)
class RecordedCall:
    at: datetime
    court: str  # platform id
    queue_id: str
    handle_s: float
    patience_s: float | None


def read_recorded_calls(
    path: Path,
    *,
    home_for: Callable[[str], str | None],
    queues: Collection[str],
    default_queue: str,
    zone: ZoneInfo,
) -> list[RecordedCall]:
    """Every row, in time order; any bad row refuses the file (a partial day would mislead)."""
    calls: list[RecordedCall] = []
    problems: list[str] = []
    for line, row in _read_rows(path, RECORDED_COLUMNS, _OPTIONAL_RECORDED):
        where = f"{path}:{line}"
        try:
            at = datetime.fromisoformat(row["time"])
        except ValueError:
            problems.append(f"{where}: time: expected YYYY-MM-DD HH:MM[:SS], not {row['time']!r}")
            continue
        at = at.replace(tzinfo=zone) if at.tzinfo is None else at.astimezone(zone)
        court = home_for(row["court"])
        if court is None:
            problems.append(
                f"{where}: court: not a platform id or a routed number: {row['court']!r}"
            )
            continue
        queue = row.get("queue") or default_queue
        if queue not in queues:
            problems.append(f"{where}: queue: unknown queue {queue!r}")
            continue
        try:
            handle_s = _number(row["handle_s"], minimum=0, inclusive=False)
        except ValueError as exc:
            problems.append(f"{where}: handle_s: {exc}")
            continue
        patience_text = row.get("patience_s", "")
        try:
            patience_s = _number(patience_text, minimum=0) if patience_text else None
        except ValueError as exc:
            problems.append(f"{where}: patience_s: {exc}")
            continue
        calls.append(RecordedCall(at, court, queue, handle_s, patience_s))
    if problems:
        raise InputFileError(str(path), problems)
    if not calls:
        raise SimulationError(str(path), "no calls in the file")
    return sorted(calls, key=lambda call: call.at)


def recorded_sessions(
    calls: Iterable[RecordedCall], calendar: WorkdayCalendar, windows: Sequence[TimeWindow]
) -> tuple[list[tuple[Opening, list[Arrival]]], int]:
    """The recorded calls grouped by the seat-hours opening they fell in; and how many fell in
    none (after hours or on a day off: the live switch sends those to a message)."""
    sessions: dict[tuple[date, int], tuple[Opening, list[Arrival]]] = {}
    outside = 0
    for call in calls:
        local = call.at.astimezone(calendar.zone)
        window = window_at(windows, local.time()) if calendar.is_working_day(local.date()) else None
        if window is None:
            outside += 1
            continue
        key = (local.date(), windows.index(window))
        if key not in sessions:
            start = datetime.combine(local.date(), window.start, tzinfo=calendar.zone)
            sessions[key] = (Opening(start, window_seconds(window)), [])
        opening, arrivals = sessions[key]
        arrivals.append(
            Arrival(
                (local - opening.start).total_seconds(),
                call.queue_id,
                call.court,
                call.handle_s,
                call.patience_s,
            )
        )
    return [sessions[key] for key in sorted(sessions)], outside

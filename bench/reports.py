"""`python -m bench.reports`: what a report costs as the records grow.

A month of synthetic records (calls, abandoned callers on the callback list, work orders, and
follow-ups) over many courts, at rising sizes. For each size, in the same run:

- the baseline: the whole hotline's figures alone (one pass over the records);
- building the report: those, and the same figures for each court and each day;
- writing it as HTML (with its SVG charts), CSV and XLSX;
- the peak memory those take on top of the records (tracemalloc).

The ratio "build ÷ totals" says how many such passes the whole report costs. It should stay a
small constant however many courts and days there are: the records are sorted into courts and
days once (filtering every record again for each court and each day costs about three times as
much at 90,000 calls).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from reports.figures import Rules, figures
from reports.model import (
    CallbackRecord,
    CallRecord,
    Figures,
    FollowUpRecord,
    OrderRecord,
    Period,
    Records,
    window_for,
)
from reports.render import Report, build, to_csv, to_html, write_xlsx

MONTH = date(2026, 11, 1)
DEFAULT_SIZES = (10_000, 30_000, 90_000)


def synthetic_month(calls: int, courts: int, seed: int = 12368) -> Records:
    """`calls` calls spread over the month and the courts; an order for one call in ten."""
    rng = random.Random(seed)
    court_ids = [f"court{index:02d}" for index in range(courts)]
    call_records: list[CallRecord] = []
    callbacks: list[CallbackRecord] = []
    orders: list[OrderRecord] = []
    follow_ups: list[FollowUpRecord] = []
    for _ in range(calls):
        court = rng.choice(court_ids)
        day = MONTH + timedelta(days=rng.randrange(30))
        started = datetime(day.year, day.month, day.day, 9, tzinfo=UTC) + timedelta(
            seconds=rng.randrange(8 * 3600)
        )
        queued = started + timedelta(seconds=rng.randrange(10, 60))
        answered = rng.random() < 0.85
        connected = queued + timedelta(seconds=rng.randrange(90)) if answered else None
        ended = (connected or queued) + timedelta(seconds=rng.randrange(20, 900))
        reason = "completed" if answered else "abandoned_in_queue"
        survey = rng.choice(("satisfied", "unsatisfied", None)) if answered else None
        call_records.append(CallRecord(court, day, queued, connected, ended, reason, survey))
        if not answered:
            callbacks.append(CallbackRecord(court, day, rng.random() < 0.7))
        if rng.random() < 0.1:
            due = started + timedelta(days=3)
            replied = started + timedelta(hours=rng.randrange(1, 100))
            replied_day = replied.date()
            # Most are closed a day or two after the reply (and graded); some stay open.
            closed = replied_day + timedelta(days=rng.randrange(3)) if rng.random() < 0.8 else None
            division = f"{court}-div{rng.randrange(4)}"
            grade = rng.choice(("pass", "pass", "fail")) if closed else None
            orders.append(
                OrderRecord(
                    court, division, day, due, due.date(), replied, replied_day, closed, grade
                )
            )
            if closed and rng.random() < 0.2:
                follow_ups.append(FollowUpRecord(court, division, closed, True))
    return Records(tuple(call_records), tuple(callbacks), tuple(orders), tuple(follow_ups))


@dataclass(frozen=True)
class Row:
    calls: int
    totals_ms: float
    build_ms: float
    html_ms: float
    csv_ms: float
    xlsx_ms: float
    peak_mb: float

    @property
    def passes(self) -> float:
        return self.build_ms / self.totals_ms if self.totals_ms else float("nan")


def _timed(work: Callable[[], object], repeat: int) -> float:
    """The best of `repeat` runs, in ms (the least disturbed by the rest of the machine)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def measure(calls: int, courts: int, repeat: int) -> Row:
    records = synthetic_month(calls, courts)
    window = window_for(Period.MONTHLY, MONTH)
    names = {f"court{index:02d}": f"第{index + 1}法院" for index in range(courts)}
    rules = Rules()
    now = datetime(2026, 12, 1, 8, tzinfo=UTC)

    def totals() -> Figures:
        return figures(records, window, rules)

    def report() -> Report:
        return build(
            records, window, rules, names, court=None, hotline_name="12368热线", generated_at=now
        )

    totals_ms = _timed(totals, repeat)
    build_ms = _timed(report, repeat)
    built = report()
    html_ms = _timed(lambda: to_html(built), repeat)
    csv_ms = _timed(lambda: to_csv(built), repeat)
    with tempfile.TemporaryDirectory() as folder:
        xlsx_ms = _timed(lambda: write_xlsx(built, Path(folder) / "report.xlsx"), repeat)
    tracemalloc.start()
    to_html(report())
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Row(calls, totals_ms, build_ms, html_ms, csv_ms, xlsx_ms, peak / 2**20)


def table(rows: list[Row], courts: int) -> str:
    lines = [
        f"Monthly report, {courts} courts, 30 days (best of the runs; ms)",
        "",
        "   calls    totals     build  build/totals      html     csv     xlsx   peak MB",
    ]
    for row in rows:
        lines.append(
            f"{row.calls:>8,} {row.totals_ms:>9.1f} {row.build_ms:>9.1f} {row.passes:>12.1f}x"
            f" {row.html_ms:>9.1f} {row.csv_ms:>7.1f} {row.xlsx_ms:>8.1f} {row.peak_mb:>9.1f}"
        )
    first, last = rows[0], rows[-1]
    if len(rows) > 1:
        growth = last.calls / first.calls
        lines += [
            "",
            f"{growth:.0f}x the calls: build took {last.build_ms / first.build_ms:.1f}x as long,"
            f" the totals {last.totals_ms / first.totals_ms:.1f}x.",
        ]
    return "\n".join(lines)


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: give call counts, e.g. 10000,90000") from exc
    if not sizes or sizes[0] < 100 or sizes[-1] > 2_000_000:
        raise argparse.ArgumentTypeError(f"{text!r}: sizes must be within 100..2000000 calls")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reports",
        description=(
            "What building and writing a monthly report costs as the records grow, against "
            "the whole hotline's figures alone, measured in the same run. Synthetic records; no "
            "database or Asterisk needed."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=",".join(map(str, DEFAULT_SIZES)),
        help="calls in the month, comma-separated",
    )
    parser.add_argument("--courts", type=int, default=20, help="courts the calls are spread over")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    args = parser.parse_args(argv)
    if not 1 <= args.courts <= 500 or not 1 <= args.repeat <= 20:
        parser.error("--courts must be within 1..500 and --repeat within 1..20")
    rows = []
    for calls in args.sizes:
        print(f"measuring {calls:,} calls…", file=sys.stderr, flush=True)
        rows.append(measure(calls, args.courts, args.repeat))
    print(table(rows, args.courts))
    return 0


if __name__ == "__main__":
    sys.exit(main())

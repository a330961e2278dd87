"""`hotline report daily|weekly|monthly`: a report as HTML (with charts), CSV and XLSX files.

The argument handling lives here; hotline/cli.py opens the database and calls `run_command`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO

import asyncpg

from config.schema import HotlineConfig
from reports.figures import Rules
from reports.model import Period, window_for
from reports.render import Report, build, to_csv, to_html, write_xlsx
from reports.store import load


def add_commands(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    config_options: Callable[[argparse.ArgumentParser], None],
    handler: Callable[[argparse.Namespace], int],
) -> None:
    report = commands.add_parser(
        "report",
        help="daily, weekly or monthly report as HTML (with charts), CSV and XLSX",
        description=(
            "Computes the reported numbers — calls offered, answered, 接通率, abandoned, 回拨率, "
            "service level, average wait and handle time, long calls, self-service, satisfaction, "
            "work orders created, replied on time and overdue, 质检 pass rate, follow-ups done — "
            "from the call, callback and work-order records, for every court or one, and writes "
            "them as FILE.html (tables and charts), FILE.csv and FILE.xlsx."
        ),
    )
    report.add_argument("period", choices=[p.value for p in Period])
    report.add_argument("--court", help="one court's platform id (default: every court)")
    report.add_argument(
        "--date",
        type=date.fromisoformat,
        help="a day in the period (default: yesterday, last week, last month)",
    )
    report.add_argument("--out", default="var/reports", help="folder (default: var/reports)")
    config_options(report)
    report.set_defaults(handler=handler)


def default_day(period: Period, today: date) -> date:
    match period:
        case Period.DAILY:
            return today - timedelta(days=1)
        case Period.WEEKLY:
            return today - timedelta(days=7)
        case Period.MONTHLY:
            return today.replace(day=1) - timedelta(days=1)
    raise AssertionError(period)


async def make_report(
    pool: asyncpg.Pool,
    config: HotlineConfig,
    period: Period,
    day: date,
    court: str | None,
    now: datetime,
) -> Report:
    zone = config.hours.zone
    window = window_for(period, day)
    since = datetime.combine(window.start, time(0), zone)
    until = datetime.combine(window.end, time(0), zone)
    records = await load(pool, since, until, zone)
    # Survey answers are named in the YAML; the one named `satisfied` counts as satisfied.
    rules = Rules(
        service_level_s=config.console.service_level_s,
        long_call_s=config.console.long_call_minutes * 60,
        satisfied=frozenset({"satisfied"}),
    )
    # Some 0.4 s of arithmetic for a month of 90,000 calls in 20 courts (make bench-reports):
    # off the event loop, which a running switch needs for Asterisk's events.
    return await asyncio.to_thread(
        build,
        records,
        window,
        rules,
        {platform.id: platform.name for platform in config.platforms},
        court=court,
        hotline_name=f"{config.hotline.numbers[0]}热线",
        generated_at=now.astimezone(zone),
    )


def write_files(report: Report, folder: Path, stem: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    html, csv_file, xlsx = (folder / f"{stem}.{ext}" for ext in ("html", "csv", "xlsx"))
    html.write_text(to_html(report), encoding="utf-8")
    # With a byte-order mark: spreadsheet programs then read the Chinese headers right.
    csv_file.write_text(to_csv(report), encoding="utf-8-sig")
    write_xlsx(report, xlsx)
    return [html, csv_file, xlsx]


async def run_command(
    args: argparse.Namespace,
    pool: asyncpg.Pool,
    config: HotlineConfig,
    out: TextIO | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    out = out or sys.stdout
    period = Period(args.period)
    courts = {platform.id for platform in config.platforms}
    if args.court is not None and args.court not in courts:
        print(f"hotline: --court: {args.court} is not a platform id of the config", file=sys.stderr)
        return 2
    now = clock()
    day = args.date or default_day(period, now.astimezone(config.hours.zone).date())
    report = await make_report(pool, config, period, day, args.court, now)
    stem = f"{period.value}-{args.court or 'all'}-{report.window.start:%Y%m%d}"
    for path in write_files(report, Path(args.out), stem):
        print(path, file=out)
    return 0

"""`hotline recordings verify|purge`: recordings' integrity and retention from the shell.

The argument handling lives here; hotline/cli.py opens the database and calls `run_command`.
The controller purges by itself every hour; these are for an operator who wants to look now.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

import asyncpg

from config.schema import HotlineConfig
from recordings.service import RecordingService
from recordings.store import RecordingStore


def add_commands(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    config_options: Callable[[argparse.ArgumentParser], None],
    handler: Callable[[argparse.Namespace], int],
) -> None:
    recordings = commands.add_parser(
        "recordings",
        help="recordings: check their checksums, purge those past retention",
        description=(
            "Each recording's SHA-256 is taken when it is filed. `verify` checks every stored "
            "file against it and lists those altered or missing (exit status 1 if any); "
            "`purge` deletes those past `recordings.retention` and lists them (the running "
            "controller does this every hour by itself)."
        ),
    )
    actions = recordings.add_subparsers(dest="recordings_command", required=True)
    verify = actions.add_parser("verify", help="check every stored recording's checksum")
    config_options(verify)
    verify.set_defaults(handler=handler)
    purge = actions.add_parser("purge", help="delete recordings past their retention")
    purge.add_argument(
        "--dry-run", action="store_true", help="list what would be deleted, delete nothing"
    )
    config_options(purge)
    purge.set_defaults(handler=handler)


async def run_command(
    args: argparse.Namespace,
    pool: asyncpg.Pool,
    config: HotlineConfig,
    out: TextIO | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    out = out or sys.stdout
    section = config.recordings
    service = RecordingService(
        RecordingStore(pool), section.spool_dir, section.store_dir, section.format, clock
    )
    if args.recordings_command == "verify":
        bad = await service.verify_all()
        for name, found in sorted(bad.items()):
            print(f"{name}: {found.value}", file=out)
        print(f"{len(bad)} recording(s) altered or missing", file=out)
        return 1 if bad else 0
    skills = {queue.id: queue.skill.value for queue in config.queues}
    purged = await service.purge(section.retention.retention(), skills.get, dry_run=args.dry_run)
    for name, category in purged:
        print(f"{name}: {category}", file=out)
    verb = "would be purged" if args.dry_run else "purged"
    print(f"{len(purged)} recording(s) {verb}", file=out)
    return 0

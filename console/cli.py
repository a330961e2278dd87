"""`hotline user …` and `hotline audit`: console accounts and the audit log from the shell.

The argument handling lives here; hotline/cli.py opens the database and calls `run_command`.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

import asyncpg

from config.schema import HotlineConfig
from console.config import ConsoleSection
from console.errors import ConsoleError
from console.model import ROLE_LABELS, Role
from console.service import ConsoleService
from console.store import ConsoleStore


def add_commands(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    config_options: Callable[[argparse.ArgumentParser], None],
    handler: Callable[[argparse.Namespace], int],
) -> None:
    user = commands.add_parser(
        "user",
        help="console accounts: add, change, set a password, list",
        description=(
            "Console accounts for agents, supervisors, consulting judges and admins. Passwords "
            "are read from the terminal (twice) or, with --password-stdin, from one line of "
            "standard input, and stored only as argon2id hashes. A new password or a disabled "
            "account ends that user's sessions."
        ),
    )
    actions = user.add_subparsers(dest="user_command", required=True)
    roles = [role.value for role in Role]

    add = actions.add_parser("add", help="create an account")
    add.add_argument("username", help="2-32 of a-z 0-9 . _ -")
    add.add_argument("--role", required=True, choices=roles)
    add.add_argument("--name", required=True, help="the name shown in the console, e.g. 张三")
    add.add_argument(
        "--platform", help="the platform (court) the user belongs to; none: every platform"
    )
    add.add_argument(
        "--seat", action="append", default=[], help="a seat the user works at (repeatable)"
    )
    add.add_argument("--password-stdin", action="store_true")

    change = actions.add_parser("set", help="change an account's role, platform, seats or state")
    change.add_argument("username")
    change.add_argument("--role", choices=roles)
    change.add_argument("--name")
    where = change.add_mutually_exclusive_group()
    where.add_argument("--platform")
    where.add_argument("--all-platforms", action="store_true")
    change.add_argument("--seats", help="comma-separated seat ids; '' for none")
    state = change.add_mutually_exclusive_group()
    state.add_argument("--disable", action="store_true")
    state.add_argument("--enable", action="store_true")

    password = actions.add_parser("password", help="set a new password")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")

    actions.add_parser("list", help="every account")
    for parser in actions.choices.values():
        config_options(parser)
    user.set_defaults(handler=handler)

    audit = commands.add_parser(
        "audit",
        help="the audit log: sign-ins, personal-data views, recordings, config reloads",
    )
    audit.add_argument("--action", help="only this action, e.g. personal-data-viewed")
    audit.add_argument("--limit", type=int, default=50, help="newest first (default: 50)")
    config_options(audit)
    audit.set_defaults(handler=handler, user_command="audit")


def read_password(args: argparse.Namespace, stdin: TextIO | None = None) -> str | None:
    """The new password for `add` and `password`, asked before the database is opened."""
    if args.user_command not in ("add", "password"):
        return None
    if args.password_stdin:
        return (stdin or sys.stdin).readline().rstrip("\n")
    first = getpass.getpass(f"Password for {args.username}: ")
    if getpass.getpass("Again: ") != first:
        raise ConsoleError("the two passwords differ")
    return first


async def run_command(
    args: argparse.Namespace,
    pool: asyncpg.Pool,
    config: HotlineConfig,
    password: str | None,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout

    def settings() -> ConsoleSection:
        return config.console

    def now() -> datetime:
        return datetime.now(UTC)

    service = ConsoleService(
        ConsoleStore(pool), settings, now, lambda: [p.id for p in config.platforms]
    )
    command = args.user_command
    if command == "add":
        assert password is not None
        user = await service.add_user(
            args.username,
            args.name,
            Role(args.role),
            password,
            platform=args.platform,
            seats=args.seat,
        )
        print(f"{user.username}: {ROLE_LABELS[user.role]}, created", file=out)
    elif command == "password":
        assert password is not None
        await service.set_password(args.username, password)
        print(f"{args.username}: password changed; their sessions ended", file=out)
    elif command == "set":
        current = next((u for u in await service.users() if u.username == args.username), None)
        if current is None:
            raise ConsoleError(f"no user {args.username!r}")
        platform = current.platform
        if args.all_platforms:
            platform = None
        elif args.platform:
            platform = args.platform
        seats = current.seats
        if args.seats is not None:
            seats = frozenset(s.strip() for s in args.seats.split(",") if s.strip())
        user = await service.update_user(
            args.username,
            display_name=args.name or current.display_name,
            role=Role(args.role) if args.role else current.role,
            platform=platform,
            seats=seats,
            disabled=True if args.disable else False if args.enable else current.disabled,
        )
        print(f"{user.username}: saved", file=out)
    elif command == "list":
        for user in await service.users():
            print(
                f"{user.username:<16} {user.role.value:<10} {user.platform or '(all)':<12} "
                f"{','.join(sorted(user.seats)) or '-':<20} "
                f"{'disabled' if user.disabled else 'active':<8} {user.display_name}",
                file=out,
            )
    elif command == "audit":
        for entry in await service.audit_entries(action=args.action, limit=args.limit):
            print(
                f"{entry.at:%Y-%m-%d %H:%M:%S} {entry.actor:<16} {entry.action:<22} "
                f"{entry.target:<24} {entry.client}",
                file=out,
            )
    else:
        raise ConsoleError(f"unknown command {command!r}")
    return 0

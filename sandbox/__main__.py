"""Command line for the sandbox: `python3 -m sandbox debs|asterisk|postgres ...`."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

from sandbox import SandboxError
from sandbox.asterisk import (
    DEFAULT_ROOT,
    AsteriskInstance,
    AsteriskSettings,
    CarrierTrunk,
    SeatAccount,
    asterisk_version,
    build_root,
)
from sandbox.debian import REQUIRED_PACKAGES, ensure_packages
from sandbox.postgres import LocalCluster


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except SandboxError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python3 -m sandbox", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    debs = commands.add_parser("debs", help=f"install missing Debian packages: {REQUIRED_PACKAGES}")
    debs.set_defaults(handler=_debs)

    asterisk = commands.add_parser("asterisk", help="the Asterisk 22 sandbox")
    asterisk.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="Debian root dir")
    asterisk.add_argument("--instance", default="dev", help="instance name (default: dev)")
    actions = asterisk.add_subparsers(required=True, metavar="ACTION")
    actions.add_parser("build", help="build the Debian root if absent").set_defaults(
        handler=_asterisk_build
    )
    start = actions.add_parser("start", help="(re)start an instance with fresh config")
    start.add_argument("--sip-address", default="127.0.0.1")
    start.add_argument("--sip-port", type=int, default=5060)
    start.add_argument("--http-port", type=int, default=8088)
    start.add_argument("--rtp-start", type=int, default=10000)
    start.add_argument("--rtp-end", type=int, default=20000)
    start.add_argument(
        "--seat",
        action="append",
        default=[],
        metavar="ID:PASSWORD[:NAME]",
        help="a seat softphone account (repeatable)",
    )
    start.add_argument(
        "--carrier",
        action="append",
        default=[],
        metavar="NAME=ADDRESS",
        help="a carrier trunk identified by source address (default: carrier=127.0.0.2)",
    )
    start.set_defaults(handler=_asterisk_start)
    actions.add_parser("stop", help="stop an instance").set_defaults(handler=_asterisk_stop)
    actions.add_parser("status", help="is an instance running").set_defaults(
        handler=_asterisk_status
    )
    cli = actions.add_parser("cli", help="run an Asterisk CLI command in an instance")
    cli.add_argument("command", nargs="+")
    cli.set_defaults(handler=_asterisk_cli)

    postgres = commands.add_parser("postgres", help="a private PostgreSQL 15 cluster")
    postgres.add_argument("action", choices=("start", "stop", "status"))
    postgres.add_argument("--data-dir", type=Path, required=True)
    postgres.add_argument("--port", type=int, required=True)
    postgres.set_defaults(handler=_postgres)
    return parser


def _debs(args: argparse.Namespace) -> int:
    installed = ensure_packages()
    print("installed: " + ", ".join(installed) if installed else "all packages present")
    return 0


def _asterisk_build(args: argparse.Namespace) -> int:
    root = build_root(args.root)
    print(f"{root}: Asterisk {asterisk_version(root)}")
    return 0


def _password_file(args: argparse.Namespace) -> Path:
    return Path(args.root) / "srv" / "hotline" / f"{args.instance}-ari-password"


def _asterisk_start(args: argparse.Namespace) -> int:
    password_file = _password_file(args)
    if password_file.is_file():
        password = password_file.read_text(encoding="utf-8").strip()
    else:
        password = secrets.token_urlsafe(18)
        password_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(password + "\n")
    seats = tuple(_seat(text) for text in args.seat)
    carriers = tuple(_carrier(text) for text in args.carrier) or (
        CarrierTrunk("carrier", "127.0.0.2"),
    )
    settings = AsteriskSettings(
        sip_address=args.sip_address,
        sip_port=args.sip_port,
        http_port=args.http_port,
        ari_password=password,
        carriers=carriers,
        seats=seats,
        rtp_start=args.rtp_start,
        rtp_end=args.rtp_end,
    )
    AsteriskInstance(args.instance, settings, args.root).start()
    print(
        f"Asterisk instance {args.instance}: ARI http://127.0.0.1:{args.http_port}/ari "
        f"user {settings.ari_username}, password in {password_file}; "
        f"SIP {args.sip_address}:{args.sip_port}"
    )
    return 0


def _seat(text: str) -> SeatAccount:
    parts = text.split(":", 2)
    if len(parts) < 2:
        raise SandboxError(f"--seat {text!r}: expected ID:PASSWORD[:NAME]")
    name = parts[2] if len(parts) == 3 else f"Seat {parts[0]}"
    return SeatAccount(parts[0], parts[1], name)


def _carrier(text: str) -> CarrierTrunk:
    name, separator, address = text.partition("=")
    if not separator:
        raise SandboxError(f"--carrier {text!r}: expected NAME=ADDRESS")
    return CarrierTrunk(name, address)


def _control_instance(args: argparse.Namespace) -> AsteriskInstance:
    # Stop, status and cli act on the running process and never render config, so these
    # settings (and their throwaway password) are only a formality of the constructor.
    settings = AsteriskSettings(ari_password=secrets.token_hex(8))
    return AsteriskInstance(args.instance, settings, args.root)


def _asterisk_stop(args: argparse.Namespace) -> int:
    _control_instance(args).stop()
    print(f"Asterisk instance {args.instance} stopped")
    return 0


def _asterisk_status(args: argparse.Namespace) -> int:
    instance = _control_instance(args)
    if not instance.is_running():
        print(f"Asterisk instance {args.instance}: not running")
        return 3
    print(f"Asterisk instance {args.instance}: running")
    print(instance.cli("core show uptime").strip())
    return 0


def _asterisk_cli(args: argparse.Namespace) -> int:
    print(_control_instance(args).cli(" ".join(args.command)), end="")
    return 0


def _postgres(args: argparse.Namespace) -> int:
    cluster = LocalCluster(args.data_dir, args.port)
    if args.action == "start":
        cluster.start()
        params = {k: v for k, v in cluster.connect_params().items() if k != "password"}
        print(f"PostgreSQL running: {params}, password in {cluster.secrets_path}")
    elif args.action == "stop":
        cluster.stop()
        print("PostgreSQL stopped")
    else:
        running = cluster.is_running()
        print(
            f"PostgreSQL in {cluster.data_dir} on port {args.port}: "
            f"{'running' if running else 'not running'}"
        )
        return 0 if running else 3
    return 0


if __name__ == "__main__":
    sys.exit(main())

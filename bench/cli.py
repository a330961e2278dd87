"""`python -m bench`: the load benchmark's command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.peers import CallShape
from bench.results import System
from bench.runner import Options, run_benchmark
from bench.stack import DEFAULT_CONFIG, BenchError
from sandbox import SandboxError

DEFAULTS = Options()


def _rates(text: str) -> tuple[int, ...]:
    try:
        rates = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give calls/s as integers, e.g. 10,20,35"
        ) from exc
    if not rates or rates[0] < 1 or rates[-1] > 500:
        raise argparse.ArgumentTypeError(f"{text!r}: rates must be within 1..500 calls/s")
    return rates


def _systems(text: str) -> tuple[System, ...]:
    try:
        return tuple(System(part.strip()) for part in text.split(",") if part.strip())
    except ValueError as exc:
        known = ", ".join(system.value for system in System)
        raise argparse.ArgumentTypeError(f"{text!r}: systems are {known}") from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Load benchmark of the 12368 hotline switch. SIPp callers at rising call rates into "
            "the IVR, queue and seats (200 SIPp seats that answer), the same call shape routed by "
            "Asterisk's own dialplan Queue(), and a minimal ARI router, all on one private "
            "Asterisk instance ('bench': SIP 5260, ARI 8288) and PostgreSQL cluster (54388). "
            "A system's rate stops rising once it fails the bar. Prints progress, then a table."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--rates",
        type=_rates,
        default=",".join(map(str, DEFAULTS.rates)),
        help="calls/s, comma-separated",
    )
    parser.add_argument("--duration", type=float, default=DEFAULTS.duration_s,
                        help="seconds of calls per rate")  # fmt: skip
    parser.add_argument(
        "--seats", type=int, default=DEFAULTS.seats, help="seats that answer (<= 200)"
    )
    parser.add_argument("--systems", type=_systems, default=",".join(DEFAULTS.systems),
                        help="which of hotline,queue,minimal to run, in this order")  # fmt: skip
    parser.add_argument("--bar", type=float, default=DEFAULTS.bar * 100,
                        help="percent of calls to reach a seat to pass")  # fmt: skip
    parser.add_argument("--warmup-calls", type=int, default=DEFAULTS.warmup_calls,
                        help="unmeasured calls (5/s) before each system")  # fmt: skip
    parser.add_argument("--talk-ms", type=int, default=CallShape().talk_ms,
                        help="caller's talk after the digit")  # fmt: skip
    parser.add_argument("--digit-at-ms", type=int, default=CallShape().digit_at_ms,
                        help="when the caller presses 1 after being answered")  # fmt: skip
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="the hotline YAML")
    parser.add_argument("--var-dir", type=Path, default=DEFAULTS.var_dir,
                        help="state: secrets, PostgreSQL, recordings, run logs")  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not 1 <= args.seats <= 200:
        raise SystemExit("bench: --seats must be within 1..200")
    if not 0 < args.bar <= 100:
        raise SystemExit("bench: --bar is a percentage within (0, 100]")
    if args.duration < 1 or args.warmup_calls < 0:
        raise SystemExit("bench: --duration must be >= 1 s and --warmup-calls >= 0")
    options = Options(
        rates=args.rates,
        duration_s=args.duration,
        seats=args.seats,
        systems=args.systems,
        bar=args.bar / 100,
        warmup_calls=args.warmup_calls,
        shape=CallShape(talk_ms=args.talk_ms, digit_at_ms=args.digit_at_ms),
        config=args.config,
        var_dir=args.var_dir,
    )
    try:
        return run_benchmark(options)
    except (BenchError, SandboxError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1

"""Per-call times from the peers' logs: SIPp callers and seats, and Asterisk's Queue() marks.

Every call of a step carries its own caller number (the step's prefix + SIPp's call number), so
lines from different processes are matched by that number. Times are the host's wall clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# SIPp <log> lines written by bench/sipp/*.xml: "KIND NUMBER SECONDS MICROSECONDS", where SIPp
# prints both numbers as doubles ("1796235383.000000 793287.000000").
_SIPP_LINE = re.compile(
    r"^(?P<kind>[a-z]+) (?P<number>\S+) (?P<seconds>[0-9.]+) (?P<micro>[0-9.]+)$"
)


def parse_sipp_log(lines: Iterable[str], prefix: str) -> dict[str, dict[str, float]]:
    """kind -> caller number -> the first time that kind was logged for the number."""
    found: dict[str, dict[str, float]] = {}
    for line in lines:
        match = _SIPP_LINE.match(line.strip().strip("\x00"))
        if match is None or not match["number"].startswith(prefix):
            continue
        at = float(match["seconds"]) + float(match["micro"]) / 1_000_000
        found.setdefault(match["kind"], {}).setdefault(match["number"], at)
    return found


@dataclass(frozen=True)
class QueueDialled:
    """One caller of the Queue() baseline: entered the dialplan, pressed the key, seat dialled."""

    arrived: float
    digit: float
    dialled: float


def queue_mark_pattern(mark: str) -> re.Pattern[str]:
    return re.compile(
        rf"{re.escape(mark)} (?P<number>\S+) (?P<arrived>[0-9.]+) (?P<digit>[0-9.]+) "
        r"(?P<dialled>[0-9.]+)\s*$"
    )


def parse_queue_marks(lines: Iterable[str], mark: str, prefix: str) -> dict[str, QueueDialled]:
    """The first seat dialled for each caller (later ones are retries after no answer)."""
    pattern = queue_mark_pattern(mark)
    found: dict[str, QueueDialled] = {}
    for line in lines:
        match = pattern.search(line)
        if match is None or not match["number"].startswith(prefix):
            continue
        found.setdefault(
            match["number"],
            QueueDialled(float(match["arrived"]), float(match["digit"]), float(match["dialled"])),
        )
    return found


def parse_queue_seated(lines: Iterable[str], mark: str, prefix: str) -> set[str]:
    """The caller numbers Queue() connected to a member."""
    pattern = re.compile(rf"{re.escape(mark)} (?P<number>\S+)\s*$")
    found = set()
    for line in lines:
        match = pattern.search(line)
        if match is not None and match["number"].startswith(prefix):
            found.add(match["number"])
    return found


def intervals_ms(starts: Mapping[str, float], ends: Mapping[str, float]) -> list[float]:
    """end - start in milliseconds for every call that has both."""
    return [(ends[key] - starts[key]) * 1000 for key in starts.keys() & ends.keys()]


def step_prefix(step: int) -> str:
    """A fixed-width caller-number prefix per step: no number of one step matches another's."""
    if not 0 <= step < 1000:
        raise ValueError(f"step {step} must be within 0..999")
    return f"139{step:03d}"

"""The SIP peers: one SIPp process for all seats, one SIPp process of callers per step."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.stack import SIPP_DIR, BenchError, make_voices

# Apart from the SIPp control ports the test suite's peers take (8888 and up).
CALLER_CONTROL_PORT = 8960
SEATS_CONTROL_PORT = 8961
CALLER_SIP_PORT = 5261
SEATS_SIP_PORT = 5270
CALLER_MEDIA_PORT = 30000
SEATS_MEDIA_PORT = 32000
# Asterisk keeps a registration 300 s; renew well before.
REFRESH_MS = 120_000


@dataclass(frozen=True)
class CallShape:
    """What every caller does: answered, one digit after digit_at_ms, talk_ms of voice, BYE."""

    digit: str = "1"
    digit_at_ms: int = 500
    talk_ms: int = 2000


def seats_csv(seats: list[tuple[str, str]]) -> str:
    """SIPp's injection file: the whole [authentication] keyword sits in the second field."""
    lines = ["SEQUENTIAL"]
    for seat_id, password in seats:
        if ";" in seat_id or ";" in password or "]" in password:
            raise BenchError(f"seat {seat_id}: id or password holds a character SIPp cannot take")
        lines.append(f"{seat_id};[authentication username={seat_id} password={password}]")
    return "\n".join(lines) + "\n"


def seats_command(target: str, address: str, seats: int, stop_after_s: int) -> list[str]:
    return [
        "sipp", target,
        "-sf", str(SIPP_DIR / "seats.xml"),
        "-oocsf", str(SIPP_DIR / "seat-answer.xml"),
        "-inf", "seats.csv",
        "-i", address, "-p", str(SEATS_SIP_PORT),
        "-mi", address, "-mp", str(SEATS_MEDIA_PORT),
        "-cp", str(SEATS_CONTROL_PORT),
        "-key", "refresh_ms", str(REFRESH_MS),
        "-key", "stop_ms", str(stop_after_s * 1000),
        "-r", "100", "-m", str(seats),
        # A bound of its own, should the benchmark die without stopping it.
        "-timeout", f"{stop_after_s + 60}s",
        "-nostdin", "-trace_err", "-error_file", "errors.log",
        "-trace_logs", "-log_file", "seats.log",
    ]  # fmt: skip


def caller_command(
    target: str,
    number: str,
    address: str,
    prefix: str,
    rate: int,
    calls: int,
    shape: CallShape,
) -> list[str]:
    duration_s = calls / rate
    return [
        "sipp", target,
        "-sf", str(SIPP_DIR / "caller.xml"),
        "-s", number,
        "-i", address, "-p", str(CALLER_SIP_PORT),
        "-mi", address, "-mp", str(CALLER_MEDIA_PORT),
        "-cp", str(CALLER_CONTROL_PORT),
        "-key", "prefix", prefix,
        "-key", "digit", shape.digit,
        "-key", "digit_at_ms", str(shape.digit_at_ms),
        "-key", "talk_ms", str(shape.talk_ms),
        "-r", str(rate), "-rp", "1000", "-m", str(calls),
        "-recv_timeout", "15000",
        "-timeout", f"{round(duration_s) + 60}s",
        "-nostdin", "-trace_err", "-error_file", "errors.log",
        "-trace_logs", "-log_file", "caller.log",
        "-trace_stat", "-stf", "stats.csv", "-fd", "5",
    ]  # fmt: skip


def _sipp_env() -> dict[str, str]:
    return {**os.environ, "TERM": "dumb"}


class SippProcess:
    def __init__(self, command: list[str], workdir: Path) -> None:
        self.workdir = workdir
        make_voices(workdir)
        self.process = subprocess.Popen(
            command,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=_sipp_env(),
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise BenchError(
                f"SIPp in {self.workdir} did not finish within {timeout:.0f} s"
            ) from None

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def errors(self, limit: int = 600) -> str:
        path = self.workdir / "errors.log"
        if not path.is_file():
            return ""
        return path.read_text(encoding="utf-8", errors="replace")[-limit:].strip()


def read_from(path: Path, offset: int) -> list[str]:
    """The lines a log file gained since `offset` (SIPp and Asterisk only append)."""
    if not path.is_file():
        return []
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode("utf-8", errors="replace").splitlines()


def size_of(path: Path) -> int:
    return path.stat().st_size if path.is_file() else 0


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.5) -> bool:
    """Poll `check()` until it returns True or the timeout passes."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)

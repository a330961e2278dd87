"""The switches under test, each its own process: the hotline controller, the minimal router.

(The third, dialplan Queue(), runs inside Asterisk and needs no process of its own.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bench.stack import MINIMAL_APP, BenchError

READY_TIMEOUT_S = 30.0


class SwitchProcess:
    """A process started by the benchmark, stopped with SIGTERM (SIGKILL if it lingers)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, **env},
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 15) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def script(name: str) -> str:
    """A console script of this virtualenv (the benchmark runs from .venv/bin/python)."""
    return str(Path(sys.executable).parent / name)


# ---- the hotline controller


def start_hotline(config: Path, var_dir: Path, database_url: str, log: Path) -> SwitchProcess:
    command = [
        script("hotline"), "run", "--config", str(config), "--var-dir", str(var_dir),
        "--log-format", "json",
    ]  # fmt: skip
    return SwitchProcess("hotline", command, {"HOTLINE_DATABASE_URL": database_url}, log)


def status(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"{url}/api/status", timeout=2) as reply:  # noqa: S310
            document: dict[str, Any] = json.load(reply)
            return document
    except (urllib.error.URLError, OSError, ValueError):
        return None


def registered_seats(document: dict[str, Any]) -> int:
    return sum(1 for seat in document.get("seats", []) if seat.get("registered"))


def wait_hotline_ready(process: SwitchProcess, status_url: str, seats: int) -> None:
    """ARI connected and every seat seen registered; otherwise say what the log says."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    document: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        if not process.running():
            raise BenchError(
                f"the controller exited ({process.process.returncode}); {why(process)}"
            )
        document = status(status_url)
        if document and document.get("ari_connected") and registered_seats(document) >= seats:
            return
        time.sleep(0.5)
    seen = "no status" if document is None else (
        f"ARI connected: {document.get('ari_connected')}, "
        f"{registered_seats(document)}/{seats} seats registered"
    )  # fmt: skip
    raise BenchError(
        f"the controller was not ready within {READY_TIMEOUT_S:.0f} s ({seen}); {why(process)}"
    )


def why(process: SwitchProcess) -> str:
    """The last error the controller logged (JSON lines), or the last line of its output."""
    lines = process.log.read_text(encoding="utf-8", errors="replace").splitlines()
    return last_error(lines) or (lines[-1][:300] if lines else "no output")


def last_error(lines: list[str]) -> str | None:
    """'event: last line of the traceback' of the last error-level JSON log line."""
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict) or entry.get("level") not in ("error", "critical"):
            continue
        detail = str(entry.get("exception") or entry.get("error") or "").strip()
        last = detail.splitlines()[-1] if detail else ""
        return f"{entry.get('event')}: {last}".rstrip(": ")
    return None


# ---- the minimal router


def start_minimal_router(
    ari_url: str, user: str, password: str, seats_file: Path, stats: Path, log: Path
) -> SwitchProcess:
    command = [
        sys.executable, "-m", "bench.minimal_router", "--url", ari_url, "--user", user,
        "--app", MINIMAL_APP, "--seats-file", str(seats_file), "--stats", str(stats),
    ]  # fmt: skip
    return SwitchProcess("minimal router", command, {"BENCH_ARI_PASSWORD": password}, log)


def wait_minimal_ready(process: SwitchProcess, mark: str = "minimal router: connected") -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if not process.running():
            raise BenchError(f"the minimal router exited ({process.process.returncode})")
        if mark in process.log.read_text(encoding="utf-8", errors="replace"):
            return
        time.sleep(0.1)
    raise BenchError("the minimal router did not connect to ARI")


def minimal_stats(path: Path) -> tuple[list[float], list[float], int]:
    """The router's StasisStart -> dial and key -> dial times (ms) and its count of bridges."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BenchError(f"the minimal router left no statistics in {path}") from exc
    return (
        [float(value) for value in document["dial_ms"]],
        [float(value) for value in document["digit_ms"]],
        int(document["bridged"]),
    )

"""Metrics for operators, in Prometheus' text format (`GET /metrics`, with the API token).

`render` is pure: it turns a `Snapshot` of the running switch into the exposition text, every
family with its HELP and TYPE, zeros included so that a graph never has gaps. `LoopLag`
measures how late the event loop runs a timer — the number that tells an operator the controller
is too busy to read Asterisk's events in time.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from agents.model import AgentStatus, SeatState
from calls.model import CallState

LAG_INTERVAL_S = 0.5
LAG_WINDOW = 120  # samples kept: the last minute at the interval above


@dataclass(frozen=True)
class Snapshot:
    calls_by_state: Mapping[str, int]
    waiting_by_queue: Mapping[str, int]
    seats_by_state: Mapping[str, int]
    seats_by_status: Mapping[str, int]
    ari_connected: bool
    loop_lag_s: float
    loop_lag_max_s: float
    sms_pending: int | None  # None: the database did not answer
    sms_failed: int | None
    work_orders_overdue: int | None
    supervisions: int = 0


def counts(values: Iterable[str], every: Iterable[str]) -> dict[str, int]:
    """How many of each, with a zero for every value that could appear."""
    found = Counter(values)
    return {value: found.get(value, 0) for value in every} | dict(found)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _family(name: str, kind: str, help_text: str, samples: list[str]) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", *samples]


def _by(name: str, label: str, values: Mapping[str, int]) -> list[str]:
    return [f'{name}{{{label}="{_label(key)}"}} {value}' for key, value in sorted(values.items())]


def render(snapshot: Snapshot) -> str:
    lines: list[str] = []
    lines += _family(
        "hotline_calls_in_progress",
        "gauge",
        "Calls under way, by state.",
        _by("hotline_calls_in_progress", "state", snapshot.calls_by_state),
    )
    lines += _family(
        "hotline_callers_waiting",
        "gauge",
        "Callers (and callbacks kept in line) waiting for a seat, by queue.",
        _by("hotline_callers_waiting", "queue", snapshot.waiting_by_queue),
    )
    lines += _family(
        "hotline_seats",
        "gauge",
        "Seats by what the switch has them doing.",
        _by("hotline_seats", "state", snapshot.seats_by_state),
    )
    lines += _family(
        "hotline_seats_by_status",
        "gauge",
        "Seats by the agent's status.",
        _by("hotline_seats_by_status", "status", snapshot.seats_by_status),
    )
    lines += _family(
        "hotline_ari_connected",
        "gauge",
        "1 while the events connection to Asterisk is up.",
        [f"hotline_ari_connected {int(snapshot.ari_connected)}"],
    )
    lines += _family(
        "hotline_event_loop_lag_seconds",
        "gauge",
        "How late the controller's event loop ran its last timer.",
        [f"hotline_event_loop_lag_seconds {snapshot.loop_lag_s:.6f}"],
    )
    lines += _family(
        "hotline_event_loop_lag_max_seconds",
        "gauge",
        "The worst event-loop lag over the last minute.",
        [f"hotline_event_loop_lag_max_seconds {snapshot.loop_lag_max_s:.6f}"],
    )
    lines += _family(
        "hotline_supervisions_active",
        "gauge",
        "Supervisors listening, whispering or barging in now.",
        [f"hotline_supervisions_active {snapshot.supervisions}"],
    )
    database = {
        "hotline_sms_outbox_backlog": (
            "SMS waiting to be sent or being sent.",
            snapshot.sms_pending,
        ),
        "hotline_sms_failed": ("SMS given up on after every retry.", snapshot.sms_failed),
        "hotline_work_orders_overdue": (
            "Work orders past their reply deadline.",
            snapshot.work_orders_overdue,
        ),
    }
    for name, (help_text, value) in database.items():
        # Left out, not zero, when the database did not answer: a gap, not a false all-clear.
        samples = [f"{name} {value}"] if value is not None else []
        lines += _family(name, "gauge", help_text, samples)
    return "\n".join(lines) + "\n"


def seat_counts(
    states: Iterable[SeatState], statuses: Iterable[AgentStatus]
) -> tuple[dict[str, int], dict[str, int]]:
    return (
        counts((s.value for s in states), (s.value for s in SeatState)),
        counts((s.value for s in statuses), (s.value for s in AgentStatus)),
    )


def call_counts(states: Iterable[CallState]) -> dict[str, int]:
    live = [s for s in CallState if s is not CallState.ENDED]
    return counts((s.value for s in states), (s.value for s in live))


class LoopLag:
    """A task that sleeps `interval` again and again and keeps how late it woke up."""

    def __init__(self, interval_s: float = LAG_INTERVAL_S) -> None:
        self._interval = interval_s
        self._samples: list[float] = []
        self.last_s = 0.0

    @property
    def max_s(self) -> float:
        return max(self._samples, default=0.0)

    def record(self, lag_s: float) -> None:
        self.last_s = max(lag_s, 0.0)
        self._samples.append(self.last_s)
        del self._samples[:-LAG_WINDOW]

    async def run(self) -> None:
        while True:
            started = time.monotonic()
            await asyncio.sleep(self._interval)
            self.record(time.monotonic() - started - self._interval)

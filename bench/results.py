"""What one benchmark step measured, as plain data."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from bench.stats import passes


class System(enum.StrEnum):
    HOTLINE = "hotline"
    QUEUE = "queue"
    MINIMAL = "minimal"


LABELS = {
    System.HOTLINE: "hotline (IVR, database, recording)",
    System.QUEUE: "dialplan Queue()",
    System.MINIMAL: "minimal ARI router",
}


@dataclass(frozen=True)
class CpuSeconds:
    """CPU seconds spent during one step, per process group."""

    switch: float  # the controller or the minimal router; nothing for Queue()
    asterisk: float
    postgres: float
    load: float  # the SIPp callers and seats, and the benchmark itself
    machine: float  # every busy second on the box, all cores

    @property
    def other(self) -> float:
        """Busy time no process of the benchmark accounts for (someone else's load)."""
        return max(self.machine - self.switch - self.asterisk - self.postgres - self.load, 0.0)


@dataclass(frozen=True)
class StepResult:
    system: System
    rate: int
    placed: int
    connected: int
    wall_s: float
    cpu: CpuSeconds
    # StasisStart (Queue(): entering the dialplan) -> the seat dialled; includes the caller's
    # own keypad time for the hotline and Queue(), which wait for the digit.
    from_start_ms: list[float] = field(default_factory=list)
    # The digit received (the hotline: the call queued) -> the seat dialled.
    from_digit_ms: list[float] = field(default_factory=list)
    leftover_channels: int = 0
    notes: tuple[str, ...] = ()

    def passed(self, bar: float) -> bool:
        return passes(self.connected, self.placed, bar)

    def per_call_ms(self, cpu_seconds: float) -> float | None:
        return cpu_seconds * 1000 / self.placed if self.placed else None


@dataclass
class SystemRun:
    """Every step one system ran, or why it could not run at all."""

    system: System
    steps: list[StepResult] = field(default_factory=list)
    failure: str | None = None

    def outcomes(self, bar: float) -> list[tuple[int, bool]]:
        return [(step.rate, step.passed(bar)) for step in self.steps]

    def step_at(self, rate: int | None) -> StepResult | None:
        return next((step for step in self.steps if step.rate == rate), None)

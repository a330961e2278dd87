"""The benchmark's tables and comparisons, as text. Pure: results in, lines out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.results import LABELS, StepResult, System, SystemRun
from bench.stats import common_rate, highest_passing, percentile, ratio

# The targets; reported against, never asserted.
TARGET_RATE = 50
TARGET_CPU_RATIO = 3.0
TARGET_DIAL_P99_MS = 150.0

MISSING = "-"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns as wide as their widest cell; the first column left-aligned, the rest right."""
    widths = [len(header) for header in headers]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row has {len(row)} cells, the table {len(headers)}: {row!r}")
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return [line(headers), line(["-" * width for width in widths]), *map(line, rows)]


def ms(value: float | None) -> str:
    if value is None:
        return MISSING
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def times(value: float | None) -> str:
    return MISSING if value is None else f"{value:.2f}x"


def share(connected: int, placed: int) -> str:
    """Floored to two decimals, so 99.95% never shows as 100.00%."""
    hundredths = connected * 10_000 // placed if placed else 0
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def step_rows(runs: Sequence[SystemRun], bar: float, cores: int) -> list[list[str]]:
    rows = []
    for run in runs:
        if not run.steps:
            rows.append([run.system.value, *[MISSING] * (len(STEP_HEADERS) - 1)])
            continue
        for step in run.steps:
            other = step.cpu.other / (step.wall_s * cores) * 100 if step.wall_s > 0 else 0.0
            rows.append(
                [
                    run.system.value,
                    f"{step.rate}/s",
                    str(step.placed),
                    str(step.connected),
                    share(step.connected, step.placed),
                    "yes" if step.passed(bar) else "NO",
                    ms(percentile(step.from_start_ms, 50)),
                    ms(percentile(step.from_start_ms, 99)),
                    ms(percentile(step.from_digit_ms, 50)),
                    ms(percentile(step.from_digit_ms, 99)),
                    ms(step.per_call_ms(step.cpu.switch))
                    if run.system != System.QUEUE
                    else MISSING,
                    ms(step.per_call_ms(step.cpu.asterisk)),
                    ms(step.per_call_ms(step.cpu.postgres))
                    if run.system == System.HOTLINE
                    else MISSING,
                    f"{other:.0f}%",
                ]
            )
    return rows


STEP_HEADERS = (
    "system",
    "rate",
    "calls",
    "seated",
    "share",
    "pass",
    "start>dial p50",
    "p99",
    "digit>dial p50",
    "p99",
    "switch ms/call",
    "asterisk",
    "postgres",
    "other load",
)


@dataclass(frozen=True)
class Comparison:
    """The headline numbers of one run."""

    highest: dict[System, int | None]
    hotline_at: StepResult | None  # the hotline's step the latency targets are read from
    cpu_rate: int | None  # the rate the controller and the minimal router are compared at
    cpu_ratio: float | None
    queue_rate_ratio: float | None
    switching_rate: int | None  # the rate the hotline's and Queue()'s total CPU are compared at
    switching_ratio: float | None


def switching_cpu(step: StepResult) -> float:
    """Everything the switch itself burns: its process, Asterisk and PostgreSQL."""
    return step.cpu.switch + step.cpu.asterisk + step.cpu.postgres


def compare(runs: Sequence[SystemRun], bar: float) -> Comparison:
    by_system = {run.system: run for run in runs}
    empty = SystemRun(System.HOTLINE)
    hotline = by_system.get(System.HOTLINE, empty)
    queue = by_system.get(System.QUEUE, SystemRun(System.QUEUE))
    minimal = by_system.get(System.MINIMAL, SystemRun(System.MINIMAL))
    highest = {run.system: highest_passing(run.outcomes(bar)) for run in runs}
    at_rate = highest.get(System.HOTLINE)
    hotline_at = hotline.step_at(at_rate) or (hotline.steps[-1] if hotline.steps else None)

    cpu_rate = common_rate(hotline.outcomes(bar), minimal.outcomes(bar))
    ours, floor = hotline.step_at(cpu_rate), minimal.step_at(cpu_rate)
    cpu_ratio = None
    if ours is not None and floor is not None:
        cpu_ratio = ratio(ours.per_call_ms(ours.cpu.switch), floor.per_call_ms(floor.cpu.switch))

    queue_highest = highest.get(System.QUEUE)
    queue_rate_ratio = ratio(
        float(at_rate) if at_rate is not None else None,
        float(queue_highest) if queue_highest is not None else None,
    )
    switching_rate = common_rate(hotline.outcomes(bar), queue.outcomes(bar))
    ours, dialplan = hotline.step_at(switching_rate), queue.step_at(switching_rate)
    switching_ratio = None
    if ours is not None and dialplan is not None:
        switching_ratio = ratio(
            ours.per_call_ms(switching_cpu(ours)), dialplan.per_call_ms(switching_cpu(dialplan))
        )
    return Comparison(
        highest, hotline_at, cpu_rate, cpu_ratio, queue_rate_ratio, switching_rate, switching_ratio
    )


def summary_rows(runs: Sequence[SystemRun], comparison: Comparison) -> list[list[str]]:
    rows = []
    for run in runs:
        best = comparison.highest.get(run.system)
        step = run.step_at(best)
        rate = f"{best}/s" if best is not None else ("did not run" if run.failure else "none")
        if step is None:
            rows.append([LABELS[run.system], rate, *[MISSING] * 5])
            continue
        rows.append(
            [
                LABELS[run.system],
                rate,
                ms(step.per_call_ms(step.cpu.switch)) if run.system != System.QUEUE else MISSING,
                ms(step.per_call_ms(step.cpu.asterisk)),
                ms(step.per_call_ms(switching_cpu(step))),
                ms(percentile(step.from_start_ms, 99)),
                ms(percentile(step.from_digit_ms, 99)),
            ]
        )
    return rows


SUMMARY_HEADERS = (
    "system",
    "highest rate",
    "switch ms/call",
    "asterisk ms/call",
    "all ms/call",
    "start>dial p99",
    "digit>dial p99",
)


def verdict(met: bool | None) -> str:
    return {True: "met", False: "NOT met", None: "not measured"}[met]


def target_lines(comparison: Comparison, bar: float) -> list[str]:
    best = comparison.highest.get(System.HOTLINE)
    at = comparison.hotline_at
    start_p99 = percentile(at.from_start_ms, 99) if at else None
    digit_p99 = percentile(at.from_digit_ms, 99) if at else None
    where = f" (at {at.rate}/s)" if at else ""
    cpu_met = None if comparison.cpu_ratio is None else comparison.cpu_ratio <= TARGET_CPU_RATIO
    lines = [
        f"- >= {TARGET_RATE} calls/s with >= {bar:.1%} seated through the full path: "
        f"{f'{best}/s' if best is not None else 'none'} -- "
        f"{verdict(None if at is None else (best or 0) >= TARGET_RATE)}",
        f"- controller CPU per call within {TARGET_CPU_RATIO:.0f}x of the minimal router: "
        f"{times(comparison.cpu_ratio)}"
        f"{f' (at {comparison.cpu_rate}/s)' if comparison.cpu_rate else ''} -- "
        f"{verdict(cpu_met)}",
        f"- StasisStart -> seat dialled p99 < {TARGET_DIAL_P99_MS:.0f} ms: "
        f"{ms(start_p99)} ms{where} -- "
        f"{verdict(None if start_p99 is None else start_p99 < TARGET_DIAL_P99_MS)}; this interval "
        "holds the caller's own keypad time (the 0.5 s pause, then about 1 s for SIPp's RFC 2833 "
        "digit to arrive), which no switch can shorten",
        f"- digit received (call queued) -> seat dialled p99 < {TARGET_DIAL_P99_MS:.0f} ms: "
        f"{ms(digit_p99)} ms{where} -- "
        f"{verdict(None if digit_p99 is None else digit_p99 < TARGET_DIAL_P99_MS)}",
    ]  # fmt: skip
    return lines


def format_report(
    runs: Sequence[SystemRun], bar: float, cores: int, header: Sequence[str]
) -> list[str]:
    comparison = compare(runs, bar)
    lines = [*header, "", "Steps (one row per call rate; CPU in ms per call placed):"]
    lines += render_table(STEP_HEADERS, step_rows(runs, bar, cores))
    for run in runs:
        if run.failure is not None:
            stopped = "stopped after the rows above" if run.steps else "did not run"
            lines.append(f"  {run.system.value} {stopped}: {run.failure}")
    lines += ["", f"Summary (each system at its highest rate with >= {bar:.1%} seated):"]
    lines += render_table(SUMMARY_HEADERS, summary_rows(runs, comparison))
    lines += ["", "Comparisons:"]
    lines.append(
        f"- hotline vs dialplan Queue(): highest rate {times(comparison.queue_rate_ratio)}; "
        f"switching CPU per call (controller + Asterisk + PostgreSQL vs Asterisk) "
        f"{times(comparison.switching_ratio)}"
        f"{f' at {comparison.switching_rate}/s' if comparison.switching_rate else ''}"
    )
    lines.append(
        f"- hotline vs minimal ARI router: controller CPU per call {times(comparison.cpu_ratio)}"
        f"{f' at {comparison.cpu_rate}/s' if comparison.cpu_rate else ''}"
    )
    lines += ["", "Targets (reported, not asserted):", *target_lines(comparison, bar)]
    lines += ["", "Notes per step:"]
    for run in runs:
        for step in run.steps:
            for note in step.notes:
                lines.append(f"- {run.system.value} {step.rate}/s: {note}")
    lines += ["", *LEGEND]
    return lines


LEGEND = (
    "Legend:",
    "  seated      calls bridged to a seat: the hotline's own records (calls.connected_at and",
    "              the bridge's recording row); Queue(): its connected-gosub ran; the minimal",
    "              router: its addChannel succeeded",
    "  start>dial  hotline: StasisStart handled -> seat originated (calls.started_at ->",
    "              call_offers.offered_at); Queue(): entering the dialplan -> member dialled",
    "              (Asterisk's clock); minimal router: StasisStart -> originate; all three include",
    "              the caller's own keypad time (0.5 s pause, ~1 s for SIPp's RFC 2833 digit)",
    "  digit>dial  hotline: the digit handled, call queued -> seat originated (calls.queued_at ->",
    "              call_offers.offered_at); Queue(): the digit -> member dialled; minimal",
    "              router: ChannelDtmfReceived -> originate",
    "  switch      the controller's (or the minimal router's) process: utime+stime from",
    "              /proc/PID/stat over the step, including the drain; all = switch + Asterisk +",
    "              PostgreSQL",
    "  other load  CPU busy time on this machine that none of the benchmark's processes used,",
    "              as a share of all cores (a high value means the numbers are disturbed)",
)

"""CPU time of processes and of the whole machine, from /proc (Linux)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


class ProcError(RuntimeError):
    code = "proc-unreadable"


@dataclass(frozen=True)
class ProcessTimes:
    """Clock ticks from /proc/PID/stat; `children` counts children it has waited for."""

    pid: int
    parent: int
    own: int  # utime + stime
    children: int  # cutime + cstime


def parse_process_stat(text: str) -> ProcessTimes:
    """Parse one /proc/PID/stat line; the command name may hold spaces and parentheses."""
    head, close, rest = text.rpartition(")")
    if not close or "(" not in head:
        raise ProcError(f"not a /proc/PID/stat line: {text[:80]!r}")
    pid = int(head.split("(", 1)[0])
    fields = rest.split()
    # fields[0] is field 3 of proc(5) (state): ppid is field 4, utime..cstime are 14..17.
    if len(fields) < 15:
        raise ProcError(f"/proc/{pid}/stat has {len(fields) + 2} fields, expected at least 17")
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return ProcessTimes(pid, int(fields[1]), utime + stime, cutime + cstime)


@dataclass(frozen=True)
class MachineTimes:
    busy: int  # ticks spent on anything but idle and I/O wait, over all cores
    total: int


def parse_machine_stat(text: str) -> MachineTimes:
    """The aggregate `cpu` line of /proc/stat (guest time is already inside user time)."""
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            values = [int(value) for value in fields[1:9]]
            values += [0] * (8 - len(values))
            user, nice, system, idle, iowait, irq, softirq, steal = values
            busy = user + nice + system + irq + softirq + steal
            return MachineTimes(busy, busy + idle + iowait)
    raise ProcError("/proc/stat has no aggregate 'cpu' line")


def seconds(ticks: int) -> float:
    return ticks / CLOCK_TICKS


# ---- readers


def process_times(pid: int) -> ProcessTimes:
    try:
        return parse_process_stat((PROC / str(pid) / "stat").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProcError(f"process {pid} is gone") from exc


def process_cpu_ticks(pid: int) -> int:
    """A process's CPU including the children it has reaped."""
    times = process_times(pid)
    return times.own + times.children


def tree_cpu_ticks(root_pid: int) -> int:
    """A process and its live direct children (PostgreSQL: the postmaster and its backends)."""
    total = process_cpu_ticks(root_pid)
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == root_pid:
            continue
        try:
            times = parse_process_stat((entry / "stat").read_text(encoding="utf-8"))
        except (OSError, ProcError):
            continue  # gone meanwhile
        if times.parent == root_pid:
            total += times.own
    return total


def machine_times() -> MachineTimes:
    return parse_machine_stat((PROC / "stat").read_text(encoding="utf-8"))


def own_and_reaped_ticks() -> int:
    """This process plus every child it has waited for (the callers' SIPp, CLI calls)."""
    times = os.times()
    return round((times.user + times.system + times.children_user + times.children_system)
                 * CLOCK_TICKS)  # fmt: skip

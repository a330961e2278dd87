"""Runs the benchmark: the stack up, each system at rising call rates, everything down again."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import platform
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import asyncpg

from bench import procfs
from bench.peers import (
    CallShape,
    SippProcess,
    caller_command,
    read_from,
    seats_command,
    seats_csv,
    size_of,
    wait_until,
)
from bench.report import format_report, ms
from bench.results import LABELS, CpuSeconds, StepResult, System, SystemRun
from bench.stack import (
    DEFAULT_CONFIG,
    MINIMAL_NUMBER,
    QUEUE_DIALLED_MARK,
    QUEUE_NUMBER,
    QUEUE_SEATED_MARK,
    BenchAsterisk,
    BenchError,
    BenchPaths,
    database_url,
    fresh_database,
    progress,
    spool_dir,
    start_asterisk,
    write_run_config,
)
from bench.stats import percentile, rates_to_run
from bench.systems import (
    SwitchProcess,
    minimal_stats,
    start_hotline,
    start_minimal_router,
    wait_hotline_ready,
    wait_minimal_ready,
)
from bench.timelines import (
    intervals_ms,
    parse_queue_marks,
    parse_queue_seated,
    parse_sipp_log,
    step_prefix,
)
from config.schema import HotlineConfig
from config.secrets import SecretStore
from sandbox.asterisk import asterisk_version
from sandbox.postgres import LocalCluster

SEATS_ADDRESS = "127.0.0.51"
DRAIN_TIMEOUT_S = 45.0
WARMUP_RATE = 5


@dataclass(frozen=True)
class Options:
    rates: tuple[int, ...] = (10, 20, 35, 50, 65, 80)
    duration_s: float = 20.0
    seats: int = 200
    systems: tuple[System, ...] = (System.HOTLINE, System.QUEUE, System.MINIMAL)
    bar: float = 0.999
    warmup_calls: int = 20
    shape: CallShape = field(default_factory=CallShape)
    config: Path = DEFAULT_CONFIG
    var_dir: Path = Path("var/bench")

    def calls_at(self, rate: int) -> int:
        return max(round(rate * self.duration_s), 1)


@dataclass(frozen=True)
class Snapshot:
    switch: int
    asterisk: int
    postgres: int
    load: int
    machine: int
    at: float


class Bench:
    def __init__(self, options: Options, run_dir: Path) -> None:
        self.options = options
        self.run_dir = run_dir
        self.paths = BenchPaths(options.var_dir.resolve())
        self.steps_done = 0
        self.config: HotlineConfig | None = None
        self.asterisk: BenchAsterisk | None = None
        self.cluster: LocalCluster | None = None
        self.seats: SippProcess | None = None
        self.secrets = SecretStore(self.paths.secrets)

    # ---- the stack

    @contextlib.contextmanager
    def stack(self) -> Iterator[None]:
        with contextlib.ExitStack() as stack:
            self.config = write_run_config(
                self.options.config, self.paths.config, self.paths.recordings, self.options.seats
            )
            # The fresh database knows none of the last run's recordings: drop them too.
            for stale in (self.paths.recordings, spool_dir()):
                if stale.is_dir():
                    shutil.rmtree(stale)
            progress(f"starting PostgreSQL (a fresh cluster in {self.paths.postgres})")
            self.cluster = fresh_database(self.paths, self.secrets)
            stack.callback(self.cluster.stop)
            yield

    @contextlib.contextmanager
    def _switchboard(self, system: System) -> Iterator[None]:
        """A fresh Asterisk and freshly registered seats for each system, so nothing of the one
        before carries over: channels, queue members' state, or the device-state subscriptions
        of a stopped controller's app, which Asterisk keeps warning about on every seat change."""
        assert self.config is not None
        with contextlib.ExitStack() as stack:
            progress("starting Asterisk (instance 'bench')")
            self.asterisk = start_asterisk(self.config, self.options.config.parent, self.secrets)
            stack.callback(self.asterisk.stop)
            self.seats = self._start_seats(system)
            stack.callback(self.seats.stop)
            yield

    def _start_seats(self, system: System) -> SippProcess:
        config, asterisk = self._ready()
        workdir = self.run_dir / f"seats-{system.value}"
        workdir.mkdir(parents=True, exist_ok=True)
        accounts = [(seat.id, self.secrets.resolve(seat.password)) for seat in config.seats]
        csv = workdir / "seats.csv"
        csv.write_text(seats_csv(accounts), encoding="utf-8")
        csv.chmod(0o600)
        # Bounded: well past the longest run the options allow.
        per_rate = self.options.duration_s * 2 + 60
        stop_after = round(per_rate * len(self.options.rates) + 600)
        seats = SippProcess(
            seats_command(self.sip_target, SEATS_ADDRESS, len(accounts), stop_after), workdir
        )
        progress(f"registering {len(accounts)} seats from one SIPp ({SEATS_ADDRESS})")
        if not wait_until(lambda: self._contacts(asterisk) >= len(accounts), 30):
            seats.stop()
            raise BenchError(
                f"only {self._contacts(asterisk)} of {len(accounts)} seats registered; "
                f"SIPp: {seats.errors() or 'no errors logged'}"
            )
        return seats

    @staticmethod
    def _contacts(asterisk: BenchAsterisk) -> int:
        for line in asterisk.cli("pjsip show contacts").splitlines():
            if line.strip().startswith("Objects found:"):
                return int(line.split(":")[1])
        return 0

    def _ready(self) -> tuple[HotlineConfig, BenchAsterisk]:
        if self.config is None or self.asterisk is None:
            raise BenchError("the stack is not up")
        return self.config, self.asterisk

    @property
    def sip_target(self) -> str:
        config, _ = self._ready()
        return f"{config.asterisk.sip_address}:{config.asterisk.sip_port}"

    @property
    def carrier_address(self) -> str:
        config, _ = self._ready()
        return config.asterisk.carriers[0].address

    # ---- systems

    def run(self) -> list[SystemRun]:
        runs = []
        for system in self.options.systems:
            progress(f"--- {LABELS[system]}")
            with self._switchboard(system):
                runs.append(self._run_system(system))
        return runs

    def _run_system(self, system: System) -> SystemRun:
        run = SystemRun(system)
        try:
            if self.options.warmup_calls:
                with self._switch(system, "warmup") as switch:
                    self._step(system, WARMUP_RATE, self.options.warmup_calls, switch, warmup=True)
            if system is System.MINIMAL:
                # Its statistics are written when it stops: one router process per step.
                while rates := rates_to_run(self.options.rates, run.outcomes(self.options.bar)):
                    with self._switch(system, f"{rates[0]}-per-s") as switch:
                        run.steps.append(self._measured(system, rates[0], switch))
                    run.steps[-1] = self._with_router_stats(run.steps[-1], rates[0])
            else:
                with self._switch(system, "steps") as switch:
                    while rates := rates_to_run(self.options.rates, run.outcomes(self.options.bar)):
                        run.steps.append(self._measured(system, rates[0], switch))
        except BenchError as exc:
            progress(f"{system.value}: {exc}")
            run.failure = str(exc)
        return run

    def _measured(self, system: System, rate: int, switch: SwitchProcess | None) -> StepResult:
        step = self._step(system, rate, self.options.calls_at(rate), switch)
        verdict = "passes" if step.passed(self.options.bar) else "FAILS"
        progress(
            f"{system.value} {rate}/s: {step.connected}/{step.placed} seated -> {verdict} the "
            f"{self.options.bar:.1%} bar; switch {ms_per_call(step, step.cpu.switch)}, Asterisk "
            f"{ms_per_call(step, step.cpu.asterisk)} ms/call"
            + (f"; {'; '.join(step.notes)}" if step.notes else "")
        )
        return step

    @contextlib.contextmanager
    def _switch(self, system: System, name: str) -> Iterator[SwitchProcess | None]:
        """The system's process for the steps inside; `name` tells its log files apart."""
        config, _ = self._ready()
        logs = self.run_dir / "logs"
        if system is System.QUEUE:
            yield None
            return
        if system is System.HOTLINE:
            assert self.cluster is not None
            process = start_hotline(
                self.paths.config, self.paths.var_dir, database_url(self.cluster),
                logs / "hotline.log",
            )  # fmt: skip
            try:
                wait_hotline_ready(
                    process, f"http://{config.hotline.status_listen}", len(config.seats)
                )
                yield process
            finally:
                process.stop()
            return
        seats_file = logs / "seat-ids.txt"
        seats_file.parent.mkdir(parents=True, exist_ok=True)
        seats_file.write_text("\n".join(seat.id for seat in config.seats) + "\n", encoding="utf-8")
        router = start_minimal_router(
            config.asterisk.ari_url, config.asterisk.ari_username,
            self.secrets.resolve(config.asterisk.ari_password), seats_file,
            logs / f"minimal-{name}.json", logs / f"minimal-{name}.log",
        )  # fmt: skip
        try:
            wait_minimal_ready(router)
            yield router
        finally:
            router.stop()

    def _with_router_stats(self, step: StepResult, rate: int) -> StepResult:
        dial_ms, digit_ms, bridged = minimal_stats(
            self.run_dir / "logs" / f"minimal-{rate}-per-s.json"
        )
        notes = step.notes
        if bridged != step.connected:
            notes = (*notes, f"seats answered {step.connected}")
        return dataclasses.replace(
            step, connected=bridged, from_start_ms=dial_ms, from_digit_ms=digit_ms, notes=notes
        )

    # ---- one step

    def _step(
        self, system: System, rate: int, calls: int, switch: SwitchProcess | None,
        *, warmup: bool = False,
    ) -> StepResult:  # fmt: skip
        _, asterisk = self._ready()
        assert self.seats is not None
        leftover = asterisk.wait_idle(DRAIN_TIMEOUT_S)
        if leftover:
            asterisk.cli("channel request hangup all")
            asterisk.wait_idle(10)
        self.steps_done += 1
        prefix = step_prefix(self.steps_done)
        name = f"{system.value}-{'warmup' if warmup else f'{rate}-per-s'}"
        workdir = self.run_dir / name
        seats_log = self.seats.workdir / "seats.log"
        messages_log = asterisk.log_dir.host / "messages.log"
        seats_offset, messages_offset = size_of(seats_log), size_of(messages_log)
        number = {System.HOTLINE: self._ready()[0].hotline.numbers[0],
                  System.QUEUE: QUEUE_NUMBER, System.MINIMAL: MINIMAL_NUMBER}[system]  # fmt: skip
        progress(
            f"{system.value} {'warm-up ' if warmup else ''}{rate}/s: placing {calls} calls "
            f"over {calls / rate:.0f} s"
        )
        before = self._snapshot(switch)
        caller = SippProcess(
            caller_command(
                self.sip_target, number, self.carrier_address, prefix, rate, calls,
                self.options.shape,
            ),
            workdir,
        )  # fmt: skip
        caller.wait(calls / rate + 90)
        drained_at = time.monotonic()
        leftover = asterisk.wait_idle(DRAIN_TIMEOUT_S)
        notes: list[str] = []
        if leftover:
            notes.append(f"{leftover} channels still up {DRAIN_TIMEOUT_S:.0f} s after the calls")
        if system is System.HOTLINE:
            open_calls = self._wait_calls_closed(prefix)
            if open_calls:
                notes.append(f"{open_calls} call rows still open")
        after = self._snapshot(switch)
        progress(f"  drained in {time.monotonic() - drained_at:.1f} s")

        seat_lines = read_from(seats_log, seats_offset)
        seat_events = parse_sipp_log(seat_lines, prefix)
        seated = set(seat_events.get("connected", {}))
        cpu = cpu_between(before, after)
        errors = caller.errors(300)
        if errors and not warmup:
            (workdir / "errors-tail.txt").write_text(errors, encoding="utf-8")
        if system is System.HOTLINE:
            rows = asyncio.run(self._call_rows(prefix))
            # The row says connected once the seat answers, before the bridge exists; the
            # bridge recording starts only once both are in the bridge.
            answered_by_seat = sum(1 for row in rows if row["connected_at"] is not None)
            bridged = [row for row in rows if row["connected_at"] and row["recorded_at"]]
            connected = len(bridged)
            if answered_by_seat != connected:
                notes.append(f"{answered_by_seat - connected} answered by a seat but never bridged")
            to_bridge = [
                (row["recorded_at"] - row["connected_at"]).total_seconds() * 1000 for row in bridged
            ]
            if to_bridge:
                notes.append(
                    f"seat answer handled -> bridge recorded p50 {ms(percentile(to_bridge, 50))}"
                    f" p99 {ms(percentile(to_bridge, 99))} ms"
                )
            from_start = [
                (row["offered_at"] - row["started_at"]).total_seconds() * 1000
                for row in rows if row["offered_at"] is not None
            ]  # fmt: skip
            from_digit = [
                (row["offered_at"] - row["queued_at"]).total_seconds() * 1000
                for row in rows if row["offered_at"] is not None and row["queued_at"] is not None
            ]  # fmt: skip
            if len(rows) != calls:
                notes.append(f"{calls - len(rows)} calls left no row")
            reasons = Counter(
                str(row["end_reason"])
                for row in rows
                if row["connected_at"] is None or row["recorded_at"] is None
            )
            if reasons:
                notes.append("not seated: " + ", ".join(f"{k} {v}" for k, v in reasons.items()))
            if len(seated) != answered_by_seat:
                notes.append(f"seats answered {len(seated)}")
        elif system is System.QUEUE:
            messages = read_from(messages_log, messages_offset)
            marks = parse_queue_marks(messages, QUEUE_DIALLED_MARK, prefix)
            connected = len(parse_queue_seated(messages, QUEUE_SEATED_MARK, prefix))
            if len(seated) != connected:
                notes.append(f"seats answered {len(seated)}")
            from_start = [(m.dialled - m.arrived) * 1000 for m in marks.values()]
            from_digit = [(m.dialled - m.digit) * 1000 for m in marks.values()]
        else:
            # Replaced by the router's own count of bridges once it has stopped.
            connected = len(seated)
            from_start, from_digit = [], []
        caller_events = parse_sipp_log(read_from(workdir / "caller.log", 0), prefix)
        answered = len(caller_events.get("answered", {}))
        if answered != calls:
            notes.append(f"{calls - answered} callers never answered")
        # The seats' own view of how long after answering the caller its seat rang.
        answer_to_seat = intervals_ms(
            caller_events.get("answered", {}), seat_events.get("invite", {})
        )
        if answer_to_seat:
            notes.append(
                f"caller answered -> its seat's INVITE (SIPp clocks) p50 "
                f"{ms(percentile(answer_to_seat, 50))} p99 {ms(percentile(answer_to_seat, 99))} ms"
            )
        return StepResult(
            system, rate, calls, connected, after.at - before.at, cpu,
            from_start_ms=from_start, from_digit_ms=from_digit,
            leftover_channels=leftover, notes=tuple(notes),
        )  # fmt: skip

    def _snapshot(self, switch: SwitchProcess | None) -> Snapshot:
        _, asterisk = self._ready()
        assert self.cluster is not None and self.seats is not None
        return Snapshot(
            switch=procfs.process_cpu_ticks(switch.pid) if switch else 0,
            asterisk=procfs.process_cpu_ticks(asterisk.pid()),
            postgres=procfs.tree_cpu_ticks(postmaster_pid(self.cluster)),
            load=procfs.own_and_reaped_ticks() + procfs.process_cpu_ticks(self.seats.pid),
            machine=procfs.machine_times().busy,
            at=time.monotonic(),
        )

    async def _call_rows(self, prefix: str) -> list[asyncpg.Record]:
        assert self.cluster is not None
        connection = await asyncpg.connect(**self.cluster.connect_params())
        try:
            rows: list[asyncpg.Record] = await connection.fetch(
                "SELECT c.caller_number, c.started_at, c.queued_at, c.connected_at,"
                " c.ended_at, c.end_reason, o.offered_at, r.started_at AS recorded_at"
                " FROM calls c LEFT JOIN LATERAL (SELECT offered_at FROM call_offers"
                "  WHERE call_id = c.id ORDER BY attempt LIMIT 1) o ON true"
                " LEFT JOIN recordings r ON r.call_id = c.id AND r.kind = 'call'"
                " WHERE starts_with(c.caller_number, $1)",
                prefix,
            )
            return rows
        finally:
            await connection.close()

    def _wait_calls_closed(self, prefix: str, timeout: float = 30) -> int:
        def open_count() -> int:
            return sum(1 for row in asyncio.run(self._call_rows(prefix)) if row["ended_at"] is None)

        wait_until(lambda: open_count() == 0, timeout)
        return open_count()


def postmaster_pid(cluster: LocalCluster) -> int:
    pid_file = cluster.data_dir / "postmaster.pid"
    try:
        return int(pid_file.read_text(encoding="utf-8").split()[0])
    except (OSError, ValueError, IndexError) as exc:
        raise BenchError(f"PostgreSQL is not running (no {pid_file})") from exc


def cpu_between(before: Snapshot, after: Snapshot) -> CpuSeconds:
    return CpuSeconds(
        switch=procfs.seconds(after.switch - before.switch),
        asterisk=procfs.seconds(after.asterisk - before.asterisk),
        postgres=procfs.seconds(after.postgres - before.postgres),
        load=procfs.seconds(after.load - before.load),
        machine=procfs.seconds(after.machine - before.machine),
    )


def ms_per_call(step: StepResult, cpu_seconds: float) -> str:
    value = step.per_call_ms(cpu_seconds)
    return "-" if value is None else f"{value:.1f}"


def machine_header(options: Options) -> list[str]:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    sipp = subprocess.run(["sipp", "-v"], capture_output=True, text=True, check=False).stdout
    sipp_version = next((w for w in sipp.split() if w.startswith("v3")), "?").rstrip(".")
    release = platform.freedesktop_os_release().get("PRETTY_NAME", platform.system())
    shape = options.shape
    return [
        f"Load benchmark, 12368 hotline switch -- {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"Machine: {release}, kernel {platform.release()}, {os.cpu_count()} cores ({model}), "
        f"Python {platform.python_version()}, Asterisk {asterisk_version() or '?'}, "
        f"SIPp {sipp_version}",
        f"Calls: {options.seats} SIPp seats (ring 300 ms, answer); each caller is answered, "
        f"presses {shape.digit} at {shape.digit_at_ms / 1000:g} s (RFC 2833), talks "
        f"{shape.talk_ms / 1000:g} s, hangs up; {options.duration_s:g} s per rate",
    ]


def run_benchmark(options: Options) -> int:
    run_dir = options.var_dir.resolve() / "runs" / f"{datetime.now():%Y%m%d-%H%M%S}"
    run_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    bench = Bench(options, run_dir)
    with bench.stack():
        runs = bench.run()
    cores = os.cpu_count() or 1
    lines = format_report(runs, options.bar, cores, machine_header(options))
    lines.append(f"Run took {time.monotonic() - started:.0f} s; logs in {run_dir}")
    text = "\n".join(lines)
    print("\n" + text, flush=True)
    (run_dir / "report.txt").write_text(text + "\n", encoding="utf-8")
    (run_dir / "results.json").write_text(
        json.dumps([asdict(run) for run in runs], indent=1, default=str), encoding="utf-8"
    )
    return 0

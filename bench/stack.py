"""The benchmark's own stack: an Asterisk instance with the baselines' dialplan, PostgreSQL, seats.

Everything lives under the bench var dir and on the benchmark's own ports and loopback addresses
(see bench/hotline-bench.yaml), so it runs beside the test suite and `make run`.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import yaml

from config.loader import load_config
from config.schema import HotlineConfig
from config.secrets import SecretStore
from hotline.local_stack import asterisk_settings, ensure_secrets
from ivr.prompts import build_prompts
from sandbox.asterisk import DEFAULT_ROOT, AsteriskInstance, AsteriskSettings
from sandbox.asterisk_config import InstanceLayout
from sandbox.postgres import LocalCluster

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
SIPP_DIR = BENCH_DIR / "sipp"
DEFAULT_CONFIG = BENCH_DIR / "hotline-bench.yaml"

INSTANCE = "bench"
POSTGRES_PORT = 54388
# Apart from the test instance's and `make run`'s default range (10000-20000).
RTP_RANGE = (20000, 29998)

# The dialled numbers that reach each system through the same carrier trunk.
QUEUE_NUMBER = "12301"
MINIMAL_NUMBER = "12302"
MINIMAL_APP = "benchmin"
QUEUE_NAME = "bench"
# Asterisk logs one line per seat Queue() dials: caller number, arrived, digit, dialled.
QUEUE_DIALLED_MARK = "bench-dialled"
# And one per caller bridged to a member: caller number.
QUEUE_SEATED_MARK = "bench-seated"


class BenchError(RuntimeError):
    code = "bench-failed"


def progress(message: str) -> None:
    print(f"bench: {message}", flush=True)


# ---- the dialplan and queue the baselines run on (the production templates stay as they are)


def baseline_dialplan(prompts_dir: str) -> str:
    greeting = f"{prompts_dir}/bench_greeting"
    # b(): a Gosub on each member channel just before Queue() dials it, given the caller's times.
    mark_dialled = "b(bench-dialled^s^1(${CALLERID(num)},${BENCH_ARRIVED},${BENCH_QUEUED}))"
    # Queue()'s gosub argument ("context,args", quoted as one argument) runs on the member's
    # channel once the two are connected.
    mark_seated = '"bench-seated,${CALLERID(num)}"'
    return f"""
; ---- load benchmark only (bench/stack.py): the same call shape routed by Asterisk's own
; Queue(), and handed to a minimal ARI router; both reached through the carrier trunk.
[from-carrier](+)
exten => {QUEUE_NUMBER},1,Goto(bench-queue,s,1)
exten => {MINIMAL_NUMBER},1,Goto(bench-minimal,s,1)

[bench-queue]
exten => s,1,Set(BENCH_ARRIVED=${{STRFTIME(,,%s.%3q)}})
 same => n,Answer()
 same => n,Background({greeting})
 same => n,WaitExten(5)
 same => n,Hangup()
exten => 1,1,Set(BENCH_QUEUED=${{STRFTIME(,,%s.%3q)}})
 same => n,Queue({QUEUE_NAME},{mark_dialled},,,60,,{mark_seated})
 same => n,Hangup()

; Logs caller number, entered the dialplan, pressed the key, this member dialled.
[bench-dialled]
exten => s,1,Log(NOTICE,{QUEUE_DIALLED_MARK} ${{ARG1}} ${{ARG2}} ${{ARG3}} ${{STRFTIME(,,%s.%3q)}})
 same => n,Return()

; Logs the caller number of each caller connected to a member.
[bench-seated]
exten => s,1,Log(NOTICE,{QUEUE_SEATED_MARK} ${{ARG1}})
 same => n,Return()

[bench-minimal]
exten => s,1,Stasis({MINIMAL_APP})
 same => n,Hangup()
"""


def queues_conf(seat_ids: list[str]) -> str:
    members = "".join(f"member => PJSIP/{seat_id}\n" for seat_id in seat_ids)
    return f"""; Load benchmark only (bench/stack.py): the dialplan Queue() baseline.
[general]
; Without autofill Queue() offers one caller at a time and abandons pile up.
autofill = yes
shared_lastcall = no

[{QUEUE_NAME}]
strategy = rrmemory
timeout = 5
retry = 1
wrapuptime = 0
ringinuse = no
joinempty = yes
leavewhenempty = no
announce-frequency = 0
periodic-announce-frequency = 0
announce-holdtime = no
announce-position = no
reportholdtime = no
{members}"""


class BenchAsterisk(AsteriskInstance):
    """The bench instance: the production config plus app_queue and the baselines' dialplan."""

    def __init__(self, settings: AsteriskSettings, seat_ids: list[str]) -> None:
        super().__init__(INSTANCE, settings)
        self.seat_ids = seat_ids

    def install(self) -> None:
        super().install()
        etc = self._etc_host
        owner = (etc / "asterisk.conf").stat()
        inner_prompts = str(self.prompts_dir.inner)
        with (etc / "extensions.conf").open("a", encoding="utf-8") as extensions:
            extensions.write(baseline_dialplan(inner_prompts))
        with (etc / "modules.conf").open("a", encoding="utf-8") as modules:
            modules.write("\n; load benchmark only: the Queue() baseline\nload => app_queue.so\n")
        queues = etc / "queues.conf"
        queues.write_text(queues_conf(self.seat_ids), encoding="utf-8")
        queues.chmod(0o640)
        os.chown(queues, owner.st_uid, owner.st_gid)

    @property
    def _etc_host(self) -> Path:
        return self.host_path(self.layout.dir("etc"))

    def pid(self) -> int:
        """Asterisk's own pid (chroot execs it), checked against /proc."""
        try:
            pid = int(self.pid_file.read_text(encoding="utf-8").strip())
        except (OSError, ValueError) as exc:
            raise BenchError(f"no Asterisk pid in {self.pid_file}") from exc
        if not Path(f"/proc/{pid}").exists():
            raise BenchError(f"Asterisk (pid {pid}) is not running")
        return pid

    def channel_count(self) -> int:
        output = self.cli("core show channels count")
        for line in output.splitlines():
            if "active channel" in line:
                return int(line.split()[0])
        raise BenchError(f"unexpected 'core show channels count' output: {output!r}")

    def wait_idle(self, timeout: float) -> int:
        """Wait until no channel is left; returns how many were left at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            count = self.channel_count()
            if count == 0 or time.monotonic() > deadline:
                return count
            time.sleep(0.5)


# ---- files and processes


@dataclass(frozen=True)
class BenchPaths:
    var_dir: Path

    @property
    def secrets(self) -> Path:
        return self.var_dir / "secrets"

    @property
    def postgres(self) -> Path:
        return self.var_dir / "postgres"

    @property
    def recordings(self) -> Path:
        return self.var_dir / "recordings"

    @property
    def config(self) -> Path:
        return self.var_dir / "hotline-bench.yaml"

    @property
    def runs(self) -> Path:
        return self.var_dir / "runs"


def _host_path(inner: PurePosixPath) -> Path:
    return DEFAULT_ROOT.joinpath(*inner.parts[1:])


def spool_dir() -> Path:
    """Where the bench instance's Asterisk writes recordings before the hotline files them."""
    return _host_path(InstanceLayout(INSTANCE).recording_dir)


def write_run_config(source: Path, target: Path, store_dir: Path, seats: int) -> HotlineConfig:
    """The bench YAML with the bench instance's paths and the first `seats` seats, checked."""
    layout = InstanceLayout(INSTANCE)
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    document["prompts"]["dir"] = str(_host_path(layout.dir("prompts")))
    document["prompts"]["asterisk_dir"] = str(layout.dir("prompts"))
    document["recordings"]["spool_dir"] = str(spool_dir())
    document["recordings"]["store_dir"] = str(store_dir)
    if seats > len(document["seats"]):
        raise BenchError(f"{source} has {len(document['seats'])} seats; {seats} were asked for")
    document["seats"] = document["seats"][:seats]
    target.parent.mkdir(parents=True, exist_ok=True)
    header = f"# Written by bench/stack.py from {source.name} for one benchmark run.\n"
    target.write_text(header + yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return load_config(target)


def fresh_database(paths: BenchPaths, secrets: SecretStore) -> LocalCluster:
    """A new, empty cluster for every run, so each run starts from the same tables."""
    cluster = LocalCluster(paths.postgres, POSTGRES_PORT, secrets.directory / "postgres-bench")
    cluster.stop()
    if paths.postgres.exists():
        shutil.rmtree(paths.postgres)
    cluster.ensure()
    cluster.start()
    return cluster


def database_url(cluster: LocalCluster) -> str:
    params = cluster.connect_params()
    password = quote(str(params["password"]), safe="")
    return (
        f"postgresql://{params['user']}:{password}@{params['host']}:{params['port']}"
        f"/{params['database']}"
    )


def start_asterisk(config: HotlineConfig, config_dir: Path, secrets: SecretStore) -> BenchAsterisk:
    ensure_secrets(config, secrets)
    settings = dataclasses.replace(
        asterisk_settings(config, secrets), rtp_start=RTP_RANGE[0], rtp_end=RTP_RANGE[1]
    )
    instance = BenchAsterisk(settings, [seat.id for seat in config.seats])
    instance.stop()
    instance.install()
    build_prompts(config.prompts, instance.prompts_dir.host, base_dir=config_dir)
    instance.start()
    return instance


def make_voices(workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    for voice, tone in (("caller-voice.ulaw", "440"), ("seat-voice.ulaw", "660")):
        if not (workdir / voice).exists():
            subprocess.run(
                ["sox", "-n", "-r", "8000", "-c", "1", "-t", "ul", voice, "synth", "3", "sine",
                 tone, "vol", "0.5"],
                cwd=workdir, check=True, capture_output=True,
            )  # fmt: skip

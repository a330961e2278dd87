"""The real stack: Asterisk 22 in its sandbox, PostgreSQL, SIPp peers. Never skipped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from config.holder import ConfigHolder
from config.loader import load_config
from config.schema import HotlineConfig
from config.secrets import SecretStore
from hotline.app import Hotline
from hotline.local_stack import asterisk_settings, ensure_secrets
from hotline.settings import Locations
from ivr.prompts import build_prompts
from sandbox.asterisk import AsteriskInstance, build_root
from tests.conftest import REPO, TEST_CONFIG
from tests.integration.tcp_proxy import TcpProxy
from tests.support import eventually, fetch

SIPP_DIR = REPO / "tests" / "sipp"
CITIZEN = "13800138000"  # the SIPp citizen's own number, unless a test gives another
SECRETS_DIR = REPO / "var" / "test-secrets"


@dataclass
class RealAsterisk:
    instance: AsteriskInstance
    config: HotlineConfig
    secrets: SecretStore

    @property
    def sip_target(self) -> str:
        return f"{self.config.asterisk.sip_address}:{self.config.asterisk.sip_port}"

    def active_channels(self) -> int:
        output = self.instance.cli("core show channels count")
        for line in output.splitlines():
            if "active channel" in line:
                return int(line.split()[0])
        raise AssertionError(f"unexpected 'core show channels count' output: {output!r}")


@pytest.fixture(scope="session")
def real_asterisk() -> Iterator[RealAsterisk]:
    # No skip: without Asterisk the suite must fail, loudly, here.
    if shutil.which("sipp") is None:
        raise RuntimeError("sipp is not installed: run 'make test' (it installs sip-tester)")
    build_root()
    config = load_config(TEST_CONFIG)
    secrets = SecretStore(SECRETS_DIR)
    ensure_secrets(config, secrets)
    instance = AsteriskInstance("test", asterisk_settings(config, secrets))
    instance.stop()
    instance.install()
    build_prompts(config.prompts, instance.prompts_dir.host, base_dir=TEST_CONFIG.parent)
    instance.start()
    yield RealAsterisk(instance, config, secrets)
    instance.stop()


@dataclass
class Running:
    hotline: Hotline
    proxy: TcpProxy
    asterisk: RealAsterisk
    database: dict[str, Any]


@contextlib.asynccontextmanager
async def running_hotline(
    real_asterisk: RealAsterisk,
    database: dict[str, Any],
    tmp_path: Path,
    config: HotlineConfig | None = None,
) -> AsyncIterator[Running]:
    """The controller in-process, reaching ARI through a relay the test can cut. `config`
    changes what the controller runs (not what Asterisk was set up with)."""
    config = config or real_asterisk.config
    proxy_port = int(config.asterisk.ari_url.rsplit(":", 1)[1])
    proxy = TcpProxy(proxy_port, config.asterisk.http_port)
    await proxy.start()
    instance = real_asterisk.instance
    locations = Locations(
        instance.prompts_dir.host,
        str(instance.prompts_dir.inner),
        instance.recording_dir.host,
        tmp_path / "recordings",
    )
    hotline = Hotline(ConfigHolder(TEST_CONFIG, config), real_asterisk.secrets, database, locations)
    try:
        async with hotline:
            await hotline.wait_ready(15)
            yield Running(hotline, proxy, real_asterisk, database)
    finally:
        await proxy.stop()
        instance.cli("channel request hangup all")


@pytest.fixture
async def running(
    real_asterisk: RealAsterisk, database: dict[str, Any], tmp_path: Path
) -> AsyncIterator[Running]:
    async with running_hotline(real_asterisk, database, tmp_path) as running:
        yield running


@dataclass
class Sipp:
    process: asyncio.subprocess.Process
    name: str
    workdir: Path

    async def finish(self, seconds: float) -> int:
        try:
            async with asyncio.timeout(seconds):
                await self.process.wait()
        except TimeoutError:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()
            raise AssertionError(f"sipp {self.name} did not finish in {seconds} s") from None
        code = self.process.returncode
        assert code is not None
        return code

    def errors(self) -> str:
        logs = sorted(self.workdir.glob("*_errors.log"))
        return "\n".join(log.read_text(errors="replace")[-2000:] for log in logs)


async def start_sipp(workdir: Path, name: str, *args: str) -> Sipp:
    workdir.mkdir(parents=True, exist_ok=True)
    for voice, tone in (("caller-voice.ulaw", "440"), ("seat-voice.ulaw", "660")):
        if not (workdir / voice).exists():
            process = await asyncio.create_subprocess_exec(
                "sox",
                "-n",
                "-r",
                "8000",
                "-c",
                "1",
                "-t",
                "ul",
                voice,
                "synth",
                "3",
                "sine",
                tone,
                "vol",
                "0.5",
                cwd=workdir,
            )
            assert await process.wait() == 0
    process = await asyncio.create_subprocess_exec(
        "sipp",
        *args,
        "-nostdin",
        "-trace_err",
        cwd=workdir,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "TERM": "dumb"},
    )
    return Sipp(process, name, workdir)


async def start_citizen(
    asterisk: RealAsterisk,
    workdir: Path,
    scenario: str,
    *keys: str,
    number: str,
    port: int,
    media_port: int,
    caller: str = CITIZEN,
) -> Sipp:
    """A citizen's phone (number `caller`) calling `number` through the carrier trunk
    (identified by 127.0.0.2)."""
    return await start_sipp(
        workdir,
        scenario.removesuffix(".xml"),
        asterisk.sip_target,
        *("-sf", str(SIPP_DIR / scenario), "-s", number, "-key", "caller", caller),
        *("-i", "127.0.0.2", "-p", str(port), "-mi", "127.0.0.2", "-mp", str(media_port)),
        *keys,
        "-m",
        "1",
    )


async def start_caller(
    asterisk: RealAsterisk,
    workdir: Path,
    *,
    talk_ms: int,
    number: str = "12368",
    media_port: int = 40000,
    port: int = 5161,
    caller: str = CITIZEN,
) -> Sipp:
    """A citizen who presses 0 during the greeting, then talks for `talk_ms` (waiting in line,
    if nobody answers yet, then hanging up)."""
    return await start_citizen(
        asterisk,
        workdir,
        "caller.xml",
        *("-key", "talk_ms", str(talk_ms)),
        number=number,
        port=port,
        media_port=media_port,
        caller=caller,
    )


async def start_ivr_caller(
    asterisk: RealAsterisk,
    workdir: Path,
    keys: str,
    *,
    talk_ms: int,
    number: str = "12368",
    port: int = 5161,
    media_port: int = 40000,
    first_ms: int = 1500,
    gap_ms: int = 3000,
) -> Sipp:
    """A citizen who presses `keys` (groups split by ';') through the carrier, then talks."""
    return await start_citizen(
        asterisk,
        workdir,
        "ivr-caller.xml",
        *("-key", "keys", keys, "-key", "first_ms", str(first_ms)),
        *("-key", "gap_ms", str(gap_ms), "-key", "talk_ms", str(talk_ms)),
        number=number,
        port=port,
        media_port=media_port,
    )


async def start_seat(
    asterisk: RealAsterisk,
    workdir: Path,
    seat_id: str,
    *,
    address: str,
    stay_ms: int,
    media_port: int = 42000,
    hangs_up_after_ms: int | None = None,
    answers: bool = True,
) -> Sipp:
    """A registered seat; it answers every call (unless not `answers`: it only rings), and
    hangs up first if `hangs_up_after_ms`."""
    password = asterisk.secrets.resolve(f"secret:seat-{seat_id}")
    answering = "seat-answer.xml" if hangs_up_after_ms is None else "seat-answer-hangup.xml"
    if not answers:
        answering = "seat-no-answer.xml"
    talk = [] if hangs_up_after_ms is None else ["-key", "talk_ms", str(hangs_up_after_ms)]
    return await start_sipp(
        workdir,
        f"seat {seat_id}",
        asterisk.sip_target,
        "-sf",
        str(SIPP_DIR / "seat.xml"),
        "-oocsf",
        str(SIPP_DIR / answering),
        "-s",
        seat_id,
        "-ap",
        password,
        "-i",
        address,
        "-p",
        "5170",
        "-mi",
        address,
        "-mp",
        str(media_port),
        "-key",
        "stay_ms",
        str(stay_ms),
        *talk,
        "-m",
        "1",
    )


async def stored_recording(database: dict[str, Any], call_id: str) -> asyncpg.Record:
    async with asyncio.timeout(10):
        while not (
            rows := await fetch(
                database, "SELECT * FROM recordings WHERE call_id=$1 AND state='stored'", call_id
            )
        ):
            await asyncio.sleep(0.1)
    return rows[0]


async def seat_registered(running: Running, seat: Sipp, seat_id: str) -> None:
    def registered_or_gone() -> bool:
        board_seat = running.hotline.seats.get(seat_id)
        return (board_seat is not None and board_seat.registered) or (
            seat.process.returncode is not None
        )

    await eventually(registered_or_gone, 15)
    assert seat.process.returncode is None, f"the seat's SIPp stopped: {seat.errors()}"


async def run_as_seat(
    asterisk: RealAsterisk, workdir: Path, seat_id: str, scenario: str, *args: str
) -> None:
    """One SIPp run of `scenario` that authenticates as the seat (digest), to its end."""
    password = asterisk.secrets.resolve(f"secret:seat-{seat_id}")
    sipp = await start_sipp(
        workdir,
        f"{seat_id} {scenario}",
        asterisk.sip_target,
        "-sf",
        str(SIPP_DIR / scenario),
        "-ap",
        password,
        *args,
        "-m",
        "1",
    )
    assert await sipp.finish(20) == 0, sipp.errors()


async def unregister_seat(asterisk: RealAsterisk, workdir: Path, seat_id: str) -> None:
    """Drop every registration of a seat, so a later test never rings a softphone that left."""
    await run_as_seat(
        asterisk,
        workdir / f"unregister-{seat_id}",
        seat_id,
        "seat-unregister.xml",
        *("-s", seat_id, "-i", "127.0.0.40", "-p", "5179"),
    )


@contextlib.asynccontextmanager
async def seat_phones(
    running: Running, workdir: Path, seats: dict[str, tuple[str, bool]]
) -> AsyncIterator[dict[str, Sipp]]:
    """Registered seat softphones {seat id: (address, answers)}; unregistered again on exit."""
    phones: dict[str, Sipp] = {}
    try:
        for index, (seat_id, (address, answers)) in enumerate(seats.items()):
            phones[seat_id] = await start_seat(
                running.asterisk,
                workdir / seat_id,
                seat_id,
                address=address,
                stay_ms=280_000,
                media_port=43000 + 200 * index,
                answers=answers,
            )
        for seat_id, phone in phones.items():
            await seat_registered(running, phone, seat_id)
        yield phones
    finally:
        for phone in phones.values():
            if phone.process.returncode is None:
                phone.process.terminate()
                await phone.process.wait()
        for seat_id in phones:
            await unregister_seat(running.asterisk, workdir, seat_id)


async def seat_dials(
    running: Running, workdir: Path, seat_id: str, code: str, address: str
) -> None:
    """The agent dials a feature code on the seat's softphone (digest-authenticated INVITE)."""
    await run_as_seat(
        running.asterisk,
        workdir / f"dial-{seat_id}-{code.strip('*')}",
        seat_id,
        "seat-dial.xml",
        *("-s", code, "-key", "seat", seat_id, "-au", seat_id),
        *("-i", address, "-p", "5171", "-mi", address, "-mp", "44500"),
    )

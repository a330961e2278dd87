"""A controller killed with SIGKILL mid-service: bridged calls stay up, waiting callers keep
their order. On the real Asterisk, with the controller as its own process (`hotline run`)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import yaml

from ari.client import AriClient
from config.secrets import SecretStore
from tests.conftest import REPO, TEST_CONFIG
from tests.integration.conftest import (
    SECRETS_DIR,
    RealAsterisk,
    Sipp,
    start_caller,
    start_seat,
    unregister_seat,
)
from tests.support import fetch

HOTLINE = Path(sys.executable).with_name("hotline")
STATUS = "http://127.0.0.1:8369"  # hotline.status_listen of the test config


def controller_config(asterisk: RealAsterisk, tmp_path: Path) -> Path:
    """The test config pointed straight at Asterisk (no relay), at its prompt and spool dirs."""
    document = yaml.safe_load(TEST_CONFIG.read_text(encoding="utf-8"))
    instance = asterisk.instance
    document["asterisk"]["ari_url"] = f"http://127.0.0.1:{asterisk.config.asterisk.http_port}"
    document["prompts"]["dir"] = str(instance.prompts_dir.host)
    document["prompts"]["asterisk_dir"] = str(instance.prompts_dir.inner)
    document["recordings"] = {
        "format": "wav",
        "spool_dir": str(instance.recording_dir.host),
        "store_dir": str(tmp_path / "recordings"),
    }
    path = tmp_path / "hotline.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


async def status() -> dict[str, Any]:
    token = SecretStore(SECRETS_DIR).resolve("secret:api")
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session,
        session.get(f"{STATUS}/api/status") as reply,
    ):
        document: dict[str, Any] = await reply.json()
    return document


async def until(predicate: Any, seconds: float, what: str) -> Any:
    """Poll the status API until `predicate(document)` is truthy."""
    try:
        async with asyncio.timeout(seconds):
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    if result := predicate(await status()):
                        return result
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


@contextlib.asynccontextmanager
async def controller(
    config: Path, database: dict[str, Any], log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    url = (
        f"postgresql://{database['user']}:{quote(str(database['password']))}"
        f"@{database['host']}:{database['port']}/{database['database']}"
    )
    env = {**os.environ, "HOTLINE_DATABASE_URL": url, "HOTLINE_SECRETS_DIR": str(SECRETS_DIR)}
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            str(HOTLINE),
            "run",
            "--config",
            str(config),
            "--var-dir",
            str(config.parent / "var"),
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=output,
        )
    try:
        await until(lambda doc: doc["ari_connected"], 30, "the controller to connect to ARI")
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(15):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


def direct_ari(asterisk: RealAsterisk) -> AriClient:
    """A REST client straight to Asterisk, to see its bridges as they are."""
    return AriClient(
        f"http://127.0.0.1:{asterisk.config.asterisk.http_port}",
        "hotline",
        asterisk.secrets.resolve("secret:ari"),
        app="hotline",
    )


async def bridge_holds(ari: AriClient, bridge_id: str, count: int) -> None:
    """Waits (up to 5 s) until the bridge has `count` channels."""
    for _ in range(50):
        if len((await ari.get_bridge(bridge_id)).channels) == count:
            return
        await asyncio.sleep(0.1)
    channels = (await ari.get_bridge(bridge_id)).channels
    raise AssertionError(f"bridge {bridge_id} has {channels}, not {count} channels")


async def bridged_caller(
    asterisk: RealAsterisk, workdir: Path, talk_ms: int
) -> tuple[Sipp, dict[str, Any]]:
    """A caller who presses 0 and is put through to a free seat: their SIPp and live call."""
    caller = await start_caller(asterisk, workdir, talk_ms=talk_ms)
    [call] = await until(
        lambda doc: [c for c in doc["calls"] if c["state"] == "connected"],
        20,
        "the caller to be bridged",
    )
    return caller, call


def registered(seat_id: str) -> Any:
    return lambda doc: any(s["id"] == seat_id and s["registered"] for s in doc["seats"])


async def test_after_sigkill_the_bridged_call_stays_and_waiting_callers_keep_their_order(
    real_asterisk: RealAsterisk, database: dict[str, Any], tmp_path: Path
) -> None:
    config = controller_config(real_asterisk, tmp_path)
    log = tmp_path / "controller.log"
    phones: list[tuple[str, Sipp]] = []
    try:
        async with controller(config, database, log) as first:
            talking_seat = await start_seat(
                real_asterisk,
                tmp_path / "seat1",
                "chaoyang-01",
                address="127.0.0.32",
                stay_ms=90000,
            )
            phones.append(("chaoyang-01", talking_seat))
            await until(registered("chaoyang-01"), 15, "chaoyang-01 to register")
            # Talks 30 s: on past the kill, the restart and the checks below.
            bridged, call = await bridged_caller(real_asterisk, tmp_path / "bridged", 30000)
            waiting_callers = []
            for index in range(3):
                waiting_callers.append(
                    await start_caller(
                        real_asterisk,
                        tmp_path / f"waiting{index}",
                        talk_ms=60000,
                        port=5163 + index,
                        media_port=40400 + 100 * index,
                    )
                )
                await asyncio.sleep(1.5)
            line = await until(
                lambda doc: len(doc["waiting"]) == 3 and doc["waiting"], 15, "three in line"
            )
            first.send_signal(signal.SIGKILL)
            await first.wait()

        before = {row["id"]: row for row in await fetch(database, "SELECT * FROM calls")}
        async with controller(config, database, log):
            # The conversation never noticed: same bridge, both legs still in it.
            ari = direct_ari(real_asterisk)
            try:
                bridge = await ari.get_bridge(f"{call['id']}-bridge")
            finally:
                await ari.close()
            assert len(bridge.channels) == 2
            relined = await until(
                lambda doc: len(doc["waiting"]) == 3 and doc["waiting"], 15, "the line rebuilt"
            )
            assert [w["call_id"] for w in relined] == [w["call_id"] for w in line]
            assert [w["queued_at"] for w in relined] == [w["queued_at"] for w in line]
            # The seat on the surviving call is known to be busy again: nobody else is offered it.
            seats = {seat["id"]: seat for seat in (await status())["seats"]}
            assert (seats["chaoyang-01"]["state"], seats["chaoyang-01"]["call_id"]) == (
                "talking",
                call["id"],
            )

            # A seat comes: it takes them in their original order, 2 s each, then hangs up.
            serving = await start_seat(
                real_asterisk,
                tmp_path / "seat2",
                "haidian-01",
                address="127.0.0.33",
                stay_ms=60000,
                media_port=42600,
                hangs_up_after_ms=2000,
            )
            phones.append(("haidian-01", serving))
            for caller in [bridged, *waiting_callers]:
                assert await caller.finish(70) == 0, caller.errors()

        rows = {row["id"]: row for row in await fetch(database, "SELECT * FROM calls")}
        bridged_row = rows[call["id"]]
        assert (bridged_row["end_reason"], bridged_row["seat_id"]) == ("completed", "chaoyang-01")
        assert bridged_row["connected_at"] == before[call["id"]]["connected_at"]
        served = sorted((rows[w["call_id"]] for w in line), key=lambda row: row["connected_at"])
        assert [row["id"] for row in served] == [w["call_id"] for w in line]
        assert all(row["seat_id"] == "haidian-01" for row in served)
        assert all(row["queued_at"] == before[row["id"]]["queued_at"] for row in served)
    finally:
        for seat_id, phone in phones:
            if phone.process.returncode is None:
                phone.process.terminate()
                await phone.process.wait()
            await unregister_seat(real_asterisk, tmp_path, seat_id)
        real_asterisk.instance.cli("channel request hangup all")


async def call_action(call_id: str, action: str) -> int:
    token = SecretStore(SECRETS_DIR).resolve("secret:api")
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session,
        session.post(f"{STATUS}/api/calls/{call_id}/{action}", json={}) as reply,
    ):
        return reply.status


async def test_a_caller_on_hold_through_a_sigkill_is_still_on_hold_and_the_agent_resumes(
    real_asterisk: RealAsterisk, database: dict[str, Any], tmp_path: Path
) -> None:
    config = controller_config(real_asterisk, tmp_path)
    log = tmp_path / "controller.log"
    ari = direct_ari(real_asterisk)
    seat: Sipp | None = None
    try:
        async with controller(config, database, log) as first:
            seat = await start_seat(
                real_asterisk, tmp_path / "seat", "chaoyang-01", address="127.0.0.37", stay_ms=90000
            )
            await until(registered("chaoyang-01"), 15, "chaoyang-01 to register")
            caller, call = await bridged_caller(real_asterisk, tmp_path / "caller", 25000)
            bridge_id = f"{call['id']}-bridge"
            assert await call_action(call["id"], "hold") == 202
            await bridge_holds(ari, bridge_id, 1)  # the agent alone: the caller hears music
            first.send_signal(signal.SIGKILL)
            await first.wait()

        async with controller(config, database, log):
            await until(
                lambda doc: [c for c in doc["calls"] if c["id"] == call["id"]],
                15,
                "the call taken over",
            )
            assert await call_action(call["id"], "hold") == 409, "it is known to be on hold"
            assert await call_action(call["id"], "resume") == 202
            await bridge_holds(ari, bridge_id, 2)  # the caller is back with the agent
            assert await caller.finish(40) == 0, caller.errors()
        [row] = await fetch(database, "SELECT * FROM calls")
        assert (row["end_reason"], row["seat_id"]) == ("completed", "chaoyang-01")
    finally:
        await ari.close()
        if seat is not None:
            if seat.process.returncode is None:
                seat.process.terminate()
                await seat.process.wait()
            await unregister_seat(real_asterisk, tmp_path, "chaoyang-01")
        real_asterisk.instance.cli("channel request hangup all")

"""The call harness for functional tests: a controller wired to the fake ARI, and its helpers."""

from __future__ import annotations

import asyncio
import contextlib
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg

from config.holder import ConfigHolder
from config.schema import HotlineConfig
from config.secrets import SecretStore
from hotline.app import Hotline
from hotline.settings import Locations
from tests.fakes.ari_server import FakeAri
from tests.support import eventually, fetch

CALLER = "caller-1"
API_TOKEN = "functional-test-api-token"
LINK_SECRET = "functional-test-reply-link-secret"


class Stack:
    """A running controller wired to the fake, plus what a test needs to drive and inspect it."""

    def __init__(self, fake: FakeAri, hotline: Hotline, database: dict[str, Any], spool: Path):
        self.fake = fake
        self.hotline = hotline
        self.database = database
        self.spool = spool

    def requests(self, method: str, path: str) -> list[Any]:
        return self.fake.requests_to(method, path)

    async def caller_arrives(self, channel_id: str = CALLER) -> str:
        channel = self.fake.add_channel(channel_id, caller_number="13912345678")
        await self.fake.emit(
            {"type": "StasisStart", "channel": channel, "args": ["inbound", "12368"]}
        )
        await eventually(lambda: self.requests("POST", f"/channels/{channel_id}/answer"))
        calls = self.hotline.calls
        assert calls is not None
        call = await eventually(
            lambda: next((c for c in calls.live_calls() if c.caller_channel_id == channel_id), None)
        )
        return str(call.id)

    async def press(self, digit: str, channel_id: str = CALLER) -> None:
        await self.fake.emit(
            {
                "type": "ChannelDtmfReceived",
                "digit": digit,
                "duration_ms": 120,
                "channel": self.fake.channels[channel_id],
            }
        )

    def originations(self) -> list[dict[str, str]]:
        return [r.params for r in self.requests("POST", "/channels")]

    async def seat_answers(self, channel_id: str, call_id: str) -> None:
        channel = self.fake.channels[channel_id]
        channel["state"] = "Up"
        await self.fake.emit({"type": "StasisStart", "channel": channel, "args": ["seat", call_id]})

    async def hang_up(self, channel_id: str) -> None:
        channel = self.fake.channels.pop(channel_id)
        await self.fake.emit({"type": "StasisEnd", "channel": channel})
        await self.fake.emit(
            {
                "type": "ChannelDestroyed",
                "channel": channel,
                "cause": 16,
                "cause_txt": "Normal Clearing",
            }
        )

    async def row(self, call_id: str) -> asyncpg.Record:
        connection = await asyncpg.connect(**self.database)
        try:
            row = await connection.fetchrow("SELECT * FROM calls WHERE id=$1", call_id)
        finally:
            await connection.close()
        assert row is not None
        return row

    async def fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        return await fetch(self.database, query, *args)

    async def ended_row(self, call_id: str) -> asyncpg.Record:
        async with asyncio.timeout(5):
            while (row := await self.row(call_id))["ended_at"] is None:
                await asyncio.sleep(0.02)
        return row


def online(*seats: str) -> list[dict[str, Any]]:
    return [
        {"technology": "PJSIP", "resource": s, "state": "online", "channel_ids": []} for s in seats
    ]


def make_hotline(
    fake: FakeAri,
    database: dict[str, Any],
    config: HotlineConfig,
    tmp_path: Path,
    config_path: Path | None = None,
) -> Hotline:
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir(exist_ok=True)
    (secrets_dir / "ari").write_text(fake.password)
    (secrets_dir / "api").write_text(API_TOKEN)
    (secrets_dir / "links").write_text(LINK_SECRET)
    asterisk = config.asterisk.model_copy(update={"ari_url": fake.base_url})
    config = config.model_copy(update={"asterisk": asterisk})
    locations = Locations(tmp_path / "prompts", "/prompts", tmp_path / "spool", tmp_path / "store")
    # The audio itself does not matter to the fake; each prompt's file only has to exist.
    locations.prompts_dir.mkdir(exist_ok=True)
    for prompt_id in config.prompts.items:
        (locations.prompts_dir / f"{prompt_id}.wav").touch()
    holder = ConfigHolder(config_path or tmp_path / "hotline.yaml", config)
    return Hotline(
        holder, SecretStore(secrets_dir), database, locations, status_listen="127.0.0.1:0"
    )


@contextlib.asynccontextmanager
async def stack_with(
    fake: FakeAri, database: dict[str, Any], config: HotlineConfig, tmp_path: Path
) -> AsyncIterator[Stack]:
    """A controller on a config of the test's own, with no seat reachable yet."""
    async with make_hotline(fake, database, config, tmp_path) as hotline:
        await hotline.wait_ready(5)
        hotline.seats.set_registered("high-01", False)
        yield Stack(fake, hotline, database, tmp_path / "spool")


async def caller_waits(stack: Stack, channel_id: str = CALLER) -> str:
    """A caller presses 0 and is in the queue, hold prompt playing; returns the call id."""
    call_id = await stack.caller_arrives(channel_id)
    await stack.press("0", channel_id)
    await eventually(lambda: stack.requests("POST", f"/channels/{channel_id}/play/{call_id}-p2"))
    return call_id


def write_wav(path: Path, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\x10\x00" * int(8000 * seconds))


async def connect_call(stack: Stack) -> tuple[str, str, str]:
    call_id = await stack.caller_arrives()
    await stack.press("0")
    origination = await eventually(lambda: stack.originations())
    seat_channel = origination[0]["channelId"]
    await stack.seat_answers(seat_channel, call_id)
    record = await eventually(
        lambda: [
            r for r in stack.fake.requests if r.method == "POST" and r.path.endswith("/record")
        ]
    )
    bridge_id = record[0].path.split("/")[2]
    return call_id, seat_channel, bridge_id


CASES_CSV = (
    "case_number,court_id,division,query_code,password,stage,judge_name,next_hearing,"
    "last_event,last_event_at\n"
    "(2024)京0105民初12345号,chaoyang,民一庭,20240105123,8888,审理中,张明,"
    "2026-12-03 09:30,已送达开庭传票,2026-11-20 10:00\n"
)


def plays(stack: Stack) -> list[tuple[str, str]]:
    return [
        (r.path.rsplit("/", 1)[1], r.params["media"])
        for r in stack.fake.requests
        if r.method == "POST" and "/play/" in r.path
    ]


async def prompt_ends(stack: Stack, playback_id: str, channel_id: str = CALLER) -> None:
    await stack.fake.emit(
        {
            "type": "PlaybackFinished",
            "playback": {
                "id": playback_id,
                "media_uri": "sound:x",
                "target_uri": f"channel:{channel_id}",
                "language": "zh",
                "state": "done",
            },
        }
    )


async def enter_case(stack: Stack, password: str) -> None:
    for digit in "20240105123#" + password + "#":
        await stack.press(digit)


async def eventually_rows(stack: Stack, query: str, *args: object) -> list[Any]:
    async with asyncio.timeout(5):
        while not (rows := await stack.fetch(query, *args)):
            await asyncio.sleep(0.02)
    return rows

"""`hotline dial` against the fake ARI and a stand-in status API: what it sends, what it shows."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import pytest
from aiohttp import web

from config.loader import load_config
from config.schema import HotlineConfig
from config.secrets import SecretStore
from hotline.dial import (
    SYNTHESISED_SPEECH,
    CallView,
    StdinKeys,
    describe_media,
    describe_transition,
    dial,
)
from tests.conftest import TEST_CONFIG, free_port
from tests.fakes.ari_server import FakeAri, make_channel
from tests.support import eventually

# The text the admin must see is whatever the YAML says the `menu` prompt is.
MENU_TEXT = load_config(TEST_CONFIG).prompts.items["menu"].text


class ScriptedKeys:
    """Keys as an admin would type them, pressed when the test says so."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()

    def press(self, keys: str) -> None:
        for key in keys:
            self._queue.put_nowait(key)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> str:
        key = await self._queue.get()
        if key is None:
            raise StopAsyncIteration
        return key


@dataclass
class StatusApi:
    url: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)

    def set_call(self, caller_channel: str, **fields: Any) -> None:
        self.calls[:] = [
            {
                "id": "call-1",
                "caller_channel": caller_channel,
                "state": "ivr",
                "ivr_node": None,
                "ivr_step": None,
                "caller": "",
                "queue": None,
                "seat": None,
                **fields,
            }
        ]


@dataclass
class Dialling:
    fake: FakeAri
    task: asyncio.Task[int]
    keys: ScriptedKeys
    out: io.StringIO
    err: io.StringIO

    async def originated(self) -> str:
        """The `;1` leg dial() chose, once it has asked Asterisk for the call."""
        (request,) = await eventually(lambda: self.fake.requests_to("POST", "/channels"))
        return str(request.params["channelId"])

    async def answered(self) -> str:
        leg = await self.originated()
        await self.fake.emit({"type": "StasisStart", "channel": self.local_leg(leg), "args": []})
        await eventually(lambda: "the hotline answered" in self.shown())
        return leg

    async def destroyed(self, channel_id: str, cause: int, cause_txt: str) -> None:
        await self.fake.emit(
            {
                "type": "ChannelDestroyed",
                "channel": self.local_leg(channel_id),
                "cause": cause,
                "cause_txt": cause_txt,
            }
        )

    def local_leg(self, channel_id: str) -> dict[str, Any]:
        side = "2" if channel_id.endswith(";2") else "1"
        return make_channel(
            channel_id,
            name=f"Local/12368@hotline-local-00000000;{side}",
            context="hotline-local",
        )

    def dtmf_sent(self, leg: str) -> list[str]:
        return [r.params["dtmf"] for r in self.fake.requests_to("POST", f"/channels/{leg}/dtmf")]

    def shown(self) -> str:
        return self.out.getvalue()

    async def exit_code(self) -> int:
        async with asyncio.timeout(5):
            return await self.task


@pytest.fixture
async def fake() -> AsyncIterator[FakeAri]:
    async with FakeAri.start() as server:
        yield server


@pytest.fixture
async def status_api() -> AsyncIterator[StatusApi]:
    api = StatusApi()

    async def status(_request: web.Request) -> web.Response:
        return web.json_response(
            {"ari_connected": True, "config_errors": [], "calls": api.calls, "waiting": []}
        )

    app = web.Application()
    app.router.add_get("/api/status", status)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    api.url = f"http://{host}:{port}"
    yield api
    await runner.cleanup()


def secret_store_with(tmp_path: Path, ari_password: str) -> SecretStore:
    directory = tmp_path / "secrets"
    directory.mkdir(exist_ok=True)
    (directory / "ari").write_text(ari_password + "\n", encoding="utf-8")
    return SecretStore(directory)


def pointed_at(config: HotlineConfig, ari_url: str) -> HotlineConfig:
    asterisk = config.asterisk.model_copy(update={"ari_url": ari_url})
    return config.model_copy(update={"asterisk": asterisk})


@pytest.fixture
async def dialling(
    fake: FakeAri, status_api: StatusApi, test_config: HotlineConfig, tmp_path: Path
) -> AsyncIterator[Dialling]:
    keys = ScriptedKeys()
    out, err = io.StringIO(), io.StringIO()
    task = asyncio.create_task(
        dial(
            pointed_at(test_config, fake.base_url),
            secret_store_with(tmp_path, fake.password),
            number="12368",
            out=out,
            err=err,
            keys=keys,
            status_url=status_api.url,
        )
    )
    yield Dialling(fake, task, keys, out, err)
    if not task.done():
        task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def run_dial(
    config: HotlineConfig,
    store: SecretStore,
    status_api: StatusApi,
    number: str = "12368",
    caller: str | None = None,
) -> tuple[int, str]:
    err = io.StringIO()
    async with asyncio.timeout(5):
        code = await dial(
            config,
            store,
            number=number,
            out=io.StringIO(),
            err=err,
            keys=ScriptedKeys(),
            status_url=status_api.url,
            caller=caller,
        )
    return code, err.getvalue()


# --- the call ---


async def test_dial_calls_the_number_through_hotline_local_from_its_own_app(
    dialling: Dialling, fake: FakeAri
) -> None:
    leg = await dialling.originated()

    (request,) = fake.requests_to("POST", "/channels")
    assert request.params["endpoint"] == "Local/12368@hotline-local"
    assert request.params["app"] == "hotline-dial"
    assert leg.startswith("dial-")
    assert [r.params["app"] for r in fake.ws_requests] == ["hotline-dial"]
    assert "callerId" not in request.params, "no caller number unless asked for"


async def test_dial_can_call_as_a_given_phone_number(
    fake: FakeAri, status_api: StatusApi, test_config: HotlineConfig, tmp_path: Path
) -> None:
    dialled = asyncio.create_task(
        run_dial(
            pointed_at(test_config, fake.base_url),
            secret_store_with(tmp_path, fake.password),
            status_api,
            caller="139-1234-5678",
        )
    )
    try:
        (request,) = await eventually(lambda: fake.requests_to("POST", "/channels"))
        assert request.params["callerId"] == "13912345678"
    finally:
        dialled.cancel()
        await asyncio.gather(dialled, return_exceptions=True)


async def test_a_caller_that_is_not_a_phone_number_is_refused_before_calling(
    fake: FakeAri, status_api: StatusApi, test_config: HotlineConfig, tmp_path: Path
) -> None:
    code, err = await run_dial(
        pointed_at(test_config, fake.base_url),
        secret_store_with(tmp_path, fake.password),
        status_api,
        caller='"Judge" <100>',
    )
    assert code == 1
    assert "--caller must be a phone number of 5 to 20 digits" in err
    assert fake.requests == []


async def test_keys_become_dtmf_on_the_caller_leg_in_order_once_the_hotline_answers(
    dialling: Dialling,
) -> None:
    leg = await dialling.originated()
    dialling.keys.press("12")
    await asyncio.sleep(0.1)
    assert dialling.dtmf_sent(leg) == []  # the leg is not in our app before it is answered

    await dialling.answered()
    dialling.keys.press("x*,#")

    await eventually(lambda: len(dialling.dtmf_sent(leg)) == 4)
    assert dialling.dtmf_sent(leg) == ["1", "2", "*", "#"]
    assert "pressed #" in dialling.shown()
    assert "key 'x' ignored" in dialling.shown()


async def test_prompt_played_to_the_hotline_leg_shows_as_its_text_from_the_yaml(
    dialling: Dialling,
) -> None:
    leg = await dialling.answered()

    for playback_id, media in (("p1", "sound:/x/menu"), ("p2", "sound:/x/speech/tts-3f2a")):
        await dialling.fake.emit(
            {
                "type": "PlaybackStarted",
                "playback": {
                    "id": playback_id,
                    "media_uri": media,
                    "target_uri": f"channel:{leg};2",
                    "state": "playing",
                },
            }
        )

    await eventually(lambda: SYNTHESISED_SPEECH in dialling.shown())
    assert f"♪ {MENU_TEXT}  [menu]" in dialling.shown()


async def test_status_api_transitions_show_node_queue_and_seat(
    dialling: Dialling, status_api: StatusApi
) -> None:
    leg = await dialling.answered()

    status_api.set_call(f"{leg};2", ivr_node="main", ivr_step="prompting")
    await eventually(lambda: "→ main (prompting)" in dialling.shown())
    status_api.set_call(f"{leg};2", ivr_node="main", ivr_step="awaiting_input")
    await eventually(lambda: "→ main (awaiting_input)" in dialling.shown())
    status_api.set_call(f"{leg};2", state="queued", queue="general")
    await eventually(lambda: "waiting in queue 综合咨询 (general): hold music" in dialling.shown())
    status_api.set_call(f"{leg};2", state="offering", queue="general", seat="high-01")
    await eventually(lambda: "ringing seat high-01" in dialling.shown())
    status_api.set_call(f"{leg};2", state="connected", queue="general", seat="high-01")
    await eventually(lambda: "connected to seat high-01" in dialling.shown())

    assert dialling.shown().count("→ main (prompting)") == 1


async def test_hotline_hanging_up_the_caller_leg_ends_dial_with_exit_code_0(
    dialling: Dialling,
) -> None:
    leg = await dialling.answered()

    await dialling.destroyed(f"{leg};2", 16, "Normal Clearing")
    await dialling.destroyed(leg, 16, "Normal Clearing")

    assert await dialling.exit_code() == 0
    assert "the hotline hung up (Normal Clearing)" in dialling.shown()
    assert dialling.fake.requests_to("DELETE", f"/channels/{leg}") == []


async def test_q_hangs_up_the_call_and_ends_dial(dialling: Dialling) -> None:
    leg = await dialling.answered()

    dialling.keys.press("1q2")

    assert await dialling.exit_code() == 0
    assert len(dialling.fake.requests_to("DELETE", f"/channels/{leg}")) == 1
    assert dialling.dtmf_sent(leg) == ["1"]
    assert "you hung up" in dialling.shown()


# --- clear errors ---


async def test_number_the_dialplan_does_not_route_is_reported(dialling: Dialling) -> None:
    leg = await dialling.originated()

    await dialling.destroyed(leg, 1, "Unallocated (unassigned) number")

    assert await dialling.exit_code() == 1
    assert "12368 is not routed in Asterisk's hotline-local context" in dialling.err.getvalue()


async def test_number_that_is_not_the_hotlines_is_refused_before_calling(
    fake: FakeAri, status_api: StatusApi, test_config: HotlineConfig, tmp_path: Path
) -> None:
    code, err = await run_dial(
        pointed_at(test_config, fake.base_url),
        secret_store_with(tmp_path, fake.password),
        status_api,
        number="110",
    )

    assert code == 1
    assert "110 is not a hotline number of this config (12368, 12368105, 12368108)" in err
    assert fake.requests == []


async def test_unreachable_ari_asks_whether_the_hotline_runs(
    status_api: StatusApi, test_config: HotlineConfig, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{free_port()}"

    code, err = await run_dial(
        pointed_at(test_config, url), secret_store_with(tmp_path, "pw"), status_api
    )

    assert code == 1
    assert f"cannot reach Asterisk's ARI at {url}" in err
    assert "is `hotline run` up?" in err


async def test_wrong_ari_password_is_reported_as_refused(
    fake: FakeAri, status_api: StatusApi, test_config: HotlineConfig, tmp_path: Path
) -> None:
    code, err = await run_dial(
        pointed_at(test_config, fake.base_url), secret_store_with(tmp_path, "wrong"), status_api
    )

    assert code == 1
    assert "refused user 'hotline' (the password from secret:ari)" in err
    assert fake.requests_to("POST", "/channels") == []


async def test_asterisk_without_the_hotline_app_means_the_controller_is_down(
    fake: FakeAri, status_api: StatusApi, test_config: HotlineConfig, tmp_path: Path
) -> None:
    fake.respond("GET", "/applications/hotline", 404, {"message": "Application not found"})

    code, err = await run_dial(
        pointed_at(test_config, fake.base_url),
        secret_store_with(tmp_path, fake.password),
        status_api,
    )

    assert code == 1
    assert "no Stasis app 'hotline'" in err
    assert "is `hotline run` up?" in err
    assert fake.requests_to("POST", "/channels") == []


# --- keys from stdin, and the pure parts ---


@pytest.fixture
def pipe() -> Iterator[tuple[io.TextIOWrapper, int]]:
    read_end, write_end = os.pipe()
    reader = os.fdopen(read_end, "r", encoding="utf-8")
    yield reader, write_end
    reader.close()


async def test_piped_stdin_gives_each_character_as_a_key_until_its_end(
    pipe: tuple[io.TextIOWrapper, int],
) -> None:
    reader, write_end = pipe
    with StdinKeys(reader) as keys:
        os.write(write_end, b"1,\n")
        os.write(write_end, b"#q")
        os.close(write_end)
        async with asyncio.timeout(2):
            received = [key async for key in keys]

    assert received == ["1", ",", "\n", "#", "q"]


async def test_stdin_from_a_file_is_read_as_keys_too(tmp_path: Path) -> None:
    script = tmp_path / "keys.txt"
    script.write_text("2*\n", encoding="utf-8")
    with script.open(encoding="utf-8") as stream, StdinKeys(stream) as keys:
        async with asyncio.timeout(2):
            received = [key async for key in keys]

    assert received == ["2", "*", "\n"]


def test_media_uri_is_described_by_prompt_text_or_kind(test_config: HotlineConfig) -> None:
    prompts = test_config.prompts.items

    assert describe_media("sound:/srv/hotline/x/prompts/menu", prompts) == f"{MENU_TEXT}  [menu]"
    assert describe_media("sound:/p/speech/tts-0a1b", prompts) == SYNTHESISED_SPEECH
    assert describe_media("sound:/p/nothere", prompts).endswith("(not a prompt of this config)")
    assert describe_media("tone:ring", prompts) == "tone:ring"


def test_only_changes_of_node_step_queue_or_seat_are_shown() -> None:
    main = CallView("ivr", "main", "prompting")
    waiting = CallView("ivr", "main", "awaiting_input")
    queued = CallView("queued", queue="general")
    names = {"general": "综合咨询"}

    assert describe_transition(None, main, names) == ["→ main (prompting)"]
    assert describe_transition(main, main, names) == []
    assert describe_transition(main, waiting, names) == ["→ main (awaiting_input)"]
    assert describe_transition(waiting, queued, names) == [
        "waiting in queue 综合咨询 (general): hold music"
    ]
    assert describe_transition(queued, queued, names) == []
    assert describe_transition(queued, CallView("mystery"), names) == ["state mystery"]

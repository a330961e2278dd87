"""`hotline dial`: call the running hotline from a terminal to try a menu before it goes live.

The call is a Local channel pair: its `;1` leg sits in our own ARI app (`hotline-dial`) and takes
the admin's keys as DTMF; its `;2` leg runs the dialplan into the hotline like any caller. What the
caller hears is shown as the prompts' text: Asterisk 22 sends the `;2` leg's events (playbacks
included) to the app that originated the pair too, and the node, queue and seat the call is at
come from the controller's status API.
"""

from __future__ import annotations

import asyncio
import codecs
import enum
import os
import secrets
import signal
import sys
import termios
import time
import tty
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TextIO, assert_never

import aiohttp
import structlog

from ari.client import AriClient
from ari.errors import AriConflict, AriError, AriNotFound, AriUnauthorized, AriUnavailable
from ari.event_stream import AriEventStream
from ari.events import (
    ChannelDestroyed,
    Event,
    PlaybackStarted,
    StasisEnd,
    StasisStart,
    channel_id_of,
)
from calls.model import CallState
from config.schema import HotlineConfig, Prompt
from config.secrets import SecretMissingError, SecretStore
from directory.model import check_phone
from ivr.prompts import SYNTHESIZED_PREFIX

log = structlog.get_logger(__name__)

DIAL_APP = "hotline-dial"
LOCAL_CONTEXT = "hotline-local"
DTMF_KEYS = frozenset("0123456789*#")
# Ctrl-C and Ctrl-D arrive as characters only if the terminal is in raw mode; cbreak keeps
# Ctrl-C a signal, handled separately.
QUIT_KEYS = frozenset("qQ\x03\x04")
PAUSE_KEY = ","
PAUSE_S = 1.0
STATUS_POLL_S = 0.3
CONNECT_TIMEOUT_S = 5.0
SYNTHESISED_SPEECH = "(synthesised speech)"
HINT = "keys 0-9 * # are sent as DTMF, ',' waits 1 s, q hangs up"
# Q.850 cause 1: the dialplan has no route for the number.
CAUSE_UNALLOCATED = 1


class DialError(Exception):
    """A reason the call could not be made; the message says what to check."""

    code = "dial-failed"


class DialEnd(enum.StrEnum):
    HOTLINE_HUNG_UP = "hotline_hung_up"
    ADMIN_HUNG_UP = "admin_hung_up"
    NOT_ROUTED = "not_routed"
    FAILED = "failed"  # the call ended before the hotline answered


# ---- what the caller hears and where the call is: pure ----------------------------------------


def describe_media(media_uri: str, prompts: Mapping[str, Prompt]) -> str:
    """What a playback says, from its media URI: `sound:/…/<prompt_id>` → the prompt's text."""
    scheme, _, resource = media_uri.partition(":")
    if scheme != "sound":
        return media_uri
    name = resource.rstrip("/").rpartition("/")[2]
    if name.startswith(SYNTHESIZED_PREFIX):
        return SYNTHESISED_SPEECH
    prompt = prompts.get(name)
    if prompt is None:
        return f"{media_uri} (not a prompt of this config)"
    return f"{prompt.text}  [{name}]"


@dataclass(frozen=True)
class CallView:
    """One call as the status API shows it, reduced to what the dialler reports."""

    state: str
    ivr_node: str | None = None
    ivr_step: str | None = None
    queue: str | None = None
    seat: str | None = None

    @classmethod
    def find(cls, document: Any, caller_channel: str) -> CallView | None:
        """The call whose caller channel is `caller_channel` in a `GET /api/status` answer."""
        if not isinstance(document, dict) or not isinstance(document.get("calls"), list):
            raise ValueError("the status API answer has no 'calls' list")
        for call in document["calls"]:
            if isinstance(call, dict) and call.get("caller_channel") == caller_channel:
                return cls(
                    state=str(call.get("state")),
                    ivr_node=_optional_text(call.get("ivr_node")),
                    ivr_step=_optional_text(call.get("ivr_step")),
                    queue=_optional_text(call.get("queue")),
                    seat=_optional_text(call.get("seat")),
                )
        return None


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)


def describe_transition(
    before: CallView | None, after: CallView, queue_names: Mapping[str, str]
) -> list[str]:
    """The lines to show for a call that went from `before` to `after` (none if nothing moved)."""
    try:
        state = CallState(after.state)
    except ValueError:
        return [f"state {after.state}"] if before is None or before.state != after.state else []
    moved = before is None or before.state != after.state
    match state:
        case CallState.IVR:
            where = (after.ivr_node, after.ivr_step)
            if after.ivr_node is None:
                return []  # answered, the menu not started yet
            if moved or before is None or (before.ivr_node, before.ivr_step) != where:
                return [f"→ {after.ivr_node} ({after.ivr_step})"]
            return []
        case CallState.QUEUED:
            if not moved and before is not None and before.queue == after.queue:
                return []
            queue = after.queue or "?"
            name = queue_names.get(queue)
            return [f"waiting in queue {f'{name} ({queue})' if name else queue}: hold music"]
        case CallState.OFFERING:
            if not moved and before is not None and before.seat == after.seat:
                return []
            return [f"ringing seat {after.seat or '?'}"]
        case CallState.CONNECTED:
            return [f"connected to seat {after.seat or '?'}"] if moved else []
        case CallState.SURVEY:
            return ["the seat hung up: satisfaction survey"] if moved else []
        case CallState.CONTACTING:
            return ["on hold: the hotline is ringing the judge"] if moved else []
        case CallState.FAREWELL:
            return ["a last prompt, then the hotline hangs up"] if moved else []
        case CallState.ENDED:
            return ["the hotline is ending the call"] if moved else []
        case _:
            assert_never(state)


# ---- keys from the terminal (or a script on stdin) ---------------------------------------------


class StdinKeys:
    """Keys typed on `stream`, read without ever blocking the event loop.

    On a terminal it switches to cbreak mode (each key at once, no echo) and restores the mode on
    close. From a pipe or a file every character is a key, so a session can be scripted:
    `printf '1,,,2,,q' | hotline dial`.
    """

    def __init__(self, stream: TextIO) -> None:
        self._fd = stream.fileno()
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._saved_mode: list[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __enter__(self) -> Self:
        loop = asyncio.get_running_loop()
        if os.isatty(self._fd):
            self._saved_mode = termios.tcgetattr(self._fd)
            tty.setcbreak(self._fd, termios.TCSANOW)
        try:
            loop.add_reader(self._fd, self._on_readable)
        except PermissionError:
            # epoll refuses regular files (`hotline dial < keys.txt`); reading one never waits.
            while self._on_readable():
                pass
        else:
            self._loop = loop
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop_reading()
        if self._saved_mode is not None:
            termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved_mode)
            self._saved_mode = None

    def _stop_reading(self) -> None:
        if self._loop is not None:
            self._loop.remove_reader(self._fd)
            self._loop = None

    def _on_readable(self) -> bool:
        try:
            data = os.read(self._fd, 4096)
        except BlockingIOError:
            return True
        except OSError as exc:
            log.debug("stdin unreadable", error=str(exc))
            data = b""
        if not data:
            self._stop_reading()
            self._queue.put_nowait(None)
            return False
        for key in self._decoder.decode(data):
            self._queue.put_nowait(key)
        return True

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> str:
        key = await self._queue.get()
        if key is None:
            self._queue.put_nowait(None)
            raise StopAsyncIteration
        return key


# ---- the call --------------------------------------------------------------------------------


class _Dialler:
    def __init__(
        self,
        config: HotlineConfig,
        client: AriClient,
        *,
        number: str,
        out: TextIO,
        status_url: str,
        api_token: str = "",
        caller: str | None = None,
    ) -> None:
        self._config = config
        self._api_token = api_token
        self._client = client
        self._caller = caller
        self._number = number
        self._out = out
        self._status_url = status_url
        self.endpoint = f"Local/{number}@{LOCAL_CONTEXT}"
        self.channel_id = f"dial-{secrets.token_hex(6)}"
        # Asterisk gives the Local pair's second leg the id "<channelId>;2" unless told otherwise
        # (core_unreal.c; seen on 22.10.1); it is the caller channel the hotline knows.
        self.hotline_leg = f"{self.channel_id};2"
        self._started = time.monotonic()
        self._answered = asyncio.Event()
        self._finished = asyncio.Event()
        self._end: DialEnd | None = None
        self._cause: str | None = None
        self._queue_names = {queue.id: queue.name for queue in config.queues}

    def say(self, text: str) -> None:
        self._out.write(f"[{time.monotonic() - self._started:5.1f}] {text}\n")
        self._out.flush()

    def finish(self, end: DialEnd) -> None:
        if self._end is None:
            self._end = end
            self._finished.set()

    async def run(self, keys: AsyncIterator[str] | None, stop: asyncio.Event) -> int:
        try:
            await self._client.originate(
                self.endpoint, channel_id=self.channel_id, caller_id=self._caller
            )
        except AriError as exc:
            raise DialError(f"Asterisk refused to call {self.endpoint}: {exc}") from exc
        tasks = [asyncio.create_task(self._poll_status(), name="dial status")]
        if keys is not None:
            tasks.append(asyncio.create_task(self._send_keys(keys), name="dial keys"))
        stopped = asyncio.create_task(stop.wait(), name="dial stop")
        finished = asyncio.create_task(self._finished.wait(), name="dial finished")
        try:
            await asyncio.wait({stopped, finished}, return_when=asyncio.FIRST_COMPLETED)
            self.finish(DialEnd.ADMIN_HUNG_UP)
        finally:
            for task in (*tasks, stopped, finished):
                task.cancel()
            await asyncio.gather(*tasks, stopped, finished, return_exceptions=True)
        return await self._report_end()

    async def _report_end(self) -> int:
        end = self._end
        assert end is not None
        match end:
            case DialEnd.ADMIN_HUNG_UP:
                try:
                    await self._client.hangup(self.channel_id)
                except AriNotFound:
                    log.debug("call already gone", channel=self.channel_id)
                except AriError as exc:
                    self.say(f"could not hang up {self.channel_id}: {exc}")
                    return 1
                self.say("you hung up")
                return 0
            case DialEnd.HOTLINE_HUNG_UP:
                self.say(f"the hotline hung up ({self._cause or 'no cause given'})")
                return 0
            case DialEnd.NOT_ROUTED:
                raise DialError(
                    f"{self._number} is not routed in Asterisk's {LOCAL_CONTEXT} context "
                    f"({self._cause}); render and reload Asterisk's config for this YAML "
                    "(`hotline asterisk-config`)"
                )
            case DialEnd.FAILED:
                raise DialError(
                    f"the call to {self.endpoint} ended before the hotline answered "
                    f"({self._cause or 'no cause given'})"
                )
            case _:
                assert_never(end)

    # -- events of the Local pair, as they reach `hotline-dial`

    async def on_event(self, event: Event) -> None:
        channel_id = channel_id_of(event)
        if channel_id is None:
            return
        if channel_id not in (self.channel_id, self.hotline_leg):
            return
        match event:
            case PlaybackStarted(playback=playback):
                self.say(f"♪ {describe_media(playback.media_uri, self._config.prompts.items)}")
            case StasisStart() if channel_id == self.channel_id:
                self._answered.set()
                self.say("the hotline answered")
            case ChannelDestroyed(cause=cause, cause_txt=cause_txt):
                # The hotline's leg goes first and carries the cause of interest.
                self._cause = self._cause or cause_txt
                if channel_id == self.channel_id:
                    self._ended(cause)
            case StasisEnd() if channel_id == self.channel_id:
                self._ended(None)
            case _:
                pass

    def _ended(self, cause: int | None) -> None:
        if self._answered.is_set():
            self.finish(DialEnd.HOTLINE_HUNG_UP)
        elif cause == CAUSE_UNALLOCATED:
            self.finish(DialEnd.NOT_ROUTED)
        else:
            self.finish(DialEnd.FAILED)

    async def on_reconnected(self) -> None:
        # Asterisk replays nothing after a drop: the hangup may have happened meanwhile.
        try:
            await self._client.get_channel(self.channel_id)
        except AriNotFound:
            self.say("(the events link to Asterisk was down; the call is gone)")
            self._ended(None)

    # -- keys

    async def _send_keys(self, keys: AsyncIterator[str]) -> None:
        async for key in keys:
            if key in QUIT_KEYS:
                self.finish(DialEnd.ADMIN_HUNG_UP)
                return
            if key == PAUSE_KEY:
                await asyncio.sleep(PAUSE_S)
            elif key in DTMF_KEYS:
                # DTMF needs the leg in our app, which it is once the hotline answers.
                await self._answered.wait()
                await self._send_dtmf(key)
            elif not key.isspace():
                self.say(f"(key {key!r} ignored: {HINT})")

    async def _send_dtmf(self, key: str) -> None:
        try:
            await self._client.send_dtmf(self.channel_id, key)
        except (AriNotFound, AriConflict) as exc:
            log.debug("dtmf to a leg that is leaving", key=key, error=str(exc))
        except AriError as exc:
            self.say(f"could not send {key}: {exc}")
        else:
            self.say(f"pressed {key}")

    # -- where the call is, from the controller's status API

    async def _poll_status(self) -> None:
        url = f"{self._status_url.rstrip('/')}/api/status"
        previous: CallView | None = None
        failing: str | None = None
        timeout = aiohttp.ClientTimeout(total=max(STATUS_POLL_S * 3, 1.0))
        headers = {"Authorization": f"Bearer {self._api_token}"} if self._api_token else {}
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as http:
            while True:
                try:
                    async with http.get(url) as reply:
                        reply.raise_for_status()
                        document = await reply.json()
                    current = CallView.find(document, self.hotline_leg)
                except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                    problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                    if failing is None:
                        self.say(f"(status API {url} not answering: {problem}; states not shown)")
                    failing = problem
                else:
                    if failing is not None:
                        self.say("(status API answering again)")
                        failing = None
                    if current is not None:
                        for line in describe_transition(previous, current, self._queue_names):
                            self.say(line)
                        previous = current
                await asyncio.sleep(STATUS_POLL_S)


# ---- entry points -----------------------------------------------------------------------------


def _api_token(secret_store: SecretStore, config: HotlineConfig) -> str:
    """The controller's API token, when this machine holds it (the status API asks for it)."""
    try:
        return secret_store.resolve(config.hotline.api_token)
    except SecretMissingError:
        return ""


def default_status_url(config: HotlineConfig) -> str:
    host, _, port = config.hotline.status_listen.rpartition(":")
    if host in ("0.0.0.0", "::", "[::]"):  # noqa: S104 - where the server listens, not we
        host = "127.0.0.1"
    return f"http://{host}:{port}"


async def dial(
    config: HotlineConfig,
    secret_store: SecretStore,
    *,
    number: str | None = None,
    out: TextIO,
    err: TextIO | None = None,
    keys: AsyncIterator[str] | None = None,
    status_url: str | None = None,
    caller: str | None = None,
) -> int:
    """Call `number` (default: the config's first) through the running hotline, as `caller` (a
    phone number; none by default); 0 when the call ended normally, 1 when it could not be made
    (the reason goes to `err`).

    Without `keys` the keys come from stdin, and Ctrl-C (SIGINT) or SIGTERM hangs up.
    """
    err = err if err is not None else sys.stderr
    number = number or config.hotline.numbers[0]
    try:
        if caller is not None:
            try:
                caller = check_phone(caller)
            except ValueError as exc:
                raise DialError(f"--caller {exc}") from exc
        if keys is not None:
            return await _dial(config, secret_store, number, out, keys, status_url, None, caller)
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            with StdinKeys(sys.stdin) as stdin_keys:
                return await _dial(
                    config, secret_store, number, out, stdin_keys, status_url, stop, caller
                )
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
    except (DialError, SecretMissingError) as exc:
        err.write(f"hotline dial: {exc}\n")
        err.flush()
        return 1


async def _dial(
    config: HotlineConfig,
    secret_store: SecretStore,
    number: str,
    out: TextIO,
    keys: AsyncIterator[str],
    status_url: str | None,
    stop: asyncio.Event | None,
    caller: str | None = None,
) -> int:
    if number not in config.routed_numbers():
        raise DialError(
            f"{number} is not a hotline number of this config "
            f"({', '.join(config.routed_numbers())}); only those are routed to the hotline"
        )
    asterisk = config.asterisk
    password = secret_store.resolve(asterisk.ari_password)
    async with AriClient(asterisk.ari_url, asterisk.ari_username, password, app=DIAL_APP) as client:
        await _check_hotline_is_up(client, config)
        dialler = _Dialler(
            config,
            client,
            number=number,
            out=out,
            status_url=status_url or default_status_url(config),
            api_token=_api_token(secret_store, config),
            caller=caller,
        )
        connections = 0

        async def on_connected() -> None:
            nonlocal connections
            connections += 1
            if connections > 1:
                await dialler.on_reconnected()

        events = AriEventStream(
            asterisk.ari_url,
            asterisk.ari_username,
            password,
            [DIAL_APP],
            dialler.on_event,
            on_connected=on_connected,
            backoff_initial=0.2,
            backoff_max=2.0,
        )
        reader = asyncio.create_task(events.run(), name="dial events")
        try:
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT_S):
                    await events.wait_connected()
            except TimeoutError as exc:
                raise DialError(
                    f"the ARI events socket at {asterisk.ari_url} did not open within "
                    f"{CONNECT_TIMEOUT_S:g} s"
                ) from exc
            if stop is not None and stop.is_set():
                return 0  # Ctrl-C while connecting: nothing was dialled yet
            out.write(f"Calling {number} through {dialler.endpoint} ({HINT}).\n")
            out.flush()
            return await dialler.run(keys, stop or asyncio.Event())
        finally:
            events.stop()
            await reader


async def _check_hotline_is_up(client: AriClient, config: HotlineConfig) -> None:
    url = config.asterisk.ari_url
    try:
        await client.asterisk_info()
        await client.get_application(config.hotline.app)
    except AriUnauthorized as exc:
        raise DialError(
            f"Asterisk's ARI at {url} refused user {config.asterisk.ari_username!r} "
            f"(the password from {config.asterisk.ari_password}); is `hotline run` up with this "
            "config and its secrets?"
        ) from exc
    except AriUnavailable as exc:
        raise DialError(
            f"cannot reach Asterisk's ARI at {url} ({exc}); is `hotline run` up?"
        ) from exc
    except AriNotFound as exc:
        raise DialError(
            f"Asterisk at {url} has no Stasis app {config.hotline.app!r}: the controller is not "
            "connected; is `hotline run` up?"
        ) from exc
    except AriError as exc:
        raise DialError(f"Asterisk's ARI at {url} answered: {exc}") from exc


def dial_from_terminal(
    config: HotlineConfig,
    secret_store: SecretStore,
    *,
    number: str | None = None,
    status_url: str | None = None,
    caller: str | None = None,
) -> int:
    """What `hotline dial` runs: the call on stdin/stdout, errors on stderr."""
    return asyncio.run(
        dial(
            config,
            secret_store,
            number=number,
            out=sys.stdout,
            status_url=status_url,
            caller=caller,
        )
    )

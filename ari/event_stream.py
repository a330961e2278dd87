"""The one reader of the ARI events WebSocket: connect, rebuild, deliver in order, reconnect."""

from __future__ import annotations

import asyncio
import enum
import random
import time
from collections.abc import Awaitable, Callable, Sequence

import aiohttp
import structlog
from yarl import URL

from ari.client import OPERATIONS, check_base_url, join_list
from ari.errors import AriProtocolError
from ari.events import Event, parse_event

_log = structlog.get_logger(__name__)

EventHandler = Callable[[Event], Awaitable[None]]
Hook = Callable[[], Awaitable[None]]

_CLOSE_TIMEOUT_S = 1.0


class _Outcome(enum.Enum):
    CONNECT_FAILED = enum.auto()
    UNAUTHORIZED = enum.auto()
    DROPPED_SOON = enum.auto()
    DROPPED_AFTER_STABLE = enum.auto()


class AriEventStream:
    """Reads events for `apps` until stopped, awaiting `handler` for each one, in order.

    `on_connected` runs after every (re)connection and before the first event is read from it:
    Asterisk replays nothing after a drop, so that is where the owner rebuilds its state from
    REST. `on_disconnected` runs once for every connection that had been established.
    """

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        apps: Sequence[str],
        handler: EventHandler,
        *,
        on_connected: Hook | None = None,
        on_disconnected: Hook | None = None,
        heartbeat: float = 10.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 15.0,
        connect_timeout: float = 10.0,
        stable_after: float = 5.0,
    ) -> None:
        if backoff_initial <= 0 or backoff_max < backoff_initial:
            raise ValueError("need 0 < backoff_initial <= backoff_max")
        operation = OPERATIONS["events.websocket"]
        http_url = URL(check_base_url(base_url))
        scheme = "wss" if http_url.scheme == "https" else "ws"
        self.apps = list(apps)
        self._url = (
            http_url.with_scheme(scheme)
            .with_path(f"{http_url.path.rstrip('/')}/ari{operation.path}")
            .with_query({"app": join_list("apps", self.apps), "subscribeAll": "false"})
        )
        self._authorization = aiohttp.encode_basic_auth(username, password)
        self._handler = handler
        self._on_connected = on_connected
        self._on_disconnected = on_disconnected
        self._heartbeat = heartbeat
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._connect_timeout = connect_timeout
        self._stable_after = stable_after
        self._connected = asyncio.Event()
        self._stopping = False
        self._stop_cancelled_run = False
        self._task: asyncio.Task[None] | None = None
        # Connections that completed their rebuild: a reconnect shows as this number growing.
        self.sessions_started = 0

    def __repr__(self) -> str:
        return f"AriEventStream(url={str(self._url)!r}, apps={self.apps!r})"

    @property
    def connected(self) -> bool:
        """True while a socket is open and its `on_connected` has completed."""
        return self._connected.is_set()

    async def wait_connected(self) -> None:
        await self._connected.wait()

    def stop(self) -> None:
        """Make `run()` return promptly; safe to call from any task, including the handler."""
        self._stopping = True
        task = self._task
        if task is not None and not task.done() and not self._stop_cancelled_run:
            self._stop_cancelled_run = True
            task.cancel()

    async def run(self) -> None:
        task = asyncio.current_task()
        if task is None or self._task is not None:
            raise RuntimeError("AriEventStream.run() must run in exactly one task")
        if self._stopping:
            return
        self._task = task
        try:
            await self._run_until_cancelled()
        except asyncio.CancelledError:
            # Our own stop() cancelled us: return normally, unless someone else cancelled too.
            if self._stop_cancelled_run and task.uncancel() == 0:
                return
            raise
        finally:
            self._task = None
            self._connected.clear()

    async def _run_until_cancelled(self) -> None:
        attempt = 0
        async with aiohttp.ClientSession(headers={"Authorization": self._authorization}) as session:
            while True:
                outcome = await self._connect_and_read(session)
                if outcome is _Outcome.UNAUTHORIZED:
                    delay = self._backoff_max
                else:
                    if outcome is _Outcome.DROPPED_AFTER_STABLE:
                        attempt = 0
                    ceiling = min(
                        self._backoff_max, self._backoff_initial * 2.0 ** min(attempt, 30)
                    )
                    # Full jitter: many controllers restarting together must not reconnect in step.
                    delay = random.uniform(0.0, ceiling)
                    attempt += 1
                _log.info("ari.events.reconnect_scheduled", delay_s=round(delay, 3), apps=self.apps)
                await asyncio.sleep(delay)

    async def _connect_and_read(self, session: aiohttp.ClientSession) -> _Outcome:
        try:
            async with asyncio.timeout(self._connect_timeout):
                ws = await session.ws_connect(
                    self._url,
                    heartbeat=self._heartbeat if self._heartbeat > 0 else None,
                    # Bounds the close handshake, so stop() stays prompt with a dead peer.
                    timeout=aiohttp.ClientWSTimeout(ws_close=_CLOSE_TIMEOUT_S),
                )
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status in (401, 403):
                _log.error(
                    "ari.events.unauthorized",
                    status=exc.status,
                    url=str(self._url),
                    hint="configuration error: check the ARI username/password in ari.conf",
                )
                return _Outcome.UNAUTHORIZED
            _log.warning("ari.events.connect_failed", status=exc.status, url=str(self._url))
            return _Outcome.CONNECT_FAILED
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            _log.warning(
                "ari.events.connect_failed",
                error=type(exc).__name__,
                detail=str(exc),
                url=str(self._url),
            )
            return _Outcome.CONNECT_FAILED

        _log.info("ari.events.connected", url=str(self._url), apps=self.apps)
        connected_at = time.monotonic()
        try:
            rebuilt = await self._call_hook(self._on_connected, "on_connected")
            if rebuilt:
                self.sessions_started += 1
                self._connected.set()
                await self._read(ws)
        finally:
            self._connected.clear()
            await ws.close()
        up_for = time.monotonic() - connected_at
        _log.warning(
            "ari.events.disconnected",
            url=str(self._url),
            close_code=ws.close_code,
            up_for_s=round(up_for, 3),
        )
        await self._call_hook(self._on_disconnected, "on_disconnected")
        if rebuilt and up_for >= self._stable_after:
            return _Outcome.DROPPED_AFTER_STABLE
        return _Outcome.DROPPED_SOON

    async def _call_hook(self, hook: Hook | None, name: str) -> bool:
        if hook is None:
            return True
        try:
            await hook()
        # A failing owner callback must not kill the only event reader; it is logged in full.
        except Exception:  # noqa: BLE001
            _log.exception("ari.events.hook_failed", hook=name)
            return False
        return True

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while True:
            message = await ws.receive()
            if message.type is aiohttp.WSMsgType.TEXT or message.type is aiohttp.WSMsgType.BINARY:
                try:
                    event = parse_event(message.data)
                except AriProtocolError as exc:
                    _log.warning("ari.events.bad_event", error=str(exc))
                    continue
                try:
                    await self._handler(event)
                # One call's broken handler must not stop events for every other call.
                except Exception:  # noqa: BLE001
                    _log.exception("ari.events.handler_failed", event_type=event.type)
                # receive() returns without suspending while parsed frames are queued; yield so
                # a burst (say, right after on_connected) cannot starve timers and REST replies.
                await asyncio.sleep(0)
            elif message.type is aiohttp.WSMsgType.ERROR:
                _log.warning("ari.events.socket_error", error=repr(message.data))
                return
            else:
                return

"""Server push for the wallboard and the agent console: changes wake the streams, no polling.

Seat changes, call transitions and urgent-contact steps call `notify()`. Notifications are
gathered for a moment (`DEBOUNCE_S`) into one tick; each open stream then rebuilds its document
and sends it only if it changed. Today's figures come from the database at most once per tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web

DEBOUNCE_S = 0.25
HEARTBEAT_S = 15.0


class LiveFeed:
    def __init__(self, *, debounce_s: float = DEBOUNCE_S) -> None:
        self._debounce_s = debounce_s
        self._tick = asyncio.Event()
        self._pending: asyncio.TimerHandle | None = None
        self.ticks = 0
        self.closed = False

    def notify(self) -> None:
        """Something shown changed; streams update within the debounce time."""
        if self._pending is None and not self.closed:
            loop = asyncio.get_running_loop()
            self._pending = loop.call_later(self._debounce_s, self._fire)

    def _fire(self) -> None:
        self._pending = None
        self.ticks += 1
        tick, self._tick = self._tick, asyncio.Event()
        tick.set()

    async def wait(self, timeout_s: float) -> bool:
        """Until the next tick (True) or the timeout (False)."""
        tick = self._tick
        try:
            async with asyncio.timeout(max(timeout_s, 0.0)):
                await tick.wait()
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        """Ends every open stream (the server is stopping)."""
        self.closed = True
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self._fire()


class Cached:
    """A value fetched at most once per tick of the feed (today's figures)."""

    def __init__(self, feed: LiveFeed, fetch: Callable[[], Awaitable[Any]]) -> None:
        self._feed = feed
        self._fetch = fetch
        self._tick = -1
        self._value: Any = None
        self._lock = asyncio.Lock()

    async def get(self) -> Any:
        async with self._lock:
            if self._tick != self._feed.ticks:
                self._value = await self._fetch()
                self._tick = self._feed.ticks
            return self._value


async def event_stream(
    request: web.Request,
    feed: LiveFeed,
    build: Callable[[], Awaitable[dict[str, Any] | None]],
    *,
    event: str,
    next_change: Callable[[], datetime | None] = lambda: None,
    clock: Callable[[], datetime],
    still_allowed: Callable[[], Awaitable[bool]],
) -> web.StreamResponse:
    """A text/event-stream: the document now, then each time it changes; a comment line as a
    heartbeat. Ends when the viewer's session ends (`signed-out`) or the client goes away."""
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    last: str | None = None
    checked = time.monotonic()
    with contextlib.suppress(ConnectionResetError):
        async for woke in _wakes(feed, next_change, clock):
            if time.monotonic() - checked >= HEARTBEAT_S:
                checked = time.monotonic()
                if not await still_allowed():
                    await response.write(b"event: signed-out\ndata: {}\n\n")
                    break
            document = await build()
            if document is None:
                await response.write(b"event: gone\ndata: {}\n\n")
                break
            body = json.dumps(document, ensure_ascii=False, sort_keys=True)
            if body != last:
                last = body
                await response.write(f"event: {event}\ndata: {body}\n\n".encode())
            elif not woke:
                await response.write(b": ping\n\n")
    return response


async def _wakes(
    feed: LiveFeed, next_change: Callable[[], datetime | None], clock: Callable[[], datetime]
) -> AsyncIterator[bool]:
    """True on the first pass and each tick; False on a heartbeat. A known moment when the
    document will change by time alone (a caller crossing the max wait) counts as a tick."""
    yield True
    while not feed.closed:
        timeout = HEARTBEAT_S
        moment = next_change()
        if moment is not None:
            timeout = min(timeout, (moment - clock()).total_seconds() + 0.05)
        woke = await feed.wait(timeout)
        if feed.closed:
            return
        yield woke or (moment is not None and clock() >= moment)

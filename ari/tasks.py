"""Small pieces every ARI-driving service shares: expected 404s, and guarded background work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import structlog

from ari.client import AriClient
from ari.errors import AriNotFound

log = structlog.get_logger(__name__)


async def ignore_gone(request: Awaitable[object]) -> None:
    """Run an ARI request whose object may have left first (a normal race, not an error)."""
    try:
        await request
    except AriNotFound:
        log.debug("already gone")


async def hang_up(ari: AriClient, channel_id: str) -> None:
    await ignore_gone(ari.hangup(channel_id))


class Background:
    """Tasks a service starts and does not wait for; failures are logged, never lost silently."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Awaitable[object], what: str) -> None:
        async def guarded() -> None:
            try:
                await work
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background work failed", work=what)

        task = asyncio.create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def cancel(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

"""Agent status from softphone feature codes and the API: on the board and in PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog

from agents.board import SeatBoard
from agents.model import Seat, StatusChange, StatusSource
from agents.policy import AgentError, FeatureCodes, StatusRequest, parse_feature_code
from agents.store import AgentStore
from ari.client import AriClient
from ari.errors import AriError, AriNotFound

log = structlog.get_logger(__name__)

# What the agent hears after dialling a feature code.
CONFIRMATIONS = {
    StatusRequest.LOGIN: "坐席已签入。",
    StatusRequest.LOGOUT: "坐席已签出。",
    StatusRequest.PAUSE: "坐席已暂停接听。",
    StatusRequest.RESUME: "坐席已恢复接听。",
}
REFUSED = "操作无效，请检查功能码。"
# Long enough for the confirmation; the softphone may hang up first.
CONFIRMATION_S = 3.0
SAVE_ATTEMPTS = 10


class AgentService:
    def __init__(
        self,
        board: SeatBoard,
        store: AgentStore,
        ari: AriClient,
        clock: Callable[[], datetime],
        *,
        speak: Callable[[str], Awaitable[str]],
        codes: FeatureCodes,
        pause_reasons: tuple[str, ...],
        status_changed: Callable[[], None],
    ) -> None:
        self._board = board
        self._store = store
        self._ari = ari
        self._clock = clock
        self._speak = speak
        self._status_changed = status_changed
        self.codes = codes
        self.pause_reasons = pause_reasons
        self._pending: asyncio.Queue[StatusChange] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        board.on_status_change(self._changed)

    def _changed(self, change: StatusChange) -> None:
        if change.source is not StatusSource.RESTORED:
            self._pending.put_nowait(change)
        self._status_changed()

    async def restore(self) -> int:
        """Put every agent's last status back on the board (after a start or restart)."""
        restored = 0
        for stored in await self._store.load():
            if self._board.restore_status(
                stored.seat_id, stored.status, stored.reason, stored.changed_at
            ):
                restored += 1
        return restored

    async def write_changes(self) -> None:
        """One writer keeps the order of changes; a failing database is retried, not skipped."""
        while True:
            change = await self._pending.get()
            for attempt in range(1, SAVE_ATTEMPTS + 1):
                try:
                    await self._store.save(change)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("could not save agent status", seat=change.seat_id)
                    await asyncio.sleep(min(attempt, 5))

    def request(
        self,
        seat_id: str,
        request: StatusRequest,
        *,
        reason: str | None = None,
        source: StatusSource = StatusSource.API,
    ) -> Seat:
        """Apply a request; raises AgentError (stable `code`) when it is refused."""
        self._board.request_status(seat_id, request, self._clock(), reason=reason, source=source)
        seat = self._board.get(seat_id)
        assert seat is not None
        return seat

    def feature_call(self, channel_id: str, seat_id: str, dialled: str) -> None:
        """A seat dialled a feature code: carry it out and tell the agent how it went."""
        task = asyncio.create_task(self._feature_call(channel_id, seat_id, dialled))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _feature_call(self, channel_id: str, seat_id: str, dialled: str) -> None:
        try:
            wanted = parse_feature_code(dialled, self.codes, self.pause_reasons)
            self.request(
                seat_id, wanted.request, reason=wanted.reason, source=StatusSource.FEATURE_CODE
            )
            text = CONFIRMATIONS[wanted.request]
        except AgentError as exc:
            log.warning("feature code refused", seat=seat_id, dialled=dialled, error=exc.code)
            text = REFUSED
        try:
            await self._ari.answer(channel_id)
            media = await self._speak(text)
            await self._ari.play(channel_id, [media], playback_id=f"{channel_id}-confirm")
            await asyncio.sleep(CONFIRMATION_S)
        except AriNotFound:
            log.debug("the seat hung up before the confirmation", seat=seat_id)
        except AriError as exc:
            log.warning("feature code confirmation failed", seat=seat_id, error=str(exc))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("feature code confirmation failed", seat=seat_id)
        try:
            await self._ari.hangup(channel_id)
        except AriNotFound:
            pass
        except AriError as exc:
            log.warning("could not hang up a feature-code call", seat=seat_id, error=str(exc))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

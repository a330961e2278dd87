"""Moves finished bridge recordings from Asterisk's spool into the recordings store."""

from __future__ import annotations

import asyncio
import shutil
import wave
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import structlog

from ari.client import AriClient
from ari.errors import AriNotFound
from recordings.store import RecordingRow, RecordingStore

log = structlog.get_logger(__name__)


class RecordingError(RuntimeError):
    code = "recording-error"


def wav_duration_ms(path: Path) -> int:
    with wave.open(str(path), "rb") as audio:
        return round(audio.getnframes() * 1000 / audio.getframerate())


class RecordingService:
    def __init__(
        self,
        store: RecordingStore,
        spool_dir: Path,
        store_dir: Path,
        file_format: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._spool_dir = spool_dir
        self._store_dir = store_dir
        self.format = file_format
        self._clock = clock

    async def settle_when_quiet(self, ari: AriClient, name: str, delay_s: float) -> None:
        """After a bridged call: if Asterisk never reported the recording's end, file it."""
        await asyncio.sleep(delay_s)
        try:
            await ari.get_live_recording(name)
        except AriNotFound:
            await self.settle(name)
        else:
            log.debug("recording still live", recording=name)

    async def started(self, name: str, call_id: str, target_id: str, kind: str = "call") -> None:
        await self._store.started(name, call_id, target_id, self.format, self._clock(), kind)

    async def finished(self, name: str) -> bool:
        """File the recording; False when Asterisk left no file for it."""
        source = self._spool_dir / f"{name}.{self.format}"
        now = self._clock()
        relative = Path(f"{now:%Y/%m/%d}") / source.name
        target = self._store_dir / relative
        try:
            size, duration_ms = await asyncio.to_thread(self._move, source, target)
        except FileNotFoundError:
            if await self._store.state(name) == "stored":
                log.debug("recording already filed", recording=name)
                return True
            log.error("recording file missing", recording=name, path=str(source))
            await self._store.failed(name, now)
            return False
        await self._store.stored(name, str(relative), duration_ms, size, now)
        log.info("recording stored", recording=name, path=str(relative), duration_ms=duration_ms)
        return True

    def _move(self, source: Path, target: Path) -> tuple[int, int]:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)
        target.chmod(0o640)
        duration_ms = wav_duration_ms(target) if self.format == "wav" else 0
        return target.stat().st_size, duration_ms

    async def settle(self, name: str) -> bool:
        """File a recording whose RecordingFinished never came; True if it was still open."""
        if await self._store.state(name) != "recording":
            return False
        log.warning("recording end not reported by Asterisk; filing it", recording=name)
        return await self.finished(name)

    async def failed(self, name: str, cause: str | None) -> None:
        log.error("recording failed", recording=name, cause=cause)
        await self._store.failed(name, self._clock())

    async def recover(self, live_targets: set[str]) -> int:
        """File recordings whose end was missed while the controller was away."""
        recovered = 0
        for pending in await self._store.pending():
            if pending.target_id in live_targets:
                continue
            if await self.finished(pending.name):
                recovered += 1
        return recovered

    # ---- hearing them (the API checks who may, and audits it) ---------------------------------
    async def of_call(self, call_id: str) -> list[RecordingRow]:
        return await self._store.of_call(call_id)

    async def get(self, name: str) -> RecordingRow | None:
        return await self._store.get(name)

    def file_of(self, row: RecordingRow) -> Path | None:
        """The stored file, only ever inside the store directory; None when it is not there."""
        if row.state != "stored" or not row.path:
            return None
        root = self._store_dir.resolve()
        path = (root / row.path).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        return path

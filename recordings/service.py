"""Moves finished bridge recordings from Asterisk's spool into the recordings store."""

from __future__ import annotations

import asyncio
import wave
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import structlog

from ari.client import AriClient
from ari.errors import AriNotFound
from recordings.policy import Integrity, Retention, expired, integrity
from recordings.storage import Filed, LocalDiskStorage, RecordingStorage
from recordings.store import RecordingRow, RecordingStore

log = structlog.get_logger(__name__)

# Retention is counted in days: an hourly look is plenty, and it is one indexed query.
PURGE_INTERVAL_S = 3600.0


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
        *,
        storage: RecordingStorage | None = None,
    ) -> None:
        self._store = store
        self._spool_dir = spool_dir
        self.storage: RecordingStorage = storage or LocalDiskStorage(store_dir)
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

    async def started(
        self,
        name: str,
        call_id: str,
        target_id: str,
        kind: str = "call",
        *,
        seat_id: str | None = None,
    ) -> None:
        await self._store.started(
            name, call_id, target_id, self.format, self._clock(), kind, seat_id
        )

    async def finished(self, name: str) -> bool:
        """File the recording; False when Asterisk left no file for it."""
        source = self._spool_dir / f"{name}.{self.format}"
        now = self._clock()
        relative = str(Path(f"{now:%Y/%m/%d}") / source.name)
        try:
            filed, duration_ms = await asyncio.to_thread(self._file, source, relative)
        except FileNotFoundError:
            if await self._store.state(name) == "stored":
                log.debug("recording already filed", recording=name)
                return True
            log.error("recording file missing", recording=name, path=str(source))
            await self._store.failed(name, now)
            return False
        await self._store.stored(name, relative, duration_ms, filed.size_bytes, filed.sha256, now)
        log.info(
            "recording stored",
            recording=name,
            path=relative,
            duration_ms=duration_ms,
            sha256=filed.sha256,
        )
        return True

    def _file(self, source: Path, relative: str) -> tuple[Filed, int]:
        filed = self.storage.put(source, relative)
        local = self.storage.local_path(relative)
        duration_ms = wav_duration_ms(local) if self.format == "wav" and local else 0
        return filed, duration_ms

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
        """The stored file, only ever inside the store; None when it is not there."""
        if row.state != "stored" or not row.path:
            return None
        return self.storage.local_path(row.path)

    async def verify(self, row: RecordingRow) -> Integrity:
        """Check the file against the checksum taken when it was filed; the row keeps the
        result, and an altered or missing file is logged as an error."""
        if row.path is None or row.state != "stored":
            return Integrity(row.integrity)
        current = await asyncio.to_thread(self.storage.sha256, row.path)
        found = integrity(row.sha256, current)
        await self._store.checked(row.name, found.value, self._clock())
        if found in (Integrity.ALTERED, Integrity.MISSING):
            log.error(
                "recording does not match its checksum",
                recording=row.name,
                integrity=found.value,
                filed_sha256=row.sha256,
                current_sha256=current,
            )
        return found

    async def verify_all(self) -> dict[str, Integrity]:
        """Every stored recording checked; returns those that are not intact."""
        bad: dict[str, Integrity] = {}
        for name in await self._store.stored_names():
            row = await self._store.get(name)
            if row is None:
                continue
            found = await self.verify(row)
            if found in (Integrity.ALTERED, Integrity.MISSING):
                bad[name] = found
        return bad

    # ---- retention ---------------------------------------------------------------------------
    async def purge(
        self,
        retention: Retention,
        skill_of_queue: Callable[[str], str | None],
        *,
        dry_run: bool = False,
    ) -> list[tuple[str, str]]:
        """Delete every recording past its retention; returns (name, category) of each. Each
        deletion is logged with its call, category and age."""
        now = self._clock()
        candidates = await self._store.kept_until(now - timedelta(days=retention.shortest_days))
        kept = [
            replace(k, queue_skill=skill_of_queue(queue_id) if queue_id else None)
            for k, queue_id in candidates
        ]
        purged: list[tuple[str, str]] = []
        for recording, category in expired(kept, now, retention):
            if dry_run:
                purged.append((recording.name, category))
                continue
            row = await self._store.get(recording.name)
            if row is None or row.path is None:
                continue
            deleted = await asyncio.to_thread(self.storage.delete, row.path)
            if not await self._store.purged(recording.name, category, now):
                continue
            purged.append((recording.name, category))
            log.info(
                "recording purged",
                recording=recording.name,
                call_id=recording.call_id,
                category=category,
                kept_days=retention.days_for(category),
                age_days=(now - recording.ended_at).days,
                file_deleted=deleted,
            )
        return purged

    async def run_purge(
        self, settings: Callable[[], tuple[Retention, Callable[[str], str | None]]]
    ) -> None:
        """In the controller: purge every hour (retention is counted in days)."""
        while True:
            retention, skill_of_queue = settings()
            try:
                done = await self.purge(retention, skill_of_queue)
                if done:
                    log.info("retention purge done", recordings=len(done))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("retention purge failed; trying again in an hour")
            await asyncio.sleep(PURGE_INTERVAL_S)

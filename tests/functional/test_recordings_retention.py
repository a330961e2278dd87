"""Recordings kept as evidence: a checksum at filing, retention per category with a purge that
logs what it deleted, and a file altered afterwards found out. A controlled clock, a real
PostgreSQL and real files."""

from __future__ import annotations

import argparse
import hashlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from structlog.testing import capture_logs

from config.schema import HotlineConfig
from recordings.cli import run_command
from recordings.policy import Integrity, Retention
from recordings.service import RecordingService
from recordings.store import RecordingStore
from store.database import create_pool, migrate
from tests.functional.call_harness import write_wav

T0 = datetime(2024, 1, 8, 10, 0, tzinfo=UTC)
RETENTION = Retention(default_days=730, days={"complaint": 1825})
SKILLS = {"general": "consultation", "complaint": "complaint"}


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Setup:
    pool: asyncpg.Pool
    service: RecordingService
    clock: Clock
    spool: Path
    store: Path

    async def recorded(self, name: str, queue_id: str | None, kind: str = "call") -> Path:
        """A finished call in `queue_id` whose 1-second recording was filed at the clock's now."""
        await self.pool.execute(
            "INSERT INTO calls (id, caller_channel_id, state, queue_id, started_at, ended_at,"
            " end_reason) VALUES ($1, $2, 'ended', $3, $4, $4, 'completed')",
            name,
            f"chan-{name}",
            queue_id,
            self.clock.now,
        )
        await self.service.started(name, name, f"{name}-bridge", kind=kind)
        write_wav(self.spool / f"{name}.wav", 1.0)
        assert await self.service.finished(name)
        path = await self.pool.fetchval("SELECT path FROM recordings WHERE name=$1", name)
        return self.store / path

    async def states(self) -> dict[str, tuple[str, str | None]]:
        rows = await self.pool.fetch(
            "SELECT name, state, retention_category FROM recordings ORDER BY name"
        )
        return {row["name"]: (row["state"], row["retention_category"]) for row in rows}


@pytest.fixture
async def setup(database: dict[str, Any], tmp_path: Path) -> AsyncIterator[Setup]:
    pool = await create_pool(database, max_size=2)
    await migrate(pool)
    clock = Clock()
    spool, store = tmp_path / "spool", tmp_path / "store"
    spool.mkdir()
    service = RecordingService(RecordingStore(pool), spool, store, "wav", clock)
    try:
        yield Setup(pool, service, clock, spool, store)
    finally:
        await pool.close()


async def test_filing_takes_the_files_sha256(setup: Setup) -> None:
    path = await setup.recorded("c-first", "general")
    row = await setup.pool.fetchrow("SELECT * FROM recordings WHERE name='c-first'")
    assert row["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (row["integrity"], row["duration_ms"], row["size_bytes"]) == (
        "ok",
        1000,
        path.stat().st_size,
    )


async def test_the_purge_keeps_each_category_its_days_and_logs_every_deletion(
    setup: Setup,
) -> None:
    consultation = await setup.recorded("c-consult", "general")
    complaint = await setup.recorded("c-complaint", "complaint")
    setup.clock.now = T0 + timedelta(days=365)
    recent = await setup.recorded("c-recent", "general")

    setup.clock.now = T0 + timedelta(days=729)
    assert await setup.service.purge(RETENTION, SKILLS.get) == []

    setup.clock.now = T0 + timedelta(days=731)
    dry = await setup.service.purge(RETENTION, SKILLS.get, dry_run=True)
    assert dry == [("c-consult", "consultation")] and consultation.exists()
    with capture_logs() as logs:
        assert await setup.service.purge(RETENTION, SKILLS.get) == [("c-consult", "consultation")]
    assert not consultation.exists() and complaint.exists() and recent.exists()
    [entry] = [log for log in logs if log["event"] == "recording purged"]
    assert entry | {"age_days": 731, "kept_days": 730, "file_deleted": True} == entry
    assert entry["call_id"] == "c-consult" and entry["category"] == "consultation"
    assert (await setup.states())["c-consult"] == ("purged", "consultation")
    assert await setup.service.purge(RETENTION, SKILLS.get) == [], "once only"

    # The later call keeps its own two years; complaints are kept five.
    setup.clock.now = T0 + timedelta(days=365 + 730)
    assert await setup.service.purge(RETENTION, SKILLS.get) == [("c-recent", "consultation")]
    setup.clock.now = T0 + timedelta(days=1824)
    assert await setup.service.purge(RETENTION, SKILLS.get) == []
    setup.clock.now = T0 + timedelta(days=1825)
    assert await setup.service.purge(RETENTION, SKILLS.get) == [("c-complaint", "complaint")]
    assert {state for state, _ in (await setup.states()).values()} == {"purged"}
    assert not list(setup.store.rglob("*.wav"))


async def test_an_altered_or_missing_file_is_found_by_its_checksum(
    setup: Setup, test_config: HotlineConfig
) -> None:
    intact = await setup.recorded("c-intact", "general")
    altered = await setup.recorded("c-altered", "general")
    gone = await setup.recorded("c-gone", "general")
    data = bytearray(altered.read_bytes())
    data[-10] ^= 0xFF  # one sample changed, same size
    altered.write_bytes(bytes(data))
    gone.unlink()

    assert await setup.service.verify_all() == {
        "c-altered": Integrity.ALTERED,
        "c-gone": Integrity.MISSING,
    }
    rows = await setup.pool.fetch("SELECT name, integrity FROM recordings ORDER BY name")
    assert [tuple(row) for row in rows] == [
        ("c-altered", "altered"),
        ("c-gone", "missing"),
        ("c-intact", "ok"),
    ]
    assert intact.exists()

    # The same from the shell: listed, and the exit status says so.
    config = test_config.model_copy(
        update={
            "recordings": test_config.recordings.model_copy(
                update={"spool_dir": setup.spool, "store_dir": setup.store}
            )
        }
    )
    out = io.StringIO()
    code = await run_command(
        argparse.Namespace(recordings_command="verify"), setup.pool, config, out, setup.clock
    )
    assert code == 1
    assert out.getvalue().splitlines() == [
        "c-altered: altered",
        "c-gone: missing",
        "2 recording(s) altered or missing",
    ]

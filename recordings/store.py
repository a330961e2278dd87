"""PostgreSQL rows for call recordings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from recordings.policy import Kept


@dataclass(frozen=True)
class PendingRecording:
    name: str
    call_id: str
    target_id: str  # the bridge (a call) or the caller's channel (a message)
    format: str
    started_at: datetime


@dataclass(frozen=True)
class RecordingRow:
    """A recording with what deciding who may hear it needs (the call's court and seat), and the
    call's parties."""

    name: str
    call_id: str
    kind: str  # call (a bridge) or message (the caller alone)
    state: str  # recording, stored, failed
    format: str
    started_at: datetime
    ended_at: datetime | None
    duration_ms: int | None
    size_bytes: int | None
    path: str | None  # under the store directory, once stored
    home_platform: str
    seat_id: str | None
    sha256: str | None  # taken when the file was filed
    integrity: str  # recordings.policy.Integrity, as last checked
    caller_number: str
    contact_role: str | None  # judge, division_office… that an urgent contact put through
    contact_number: str | None


# A recording with its call's court and parties: the caller, the seat that answered the leg,
# and the judge (or office, or division head) an urgent contact put through, if any.
_WITH_PARTIES = (
    "SELECT r.name, r.call_id, r.kind, r.state, r.format, r.started_at, r.ended_at,"
    " r.duration_ms, r.size_bytes, r.path, c.home_platform,"
    " COALESCE(r.seat_id, c.seat_id) AS seat_id, r.sha256, r.integrity,"
    " c.caller_number, put_through.role AS contact_role, put_through.number AS contact_number"
    " FROM recordings r JOIN calls c ON c.id = r.call_id"
    " LEFT JOIN LATERAL (SELECT s.role, s.number FROM urgent_contacts u"
    "  JOIN urgent_contact_steps s ON s.contact_id = u.id AND s.step_no = u.bridged_step"
    "  WHERE u.call_id = c.id AND u.outcome = 'bridged' ORDER BY u.started_at DESC LIMIT 1"
    " ) put_through ON true"
)


class RecordingStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def started(
        self,
        name: str,
        call_id: str,
        target_id: str,
        file_format: str,
        at: datetime,
        kind: str = "call",
        seat_id: str | None = None,
    ) -> None:
        await self._pool.execute(
            "INSERT INTO recordings"
            " (name, call_id, target_id, format, state, started_at, kind, seat_id)"
            " VALUES ($1,$2,$3,$4,'recording',$5,$6,$7) ON CONFLICT (name) DO NOTHING",
            name,
            call_id,
            target_id,
            file_format,
            at,
            kind,
            seat_id,
        )

    async def stored(
        self,
        name: str,
        path: str,
        duration_ms: int,
        size_bytes: int,
        sha256: str,
        at: datetime,
    ) -> None:
        await self._pool.execute(
            "UPDATE recordings SET state='stored', path=$2, duration_ms=$3, size_bytes=$4,"
            " sha256=$5, integrity='ok', checked_at=$6, ended_at=$6"
            " WHERE name=$1 AND state='recording'",
            name,
            path,
            duration_ms,
            size_bytes,
            sha256,
            at,
        )

    async def failed(self, name: str, at: datetime) -> None:
        await self._pool.execute(
            "UPDATE recordings SET state='failed', ended_at=$2 WHERE name=$1 AND state='recording'",
            name,
            at,
        )

    async def state(self, name: str) -> str | None:
        state: str | None = await self._pool.fetchval(
            "SELECT state FROM recordings WHERE name=$1", name
        )
        return state

    async def pending(self) -> list[PendingRecording]:
        rows = await self._pool.fetch(
            "SELECT name, call_id, target_id, format, started_at FROM recordings"
            " WHERE state='recording' ORDER BY started_at"
        )
        return [PendingRecording(**dict(row)) for row in rows]

    async def of_call(self, call_id: str) -> list[RecordingRow]:
        rows = await self._pool.fetch(
            _WITH_PARTIES + " WHERE r.call_id=$1 ORDER BY r.started_at", call_id
        )
        return [RecordingRow(**dict(row)) for row in rows]

    async def get(self, name: str) -> RecordingRow | None:
        row = await self._pool.fetchrow(_WITH_PARTIES + " WHERE r.name=$1", name)
        return RecordingRow(**dict(row)) if row is not None else None

    async def kept_until(self, ended_by: datetime) -> list[tuple[Kept, str | None]]:
        """Stored recordings that ended by then, each with the call's (last) queue."""
        rows = await self._pool.fetch(
            "SELECT r.name, r.call_id, r.kind, r.ended_at, c.queue_id"
            " FROM recordings r JOIN calls c ON c.id = r.call_id"
            " WHERE r.state='stored' AND r.ended_at <= $1 ORDER BY r.ended_at",
            ended_by,
        )
        return [
            (Kept(row["name"], row["call_id"], row["kind"], None, row["ended_at"]), row["queue_id"])
            for row in rows
        ]

    async def purged(self, name: str, category: str, at: datetime) -> bool:
        done: str | None = await self._pool.fetchval(
            "UPDATE recordings SET state='purged', purged_at=$2, retention_category=$3"
            " WHERE name=$1 AND state='stored' RETURNING name",
            name,
            at,
            category,
        )
        return done is not None

    async def checked(self, name: str, integrity: str, at: datetime) -> None:
        await self._pool.execute(
            "UPDATE recordings SET integrity=$2, checked_at=$3 WHERE name=$1",
            name,
            integrity,
            at,
        )

    async def stored_names(self) -> list[str]:
        rows = await self._pool.fetch(
            "SELECT name FROM recordings WHERE state='stored' ORDER BY ended_at"
        )
        return [row["name"] for row in rows]

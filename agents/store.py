"""PostgreSQL rows for agent status: the current one per seat and every change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from agents.model import AgentStatus, StatusChange


@dataclass(frozen=True)
class StoredStatus:
    seat_id: str
    status: AgentStatus
    reason: str | None
    changed_at: datetime


class AgentStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def save(self, change: StatusChange) -> None:
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "INSERT INTO seat_status (seat_id, status, reason, source, changed_at)"
                " VALUES ($1,$2,$3,$4,$5) ON CONFLICT (seat_id) DO UPDATE SET status=$2,"
                " reason=$3, source=$4, changed_at=$5 WHERE seat_status.changed_at <= $5",
                change.seat_id,
                change.status.value,
                change.reason,
                change.source.value,
                change.at,
            )
            await connection.execute(
                "INSERT INTO seat_status_events (seat_id, status, reason, source, at)"
                " VALUES ($1,$2,$3,$4,$5)",
                change.seat_id,
                change.status.value,
                change.reason,
                change.source.value,
                change.at,
            )

    async def load(self) -> list[StoredStatus]:
        rows = await self._pool.fetch(
            "SELECT seat_id, status, reason, changed_at FROM seat_status ORDER BY seat_id"
        )
        return [
            StoredStatus(
                row["seat_id"], AgentStatus(row["status"]), row["reason"], row["changed_at"]
            )
            for row in rows
        ]

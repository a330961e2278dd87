"""Console users, sessions, failed logins and the audit log in PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from console.board import QueueDay
from console.model import Role, Session, User


def user_from_row(row: asyncpg.Record) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        platform=row["platform"],
        seats=frozenset(row["seats"]),
        disabled=row["disabled"],
    )


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    role: str | None
    action: str
    target: str
    detail: dict[str, Any]
    client: str


class ConsoleStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    # ---- users -------------------------------------------------------------------------------
    async def insert_user(
        self,
        username: str,
        display_name: str,
        role: Role,
        platform: str | None,
        seats: frozenset[str],
        password_hash: str,
        now: datetime,
    ) -> User | None:
        """The new user, or None when the name is taken."""
        row = await self._pool.fetchrow(
            "INSERT INTO console_users (username, display_name, role, platform, seats,"
            " password_hash, created_at, password_changed_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $7)"
            " ON CONFLICT (username) DO NOTHING"
            " RETURNING id, username, display_name, role, platform, seats, disabled",
            username,
            display_name,
            role.value,
            platform,
            sorted(seats),
            password_hash,
            now,
        )
        return user_from_row(row) if row else None

    async def update_user(
        self,
        username: str,
        *,
        display_name: str,
        role: Role,
        platform: str | None,
        seats: frozenset[str],
        disabled: bool,
    ) -> User | None:
        row = await self._pool.fetchrow(
            "UPDATE console_users SET display_name = $2, role = $3, platform = $4, seats = $5,"
            " disabled = $6 WHERE username = $1"
            " RETURNING id, username, display_name, role, platform, seats, disabled",
            username,
            display_name,
            role.value,
            platform,
            sorted(seats),
            disabled,
        )
        if row and row["disabled"]:
            await self._pool.execute("DELETE FROM console_sessions WHERE user_id = $1", row["id"])
        return user_from_row(row) if row else None

    async def set_password(self, username: str, password_hash: str, now: datetime) -> bool:
        """A new password ends every session of the user."""
        async with self._pool.acquire() as connection, connection.transaction():
            user_id = await connection.fetchval(
                "UPDATE console_users SET password_hash = $2, password_changed_at = $3"
                " WHERE username = $1 RETURNING id",
                username,
                password_hash,
                now,
            )
            if user_id is None:
                return False
            await connection.execute("DELETE FROM console_sessions WHERE user_id = $1", user_id)
            return True

    async def user_with_hash(self, username: str) -> tuple[User, str] | None:
        row = await self._pool.fetchrow(
            "SELECT id, username, display_name, role, platform, seats, disabled, password_hash"
            " FROM console_users WHERE username = $1",
            username,
        )
        return (user_from_row(row), row["password_hash"]) if row else None

    async def user(self, username: str) -> User | None:
        row = await self._pool.fetchrow(
            "SELECT id, username, display_name, role, platform, seats, disabled"
            " FROM console_users WHERE username = $1",
            username,
        )
        return user_from_row(row) if row else None

    async def users(self) -> list[User]:
        rows = await self._pool.fetch(
            "SELECT id, username, display_name, role, platform, seats, disabled"
            " FROM console_users ORDER BY username"
        )
        return [user_from_row(row) for row in rows]

    async def count_users(self) -> int:
        count: int = await self._pool.fetchval("SELECT count(*) FROM console_users")
        return count

    # ---- sessions ----------------------------------------------------------------------------
    async def insert_session(self, session: Session, client: str) -> None:
        await self._pool.execute(
            "INSERT INTO console_sessions (id, user_id, csrf_token, client, created_at,"
            " expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            session.id,
            session.user_id,
            session.csrf_token,
            client,
            session.created_at,
            session.expires_at,
            session.last_seen_at,
        )

    async def session_with_user(self, session_id: str) -> tuple[Session, User] | None:
        row = await self._pool.fetchrow(
            "SELECT s.id AS session_id, s.user_id, s.csrf_token, s.created_at, s.expires_at,"
            " s.last_seen_at, u.id, u.username, u.display_name, u.role, u.platform, u.seats,"
            " u.disabled FROM console_sessions s JOIN console_users u ON u.id = s.user_id"
            " WHERE s.id = $1",
            session_id,
        )
        if row is None:
            return None
        session = Session(
            id=row["session_id"],
            user_id=row["user_id"],
            csrf_token=row["csrf_token"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            last_seen_at=row["last_seen_at"],
        )
        return session, user_from_row(row)

    async def touch_session(self, session_id: str, now: datetime) -> None:
        await self._pool.execute(
            "UPDATE console_sessions SET last_seen_at = $2 WHERE id = $1", session_id, now
        )

    async def delete_session(self, session_id: str) -> None:
        await self._pool.execute("DELETE FROM console_sessions WHERE id = $1", session_id)

    async def delete_expired_sessions(self, now: datetime) -> int:
        status: str = await self._pool.execute(
            "DELETE FROM console_sessions WHERE expires_at <= $1", now
        )
        return int(status.rpartition(" ")[2])

    # ---- failed logins -----------------------------------------------------------------------
    async def add_failure(self, username: str, client: str, now: datetime) -> None:
        await self._pool.execute(
            "INSERT INTO console_login_failures (username, client, at) VALUES ($1, $2, $3)",
            username,
            client,
            now,
        )

    async def failures_since(
        self, username: str, client: str, since: datetime
    ) -> dict[str, list[datetime]]:
        """Recent failures by this name and from this address, oldest first."""
        rows = await self._pool.fetch(
            "SELECT username = $1 AS same_user, client = $2 AS same_client, at"
            " FROM console_login_failures WHERE at > $3 AND (username = $1 OR client = $2)"
            " ORDER BY at",
            username,
            client,
            since,
        )
        return {
            "username": [row["at"] for row in rows if row["same_user"]],
            "client": [row["at"] for row in rows if row["same_client"]],
        }

    async def clear_failures(self, username: str) -> None:
        await self._pool.execute("DELETE FROM console_login_failures WHERE username = $1", username)

    async def delete_failures_before(self, before: datetime) -> None:
        await self._pool.execute("DELETE FROM console_login_failures WHERE at < $1", before)

    # ---- audit -------------------------------------------------------------------------------
    async def audit(
        self,
        at: datetime,
        actor: str,
        role: str | None,
        action: str,
        target: str,
        detail: dict[str, Any],
        client: str,
    ) -> None:
        await self._pool.execute(
            "INSERT INTO audit_log (at, actor, role, action, target, detail, client)"
            " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)",
            at,
            actor,
            role,
            action,
            target,
            json.dumps(detail, ensure_ascii=False),
            client,
        )

    async def audit_entries(
        self, *, since: datetime | None = None, action: str | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        rows = await self._pool.fetch(
            "SELECT id, at, actor, role, action, target, detail, client FROM audit_log"
            " WHERE ($1::timestamptz IS NULL OR at >= $1) AND ($2::text IS NULL OR action = $2)"
            " ORDER BY id DESC LIMIT $3",
            since,
            action,
            limit,
        )
        return [
            AuditEntry(
                id=row["id"],
                at=row["at"],
                actor=row["actor"],
                role=row["role"],
                action=row["action"],
                target=row["target"],
                detail=json.loads(row["detail"]),
                client=row["client"],
            )
            for row in rows
        ]

    # ---- the wallboard's figures -------------------------------------------------------------
    async def queue_days(
        self, since: datetime, until: datetime, service_level_s: int
    ) -> list[QueueDay]:
        """Inbound calls queued in [since, until) that finished waiting, per queue and court."""
        rows = await self._pool.fetch(
            "SELECT queue_id, home_platform,"
            " count(*) AS offered,"
            " count(*) FILTER (WHERE connected_at IS NOT NULL) AS answered,"
            " count(*) FILTER (WHERE connected_at IS NOT NULL"
            "   AND connected_at - queued_at <= make_interval(secs => $3)) AS answered_in_time,"
            " count(*) FILTER (WHERE end_reason = 'abandoned_in_queue') AS abandoned,"
            " coalesce(sum(extract(epoch FROM connected_at - queued_at))"
            "   FILTER (WHERE connected_at IS NOT NULL), 0) AS wait_s_total"
            " FROM calls"
            " WHERE direction = 'inbound' AND queue_id IS NOT NULL"
            "   AND queued_at >= $1 AND queued_at < $2"
            "   AND (connected_at IS NOT NULL OR ended_at IS NOT NULL)"
            " GROUP BY queue_id, home_platform",
            since,
            until,
            float(service_level_s),
        )
        return [
            QueueDay(
                queue_id=row["queue_id"],
                home_platform=row["home_platform"],
                offered=row["offered"],
                answered=row["answered"],
                answered_in_time=row["answered_in_time"],
                abandoned=row["abandoned"],
                wait_s_total=float(row["wait_s_total"]),
            )
            for row in rows
        ]

    async def calls_of_caller(
        self, caller_number: str, except_call: str, limit: int = 10
    ) -> list[dict[str, Any]]:
        """This caller's earlier calls, newest first: when, where they went, how they ended."""
        rows = await self._pool.fetch(
            "SELECT id, started_at, queue_id, seat_id, connected_at, ended_at, end_reason"
            " FROM calls WHERE caller_number = $1 AND id <> $2"
            " ORDER BY started_at DESC LIMIT $3",
            caller_number,
            except_call,
            limit,
        )
        return [
            {
                "id": row["id"],
                "started_at": row["started_at"].isoformat(),
                "queue": row["queue_id"],
                "seat": row["seat_id"],
                "answered": row["connected_at"] is not None,
                "duration_s": round((row["ended_at"] - row["started_at"]).total_seconds())
                if row["ended_at"]
                else None,
                "end_reason": row["end_reason"],
            }
            for row in rows
        ]

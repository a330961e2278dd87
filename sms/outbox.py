"""PostgreSQL rows of the SMS outbox: enqueue inside the caller's transaction, lease, settle.

Every settling update (`mark_sent`, `mark_retry`, `mark_failed`, `release`) names the attempt it
settles. Each claim increments `attempts`, so a worker whose lease ran out and was taken over
finds its update matching no row (False) and leaves the newer attempt's row alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from sms.model import ClaimedMessage, DeliveryState, OutboxMessage

NOTIFY_CHANNEL = "sms_outbox"
# Stored errors are for people reading a row, not a gateway's full answer.
_MAX_ERROR_CHARACTERS = 500


@dataclass(frozen=True)
class Backlog:
    pending: int
    sending: int
    failed: int


@dataclass(frozen=True)
class OutboxRecord:
    id: int
    idempotency_key: str
    to_number: str
    kind: str
    reference: str | None
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None
    gateway_reference: str | None


async def enqueue(connection: asyncpg.Connection, message: OutboxMessage, now: datetime) -> bool:
    """Queue a message on the caller's connection, so it commits or rolls back with the caller's
    own rows. False when a message with this idempotency key already exists (it is kept)."""
    inserted = await connection.fetchval(
        "INSERT INTO sms_outbox (idempotency_key, to_number, text, kind, reference,"
        " next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $6)"
        " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        message.idempotency_key,
        message.to,
        message.text,
        message.kind,
        message.reference,
        now,
    )
    if inserted is None:
        return False
    # Delivered to listeners when the caller's transaction commits, never if it rolls back.
    await connection.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
    return True


class OutboxStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def claim(self, batch: int, now: datetime, lease_s: float) -> list[ClaimedMessage]:
        """Lease up to `batch` due messages to the caller: pending ones whose attempt is due and
        leased ones whose lease ran out (their worker died). Rows another worker is claiming
        right now are skipped, not waited for."""
        rows = await self._pool.fetch(
            "WITH due AS ("
            " SELECT id FROM sms_outbox"
            " WHERE (state = 'pending' AND next_attempt_at <= $1)"
            " OR (state = 'sending' AND leased_until <= $1)"
            " ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)"
            " UPDATE sms_outbox o SET state = 'sending', attempts = o.attempts + 1,"
            " leased_until = $1 + make_interval(secs => $3)"
            " FROM due WHERE o.id = due.id RETURNING o.id, o.idempotency_key, o.to_number,"
            " o.text, o.kind, o.reference, o.attempts, o.leased_until",
            now,
            batch,
            float(lease_s),
        )
        claimed = [
            ClaimedMessage(
                id=row["id"],
                message=OutboxMessage(
                    idempotency_key=row["idempotency_key"],
                    to=row["to_number"],
                    text=row["text"],
                    kind=row["kind"],
                    reference=row["reference"],
                ),
                attempts=row["attempts"],
                leased_until=row["leased_until"],
            )
            for row in rows
        ]
        claimed.sort(key=lambda message: message.id)
        return claimed

    async def mark_sent(
        self, claimed: ClaimedMessage, now: datetime, gateway_reference: str | None
    ) -> bool:
        return await self._settle(
            "UPDATE sms_outbox SET state = 'sent', leased_until = NULL, sent_at = $3,"
            " gateway_reference = $4, last_error = NULL"
            " WHERE id = $1 AND attempts = $2 AND state = 'sending'",
            claimed,
            now,
            gateway_reference,
        )

    async def mark_retry(
        self, claimed: ClaimedMessage, next_attempt_at: datetime, error: str
    ) -> bool:
        return await self._settle(
            "UPDATE sms_outbox SET state = 'pending', leased_until = NULL,"
            " next_attempt_at = $3, last_error = $4"
            " WHERE id = $1 AND attempts = $2 AND state = 'sending'",
            claimed,
            next_attempt_at,
            error[:_MAX_ERROR_CHARACTERS],
        )

    async def mark_failed(self, claimed: ClaimedMessage, now: datetime, error: str) -> bool:
        return await self._settle(
            "UPDATE sms_outbox SET state = 'failed', leased_until = NULL, failed_at = $3,"
            " last_error = $4 WHERE id = $1 AND attempts = $2 AND state = 'sending'",
            claimed,
            now,
            error[:_MAX_ERROR_CHARACTERS],
        )

    async def release(self, claimed: ClaimedMessage) -> bool:
        """Give a leased message back unsent (shutting down): due again at once, and the
        attempt that never finished is not counted."""
        return await self._settle(
            "UPDATE sms_outbox SET state = 'pending', leased_until = NULL,"
            " attempts = attempts - 1 WHERE id = $1 AND attempts = $2 AND state = 'sending'",
            claimed,
        )

    async def _settle(self, query: str, claimed: ClaimedMessage, *args: object) -> bool:
        result: str = await self._pool.execute(query, claimed.id, claimed.attempts, *args)
        return result == "UPDATE 1"

    async def next_due(self) -> datetime | None:
        """When the earliest pending attempt is due or the earliest lease runs out."""
        due: datetime | None = await self._pool.fetchval(
            "SELECT least("
            " (SELECT min(next_attempt_at) FROM sms_outbox WHERE state = 'pending'),"
            " (SELECT min(leased_until) FROM sms_outbox WHERE state = 'sending'))"
        )
        return due

    async def backlog(self) -> Backlog:
        row = await self._pool.fetchrow(
            "SELECT count(*) FILTER (WHERE state = 'pending') AS pending,"
            " count(*) FILTER (WHERE state = 'sending') AS sending,"
            " count(*) FILTER (WHERE state = 'failed') AS failed"
            " FROM sms_outbox WHERE state <> 'sent'"
        )
        assert row is not None
        return Backlog(pending=row["pending"], sending=row["sending"], failed=row["failed"])

    async def history(self, reference: str) -> list[OutboxRecord]:
        """Every message about `reference` (e.g. "work-order:17"), oldest first."""
        rows = await self._pool.fetch(
            "SELECT id, idempotency_key, to_number, kind, reference, state, attempts,"
            " next_attempt_at, last_error, created_at, sent_at, failed_at, gateway_reference"
            " FROM sms_outbox WHERE reference = $1 ORDER BY id",
            reference,
        )
        return [
            OutboxRecord(
                id=row["id"],
                idempotency_key=row["idempotency_key"],
                to_number=row["to_number"],
                kind=row["kind"],
                reference=row["reference"],
                state=DeliveryState(row["state"]),
                attempts=row["attempts"],
                next_attempt_at=row["next_attempt_at"],
                last_error=row["last_error"],
                created_at=row["created_at"],
                sent_at=row["sent_at"],
                failed_at=row["failed_at"],
                gateway_reference=row["gateway_reference"],
            )
            for row in rows
        ]

"""PostgreSQL rows for queryable cases and every case query attempt."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from cases.model import AttemptReason, Case, CaseRecord

# Rows per INSERT … SELECT FROM unnest(…): one round trip each, small enough for any server.
_UPSERT_BATCH = 1000
# A keypad can send anything; a stored code longer than any real one only bloats the table.
_MAX_STORED_CODE = 40


@dataclass(frozen=True)
class QueryAttempt:
    at: datetime
    call_id: str
    caller_number: str
    query_code: str
    reason: AttemptReason

    @property
    def success(self) -> bool:
        return self.reason is AttemptReason.SUCCESS


@dataclass(frozen=True)
class CodeAttempts:
    failures: tuple[datetime, ...]
    last_success: datetime | None


@dataclass(frozen=True)
class UpsertCounts:
    inserted: int
    updated: int


class CaseStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def upsert(self, records: Sequence[CaseRecord]) -> UpsertCounts:
        """Insert new cases and update known ones by query code, all in one transaction."""
        inserted = updated = 0
        async with self._pool.acquire() as connection, connection.transaction():
            for start in range(0, len(records), _UPSERT_BATCH):
                batch = records[start : start + _UPSERT_BATCH]
                rows = await connection.fetch(
                    "INSERT INTO cases (query_code, case_number, court_id, division,"
                    " password_hash, stage, judge_name, next_hearing, last_event, last_event_at)"
                    " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
                    " $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::text[],"
                    " $10::timestamptz[])"
                    " ON CONFLICT (query_code) DO UPDATE SET case_number = excluded.case_number,"
                    " court_id = excluded.court_id, division = excluded.division,"
                    " password_hash = excluded.password_hash, stage = excluded.stage,"
                    " judge_name = excluded.judge_name, next_hearing = excluded.next_hearing,"
                    " last_event = excluded.last_event, last_event_at = excluded.last_event_at,"
                    " updated_at = now()"
                    # xmax is 0 on a freshly inserted row version, set on an updated one.
                    " RETURNING (xmax = 0) AS inserted",
                    [record.case.query_code for record in batch],
                    [record.case.case_number for record in batch],
                    [record.case.court_id for record in batch],
                    [record.case.division for record in batch],
                    [record.password_hash for record in batch],
                    [record.case.stage for record in batch],
                    [record.case.judge_name for record in batch],
                    [record.case.next_hearing for record in batch],
                    [record.case.last_event for record in batch],
                    [record.case.last_event_at for record in batch],
                )
                batch_inserted = sum(1 for row in rows if row["inserted"])
                inserted += batch_inserted
                updated += len(rows) - batch_inserted
        return UpsertCounts(inserted=inserted, updated=updated)

    async def find(self, query_code: str) -> CaseRecord | None:
        row = await self._pool.fetchrow(
            "SELECT query_code, case_number, court_id, division, password_hash, stage,"
            " judge_name, next_hearing, last_event, last_event_at FROM cases"
            " WHERE query_code = $1",
            query_code,
        )
        if row is None:
            return None
        case = Case(
            case_number=row["case_number"],
            court_id=row["court_id"],
            division=row["division"],
            query_code=row["query_code"],
            stage=row["stage"],
            judge_name=row["judge_name"],
            next_hearing=row["next_hearing"],
            last_event=row["last_event"],
            last_event_at=row["last_event_at"],
        )
        return CaseRecord(case=case, password_hash=row["password_hash"])

    async def replace_password_hash(self, query_code: str, old_hash: str, new_hash: str) -> bool:
        """Compare-and-set: False when a re-import changed the hash meanwhile (that one wins)."""
        result = await self._pool.execute(
            "UPDATE cases SET password_hash = $3, updated_at = now()"
            " WHERE query_code = $1 AND password_hash = $2",
            query_code,
            old_hash,
            new_hash,
        )
        return str(result) == "UPDATE 1"

    async def code_attempts_since(
        self, query_code: str, since: datetime, counted: Collection[AttemptReason]
    ) -> CodeAttempts:
        rows = await self._pool.fetch(
            "SELECT at, success FROM case_query_attempts"
            " WHERE query_code = $1 AND at >= $2 AND (success OR reason = ANY($3::text[]))"
            " ORDER BY at",
            query_code[:_MAX_STORED_CODE],
            since,
            [reason.value for reason in counted],
        )
        successes = [row["at"] for row in rows if row["success"]]
        return CodeAttempts(
            failures=tuple(row["at"] for row in rows if not row["success"]),
            last_success=max(successes, default=None),
        )

    async def number_failures_since(
        self, caller_number: str, since: datetime, counted: Collection[AttemptReason]
    ) -> tuple[datetime, ...]:
        rows = await self._pool.fetch(
            "SELECT at FROM case_query_attempts"
            " WHERE caller_number = $1 AND at >= $2 AND NOT success AND reason = ANY($3::text[])"
            " ORDER BY at",
            caller_number,
            since,
            [reason.value for reason in counted],
        )
        return tuple(row["at"] for row in rows)

    async def record_attempt(self, attempt: QueryAttempt) -> None:
        await self._pool.execute(
            "INSERT INTO case_query_attempts"
            " (at, call_id, caller_number, query_code, success, reason)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            attempt.at,
            attempt.call_id,
            attempt.caller_number,
            attempt.query_code[:_MAX_STORED_CODE],
            attempt.success,
            attempt.reason.value,
        )

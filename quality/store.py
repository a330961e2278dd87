"""PostgreSQL rows of quality work: rounds, follow-ups and their attempts, grades."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from quality.dial import FollowUpCall
from quality.model import Answer, Answers, ClosedOrder, FollowUpState, Grade, GradeResult


@dataclass(frozen=True)
class FollowUpRow:
    id: int
    round_id: int
    work_order_id: int
    division_key: str
    court_id: str
    category: str
    caller_number: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    judge_called: str | None
    problem_solved: str | None
    satisfied: str | None
    note: str | None


@dataclass(frozen=True)
class GradeRow:
    work_order_id: int
    court_id: str
    result: str
    reasons: list[str]
    on_time: bool
    substantive: bool
    solved: str
    graded_at: datetime
    override_result: str | None
    override_note: str | None
    overridden_by: str | None

    @property
    def final(self) -> str:
        return self.override_result or self.result


def _order(row: asyncpg.Record) -> ClosedOrder:
    return ClosedOrder(**dict(row))


class QualityStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def closed_between(self, since: datetime, until: datetime) -> list[ClosedOrder]:
        rows = await self.pool.fetch(
            "SELECT id, court_id, handler_division_id AS division_id, category, due_at,"
            " replied_at, reply, closed_at FROM work_orders"
            " WHERE status = 'closed' AND closed_at >= $1 AND closed_at < $2 ORDER BY id",
            since,
            until,
        )
        return [_order(row) for row in rows]

    async def closed_order(self, order_id: int) -> ClosedOrder | None:
        row = await self.pool.fetchrow(
            "SELECT id, court_id, handler_division_id AS division_id, category, due_at,"
            " replied_at, reply, closed_at FROM work_orders WHERE id = $1 AND status = 'closed'",
            order_id,
        )
        return _order(row) if row is not None else None

    async def ungraded(self, limit: int = 500) -> list[int]:
        rows = await self.pool.fetch(
            "SELECT w.id FROM work_orders w LEFT JOIN work_order_grades g"
            " ON g.work_order_id = w.id WHERE w.status = 'closed'"
            " AND (g.work_order_id IS NULL OR g.graded_at < w.closed_at) ORDER BY w.id LIMIT $1",
            limit,
        )
        return [row["id"] for row in rows]

    async def create_round(
        self,
        week_start: date,
        closed_from: datetime,
        closed_until: datetime,
        seed: int,
        sampled: dict[str, list[int]],
        at: datetime,
        by: str,
    ) -> int | None:
        """The round and its follow-ups in one transaction; None when the week has one."""
        async with self.pool.acquire() as connection, connection.transaction():
            round_id: int | None = await connection.fetchval(
                "INSERT INTO follow_up_rounds"
                " (week_start, closed_from, closed_until, seed, created_at, created_by)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (week_start) DO NOTHING"
                " RETURNING id",
                week_start,
                closed_from,
                closed_until,
                seed,
                at,
                by,
            )
            if round_id is None:
                return None
            await connection.executemany(
                "INSERT INTO follow_ups (round_id, work_order_id, division_key, next_attempt_at)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (work_order_id) DO NOTHING",
                [(round_id, order_id, key, at) for key, ids in sampled.items() for order_id in ids],
            )
            return round_id

    async def follow_ups(
        self, *, state: str | None = None, round_id: int | None = None
    ) -> list[FollowUpRow]:
        rows = await self.pool.fetch(
            "SELECT f.id, f.round_id, f.work_order_id, f.division_key, w.court_id, w.category,"
            " w.caller_number, f.state, f.attempts, f.next_attempt_at, f.judge_called,"
            " f.problem_solved, f.satisfied, f.note FROM follow_ups f"
            " JOIN work_orders w ON w.id = f.work_order_id"
            " WHERE ($1::text IS NULL OR f.state = $1) AND ($2::bigint IS NULL OR f.round_id = $2)"
            " ORDER BY f.next_attempt_at NULLS LAST, f.id",
            state,
            round_id,
        )
        return [FollowUpRow(**dict(row)) for row in rows]

    async def follow_up(self, follow_up_id: int) -> FollowUpRow | None:
        rows = await self.pool.fetch(
            "SELECT f.id, f.round_id, f.work_order_id, f.division_key, w.court_id, w.category,"
            " w.caller_number, f.state, f.attempts, f.next_attempt_at, f.judge_called,"
            " f.problem_solved, f.satisfied, f.note FROM follow_ups f"
            " JOIN work_orders w ON w.id = f.work_order_id WHERE f.id = $1",
            follow_up_id,
        )
        return FollowUpRow(**dict(rows[0])) if rows else None

    async def attempt(
        self,
        follow_up: FollowUpRow,
        outcome: str,
        state: FollowUpState,
        next_attempt_at: datetime | None,
        answers: Answers | None,
        note: str | None,
        by: str,
        at: datetime,
    ) -> bool:
        """One call attempt; False when someone else recorded one first (stale `attempts`)."""
        async with self.pool.acquire() as connection, connection.transaction():
            updated = await connection.fetchval(
                "UPDATE follow_ups SET attempts = attempts + 1, state = $3,"
                " next_attempt_at = $4, judge_called = $5, problem_solved = $6, satisfied = $7,"
                " note = COALESCE($8, note),"
                " finished_at = CASE WHEN $3::text = 'open' THEN NULL ELSE $9::timestamptz END,"
                " finished_by = CASE WHEN $3::text = 'open' THEN NULL ELSE $10::text END"
                " WHERE id = $1 AND attempts = $2 AND state = 'open' RETURNING attempts",
                follow_up.id,
                follow_up.attempts,
                state.value,
                next_attempt_at,
                answers.judge_called.value if answers else None,
                answers.problem_solved.value if answers else None,
                answers.satisfied.value if answers else None,
                note,
                at,
                by,
            )
            if updated is None:
                return False
            await connection.execute(
                "INSERT INTO follow_up_attempts (follow_up_id, attempt, at, outcome, by_actor)"
                " VALUES ($1, $2, $3, $4, $5)",
                follow_up.id,
                updated,
                at,
                outcome,
                by,
            )
            return True

    async def answers_of(self, work_order_id: int) -> Answers | None:
        row = await self.pool.fetchrow(
            "SELECT judge_called, problem_solved, satisfied FROM follow_ups"
            " WHERE work_order_id = $1 AND state = 'done'",
            work_order_id,
        )
        if row is None:
            return None
        return Answers(
            Answer(row["judge_called"]), Answer(row["problem_solved"]), Answer(row["satisfied"])
        )

    async def save_grade(self, order_id: int, grade: Grade, at: datetime) -> None:
        """The computed grade; a supervisor's override is kept across regrading."""
        await self.pool.execute(
            "INSERT INTO work_order_grades"
            " (work_order_id, result, reasons, on_time, substantive, solved, graded_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (work_order_id) DO UPDATE SET"
            " result = EXCLUDED.result, reasons = EXCLUDED.reasons, on_time = EXCLUDED.on_time,"
            " substantive = EXCLUDED.substantive, solved = EXCLUDED.solved,"
            " graded_at = EXCLUDED.graded_at",
            order_id,
            grade.result.value,
            [reason.value for reason in grade.reasons],
            grade.on_time,
            grade.substantive,
            grade.solved.value,
            at,
        )

    async def grade(self, order_id: int) -> GradeRow | None:
        row = await self.pool.fetchrow(
            "SELECT g.work_order_id, w.court_id, g.result, g.reasons, g.on_time, g.substantive,"
            " g.solved, g.graded_at, g.override_result, g.override_note, g.overridden_by"
            " FROM work_order_grades g JOIN work_orders w ON w.id = g.work_order_id"
            " WHERE g.work_order_id = $1",
            order_id,
        )
        return GradeRow(**dict(row)) if row is not None else None

    async def override(
        self, order_id: int, result: GradeResult, note: str, by: str, at: datetime
    ) -> bool:
        done = await self.pool.fetchval(
            "UPDATE work_order_grades SET override_result = $2, override_note = $3,"
            " overridden_by = $4, overridden_at = $5 WHERE work_order_id = $1"
            " RETURNING work_order_id",
            order_id,
            result.value,
            note,
            by,
            at,
        )
        return done is not None

    async def call_connected(self, call: FollowUpCall, at: datetime) -> None:
        """The follow-up conversation gets a call row like any call (recordings refer to it)."""
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "INSERT INTO calls (id, caller_channel_id, caller_number, dialed_number, state,"
                " seat_id, seat_channel_id, bridge_id, started_at, answered_at, connected_at,"
                " direction) VALUES ($1, $2, $3, $3, 'connected', $4, $5, $6, $7, $7, $7,"
                " 'follow_up') ON CONFLICT (id) DO NOTHING",
                call.call_id,
                call.citizen_channel_id,
                call.number,
                call.seat_id,
                call.seat_channel_id,
                f"{call.call_id}-bridge",
                at,
            )
            await connection.execute(
                "UPDATE follow_ups SET last_call_id = $2 WHERE id = $1",
                call.follow_up_id,
                call.call_id,
            )

    async def call_ended(self, call_id: str, by: str, at: datetime) -> None:
        await self.pool.execute(
            "UPDATE calls SET state='ended', ended_at=$2, end_reason='completed', ended_by=$3"
            " WHERE id=$1 AND ended_at IS NULL",
            call_id,
            at,
            by,
        )

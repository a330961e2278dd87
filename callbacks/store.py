"""PostgreSQL rows for the callback list, its dialling attempts and the conversations it makes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from calls.model import Call


@dataclass(frozen=True)
class NewTask:
    call: Call
    reason: str
    recording_name: str | None
    created_at: datetime
    due_at: datetime
    auto_dial: bool
    queue_id: str | None
    place_at: datetime
    priority: int


@dataclass(frozen=True)
class OpenTask:
    id: int
    caller_number: str
    reason: str
    queue_id: str
    home_platform: str
    place_at: datetime
    due_at: datetime
    priority: int
    attempts: int
    seat_id: str | None = None  # the seat last dialled for it


@dataclass(frozen=True)
class CallbackFigures:
    abandoned: int
    abandoned_reached: int
    open: int

    @property
    def callback_rate(self) -> float | None:
        """回拨率: abandoned callers reached back over abandoned callers."""
        return self.abandoned_reached / self.abandoned if self.abandoned else None


class CallbackStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def create(self, task: NewTask) -> int | None:
        """The new task's id; None when this call already has a task for this reason."""
        call = task.call
        task_id: int | None = await self._pool.fetchval(
            "INSERT INTO callback_tasks (call_id, caller_number, reason, recording_name,"
            " created_at, due_at, auto_dial, queue_id, place_at, priority, home_platform)"
            # A message whose recording never started is still a caller to call back.
            " VALUES ($1,$2,$3,(SELECT name FROM recordings WHERE name=$4),$5,$6,$7,$8,$9,$10,$11)"
            " ON CONFLICT (call_id, reason) DO NOTHING RETURNING id",
            call.id,
            call.caller_number,
            task.reason,
            task.recording_name,
            task.created_at,
            task.due_at,
            task.auto_dial,
            task.queue_id,
            task.place_at,
            task.priority,
            call.home_platform,
        )
        return task_id

    async def open_auto_dial(self) -> list[OpenTask]:
        """Callbacks the switch still has to dial, in their order in line."""
        rows = await self._pool.fetch(
            "SELECT id, caller_number, reason, queue_id, home_platform, place_at, due_at,"
            " priority, attempts, seat_id FROM callback_tasks"
            " WHERE auto_dial AND state <> 'done' ORDER BY place_at, id"
        )
        return [OpenTask(**dict(row)) for row in rows]

    async def dialling(self, task_id: int, seat_id: str, attempt: int, at: datetime) -> None:
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "UPDATE callback_tasks SET state='dialling', seat_id=$2 WHERE id=$1",
                task_id,
                seat_id,
            )
            await connection.execute(
                "INSERT INTO callback_attempts (task_id, attempt, seat_id, call_id, started_at)"
                " VALUES ($1,$2,$3,'',$4) ON CONFLICT (task_id, attempt) DO UPDATE"
                " SET seat_id=$3, started_at=$4, ended_at=NULL, outcome=NULL",
                task_id,
                attempt,
                seat_id,
                at,
            )

    async def attempt_ended(
        self, task_id: int, attempt: int, outcome: str, at: datetime, call_id: str = ""
    ) -> None:
        await self._pool.execute(
            "UPDATE callback_attempts SET ended_at=$3, outcome=$4, call_id=$5"
            " WHERE task_id=$1 AND attempt=$2",
            task_id,
            attempt,
            at,
            outcome,
            call_id,
        )

    async def waiting_again(self, task_id: int, attempts: int, due_at: datetime) -> None:
        await self._pool.execute(
            "UPDATE callback_tasks SET state='open', attempts=$2, due_at=$3 WHERE id=$1",
            task_id,
            attempts,
            due_at,
        )

    async def finished(
        self, task_id: int, attempts: int, outcome: str, at: datetime, reached_at: datetime | None
    ) -> None:
        await self._pool.execute(
            "UPDATE callback_tasks SET state='done', attempts=$2, outcome=$3, handled_at=$4,"
            " reached_at=$5 WHERE id=$1",
            task_id,
            attempts,
            outcome,
            at,
            reached_at,
        )

    async def conversation_started(
        self,
        call_id: str,
        citizen_channel_id: str,
        number: str,
        task_id: int,
        queue_id: str,
        seat_id: str,
        seat_channel_id: str,
        at: datetime,
    ) -> None:
        """The callback's conversation gets a call row like any call (recordings refer to it)."""
        await self._pool.execute(
            "INSERT INTO calls (id, caller_channel_id, caller_number, dialed_number, state,"
            " queue_id, seat_id, seat_channel_id, bridge_id, started_at, answered_at,"
            " connected_at, direction, callback_task_id) VALUES"
            " ($1,$2,$3,$3,'connected',$4,$5,$6,$7,$8,$8,$8,'callback',$9)"
            " ON CONFLICT (id) DO NOTHING",
            call_id,
            citizen_channel_id,
            number,
            queue_id,
            seat_id,
            seat_channel_id,
            f"{call_id}-bridge",
            at,
            task_id,
        )

    async def conversation_ended(self, call_id: str, by: str, at: datetime) -> None:
        await self._pool.execute(
            "UPDATE calls SET state='ended', ended_at=$2, end_reason='completed', ended_by=$3"
            " WHERE id=$1 AND ended_at IS NULL",
            call_id,
            at,
            by,
        )

    async def figures(self, since: datetime, until: datetime) -> CallbackFigures:
        row = await self._pool.fetchrow(
            "SELECT count(*) FILTER (WHERE reason='abandoned') AS abandoned,"
            " count(*) FILTER (WHERE reason='abandoned' AND outcome='reached') AS reached,"
            " count(*) FILTER (WHERE state <> 'done') AS open"
            " FROM callback_tasks WHERE created_at >= $1 AND created_at < $2",
            since,
            until,
        )
        assert row is not None
        return CallbackFigures(row["abandoned"], row["reached"], row["open"])

"""PostgreSQL rows of work orders and their history; changes are made under a row lock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from workorders.model import (
    Category,
    EventKind,
    Handler,
    HandlerKind,
    Status,
    Urgency,
    WorkOrder,
    WorkOrderEvent,
)


def order_from_row(row: asyncpg.Record) -> WorkOrder:
    handler = Handler(
        kind=HandlerKind(row["handler_kind"]),
        name=row["handler_name"],
        court_id=row["handler_court_id"],
        mobile=row["handler_mobile"],
        judge_id=row["handler_judge_id"],
        division_id=row["handler_division_id"],
    )
    return WorkOrder(
        id=row["id"],
        court_id=row["court_id"],
        case_number=row["case_number"],
        category=Category(row["category"]),
        urgency=Urgency(row["urgency"]),
        caller_number=row["caller_number"],
        content=row["content"],
        created_at=row["created_at"],
        due_at=row["due_at"],
        handler=handler,
        status=Status(row["status"]),
        complained_judge_id=row["complained_judge_id"],
        dispatched_at=row["dispatched_at"],
        escalation_level=row["escalation_level"],
        reminders_sent=row["reminders_sent"],
        last_reminder_at=row["last_reminder_at"],
        reply=row["reply"],
        replied_by=row["replied_by"],
        replied_at=row["replied_at"],
        closed_at=row["closed_at"],
        reopened_count=row["reopened_count"],
        follow_ups=row["follow_ups"],
    )


@dataclass(frozen=True)
class WorkOrderFigures:
    """Orders waiting for their handler's reply, as a supervisor sees them now."""

    dispatched: int
    overdue: int  # past the due time, not replied
    escalated: int  # pressed beyond the handler (督办)
    replied: int  # replied, not closed yet


class WorkOrderStore:
    """Every method taking a connection runs inside the caller's transaction."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @staticmethod
    async def insert(
        connection: asyncpg.Connection,
        order: WorkOrder,
        created_by: str,
        call_id: str | None,
        urgent_contact_id: int | None,
    ) -> int:
        handler = order.handler
        order_id: int = await connection.fetchval(
            "INSERT INTO work_orders (court_id, case_number, category, urgency, caller_number,"
            " content, created_at, created_by, due_at, status, handler_kind, handler_name,"
            " handler_court_id, handler_mobile, handler_judge_id, handler_division_id,"
            " complained_judge_id, call_id, urgent_contact_id)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
            " $17, $18, $19) RETURNING id",
            order.court_id,
            order.case_number,
            order.category.value,
            order.urgency.value,
            order.caller_number,
            order.content,
            order.created_at,
            created_by,
            order.due_at,
            order.status.value,
            handler.kind.value,
            handler.name,
            handler.court_id,
            handler.mobile,
            handler.judge_id,
            handler.division_id,
            order.complained_judge_id,
            call_id,
            urgent_contact_id,
        )
        return order_id

    @staticmethod
    async def lock(connection: asyncpg.Connection, order_id: int) -> WorkOrder | None:
        row = await connection.fetchrow(
            "SELECT * FROM work_orders WHERE id = $1 FOR UPDATE", order_id
        )
        return order_from_row(row) if row else None

    @staticmethod
    async def update(connection: asyncpg.Connection, order: WorkOrder) -> None:
        await connection.execute(
            "UPDATE work_orders SET status = $2, due_at = $3, dispatched_at = $4,"
            " escalation_level = $5, reminders_sent = $6, last_reminder_at = $7, reply = $8,"
            " replied_by = $9, replied_at = $10, closed_at = $11, reopened_count = $12,"
            " follow_ups = $13 WHERE id = $1",
            order.id,
            order.status.value,
            order.due_at,
            order.dispatched_at,
            order.escalation_level,
            order.reminders_sent,
            order.last_reminder_at,
            order.reply,
            order.replied_by,
            order.replied_at,
            order.closed_at,
            order.reopened_count,
            order.follow_ups,
        )

    @staticmethod
    async def add_events(
        connection: asyncpg.Connection, order_id: int, events: Sequence[WorkOrderEvent]
    ) -> None:
        await connection.executemany(
            "INSERT INTO work_order_events (work_order_id, at, kind, actor, detail)"
            " VALUES ($1, $2, $3, $4, $5)",
            [(order_id, e.at, e.kind.value, e.actor, e.detail) for e in events],
        )

    @staticmethod
    async def open_orders_of(
        connection: asyncpg.Connection, court_id: str, caller_number: str, category: Category
    ) -> list[WorkOrder]:
        rows = await connection.fetch(
            "SELECT * FROM work_orders WHERE court_id = $1 AND caller_number = $2"
            " AND category = $3 AND status <> 'closed' ORDER BY created_at",
            court_id,
            caller_number,
            category.value,
        )
        return [order_from_row(row) for row in rows]

    async def get(self, order_id: int) -> WorkOrder | None:
        row = await self.pool.fetchrow("SELECT * FROM work_orders WHERE id = $1", order_id)
        return order_from_row(row) if row else None

    async def events(self, order_id: int) -> list[WorkOrderEvent]:
        rows = await self.pool.fetch(
            "SELECT at, kind, actor, detail FROM work_order_events WHERE work_order_id = $1"
            " ORDER BY id",
            order_id,
        )
        return [
            WorkOrderEvent(row["at"], EventKind(row["kind"]), row["actor"], row["detail"])
            for row in rows
        ]

    async def dispatched(self) -> list[WorkOrder]:
        """Orders that reminders and escalation may press (dispatched, not yet replied)."""
        rows = await self.pool.fetch(
            "SELECT * FROM work_orders WHERE status = 'dispatched' ORDER BY due_at"
        )
        return [order_from_row(row) for row in rows]

    async def figures(self, now: datetime) -> WorkOrderFigures:
        row = await self.pool.fetchrow(
            "SELECT count(*) FILTER (WHERE status = 'dispatched') AS dispatched,"
            " count(*) FILTER (WHERE status = 'dispatched' AND due_at < $1) AS overdue,"
            " count(*) FILTER (WHERE status = 'dispatched' AND escalation_level > 0)"
            " AS escalated,"
            " count(*) FILTER (WHERE status = 'replied') AS replied"
            " FROM work_orders WHERE status IN ('dispatched', 'replied')",
            now,
        )
        assert row is not None
        return WorkOrderFigures(
            dispatched=row["dispatched"],
            overdue=row["overdue"],
            escalated=row["escalated"],
            replied=row["replied"],
        )

    async def of_caller(self, caller_number: str, limit: int = 20) -> list[WorkOrder]:
        rows = await self.pool.fetch(
            "SELECT * FROM work_orders WHERE caller_number = $1 ORDER BY created_at DESC LIMIT $2",
            caller_number,
            limit,
        )
        return [order_from_row(row) for row in rows]

"""Reads the records a report is computed from: calls, callbacks, work orders, follow-ups."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from zoneinfo import ZoneInfo

import asyncpg

from reports.model import CallbackRecord, CallRecord, FollowUpRecord, OrderRecord, Records


async def load(pool: asyncpg.Pool, since: datetime, until: datetime, zone: ZoneInfo) -> Records:
    """Every record that can count in [since, until); days are the courts' local days. A month
    of a busy hotline is some 100,000 rows: they are turned into records off the event loop."""
    calls = await pool.fetch(
        "SELECT home_platform, started_at, queued_at, connected_at, ended_at, end_reason,"
        " survey_answer FROM calls"
        " WHERE direction = 'inbound' AND started_at >= $1 AND started_at < $2",
        since,
        until,
    )
    callbacks = await pool.fetch(
        "SELECT home_platform, created_at, outcome FROM callback_tasks"
        " WHERE reason = 'abandoned' AND created_at >= $1 AND created_at < $2",
        since,
        until,
    )
    orders = await pool.fetch(
        "SELECT w.court_id, w.handler_division_id, w.created_at, w.due_at, w.replied_at,"
        " w.closed_at, COALESCE(g.override_result, g.result) AS grade"
        " FROM work_orders w LEFT JOIN work_order_grades g ON g.work_order_id = w.id"
        " WHERE (w.created_at >= $1 AND w.created_at < $2) OR (w.due_at >= $1 AND w.due_at < $2)"
        " OR (w.replied_at >= $1 AND w.replied_at < $2)"
        " OR (w.closed_at >= $1 AND w.closed_at < $2)",
        since,
        until,
    )
    follow_ups = await pool.fetch(
        "SELECT w.court_id, w.handler_division_id, f.finished_at, f.state FROM follow_ups f"
        " JOIN work_orders w ON w.id = f.work_order_id"
        " WHERE f.finished_at >= $1 AND f.finished_at < $2",
        since,
        until,
    )
    return await asyncio.to_thread(_records, calls, callbacks, orders, follow_ups, zone)


def _records(
    calls: list[asyncpg.Record],
    callbacks: list[asyncpg.Record],
    orders: list[asyncpg.Record],
    follow_ups: list[asyncpg.Record],
    zone: ZoneInfo,
) -> Records:
    def day(moment: datetime) -> date:
        return moment.astimezone(zone).date()

    def maybe_day(moment: datetime | None) -> date | None:
        return day(moment) if moment is not None else None

    return Records(
        calls=tuple(
            CallRecord(
                row["home_platform"],
                day(row["started_at"]),
                row["queued_at"],
                row["connected_at"],
                row["ended_at"],
                row["end_reason"],
                row["survey_answer"],
            )
            for row in calls
        ),
        callbacks=tuple(
            CallbackRecord(
                row["home_platform"], day(row["created_at"]), row["outcome"] == "reached"
            )
            for row in callbacks
        ),
        orders=tuple(
            OrderRecord(
                row["court_id"],
                row["handler_division_id"],
                day(row["created_at"]),
                row["due_at"],
                day(row["due_at"]),
                row["replied_at"],
                maybe_day(row["replied_at"]),
                maybe_day(row["closed_at"]),
                row["grade"],
            )
            for row in orders
        ),
        follow_ups=tuple(
            FollowUpRecord(
                row["court_id"],
                row["handler_division_id"],
                maybe_day(row["finished_at"]),
                row["state"] == "done",
            )
            for row in follow_ups
        ),
    )

"""Small helpers the functional and integration tests share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg

CALL_MOMENTS = ("started_at", "answered_at", "queued_at", "offered_at", "connected_at", "ended_at")


async def eventually(predicate: Callable[[], object], seconds: float = 5.0) -> Any:
    """The first truthy value of `predicate`, polled until `seconds` run out."""
    async with asyncio.timeout(seconds):
        while not (result := predicate()):
            await asyncio.sleep(0.02)
    return result


async def fetch(database: dict[str, Any], query: str, *args: object) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(**database)
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


def assert_moments_in_order(row: asyncpg.Record) -> None:
    """A connected call has every moment, from arrival to hangup, in order."""
    moments = [row[name] for name in CALL_MOMENTS]
    assert all(moments), dict(zip(CALL_MOMENTS, moments, strict=True))
    assert moments == sorted(moments)


async def ended_calls(database: dict[str, Any], seconds: float = 10) -> list[asyncpg.Record]:
    """Every call row, once all of them have ended."""
    async with asyncio.timeout(seconds):
        while True:
            rows = await fetch(database, "SELECT * FROM calls ORDER BY started_at")
            if rows and all(row["ended_at"] is not None for row in rows):
                return rows
            await asyncio.sleep(0.1)


async def ended_call(database: dict[str, Any], call_id: str, seconds: float = 40) -> asyncpg.Record:
    """One call's row, once it has ended."""
    async with asyncio.timeout(seconds):
        while True:
            rows = await fetch(
                database, "SELECT * FROM calls WHERE id = $1 AND ended_at IS NOT NULL", call_id
            )
            if rows:
                return rows[0]
            await asyncio.sleep(0.1)

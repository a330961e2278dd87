"""The PostgreSQL connection pool and the ordered SQL migrations applied at start."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import asyncpg
import structlog

log = structlog.get_logger(__name__)

# Any fixed number works; it only keeps two controllers from migrating at once.
_MIGRATION_LOCK = 12368_0001
_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


class StoreError(RuntimeError):
    code = "store-error"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    found = []
    for entry in resources.files("store.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if versions != list(range(1, len(found) + 1)):
        raise StoreError(f"migration versions must be 1..N without gaps, found {versions}")
    return found


async def create_pool(connect_params: dict[str, Any], *, max_size: int = 10) -> asyncpg.Pool:
    try:
        pool = await asyncpg.create_pool(min_size=1, max_size=max_size, **connect_params)
    except (OSError, asyncpg.PostgresError) as exc:
        where = (connect_params.get("dsn") and "HOTLINE_DATABASE_URL") or (
            f"{connect_params.get('host')}:{connect_params.get('port')}"
        )
        raise StoreError(f"cannot connect to PostgreSQL at {where}: {exc}") from exc
    assert pool is not None
    return pool


async def migrate(pool: asyncpg.Pool) -> list[int]:
    """Apply each migration not yet recorded, one transaction each; returns those applied."""
    applied_now = []
    async with pool.acquire() as connection:
        await connection.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
        try:
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {
                row["version"]
                for row in await connection.fetch("SELECT version FROM schema_migrations")
            }
            for migration in migrations():
                if migration.version in done:
                    continue
                async with connection.transaction():
                    await connection.execute(migration.sql)
                    await connection.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                        migration.version,
                        migration.name,
                    )
                log.info("migration applied", version=migration.version, name=migration.name)
                applied_now.append(migration.version)
        finally:
            await connection.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied_now

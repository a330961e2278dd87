"""Where cases are looked up by query code: our PostgreSQL table, later a court's case system."""

from __future__ import annotations

from typing import Protocol

from cases.model import CaseRecord
from cases.store import CaseStore


class CaseDirectory(Protocol):
    async def find(self, query_code: str) -> CaseRecord | None:
        """The case and its password hash, or None when no case has this code."""
        ...

    async def replace_password_hash(self, query_code: str, old_hash: str, new_hash: str) -> None:
        """Keep a hash re-made with today's parameters; a directory that cannot may ignore it."""
        ...


class PostgresCaseDirectory:
    """Cases imported from the courts' exports into the `cases` table."""

    def __init__(self, store: CaseStore) -> None:
        self._store = store

    async def find(self, query_code: str) -> CaseRecord | None:
        return await self._store.find(query_code)

    async def replace_password_hash(self, query_code: str, old_hash: str, new_hash: str) -> None:
        await self._store.replace_password_hash(query_code, old_hash, new_hash)

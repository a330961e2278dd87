"""Runs the knowledge base: searches it, and makes each change with its revision in one transaction.

An edit names the version it was made on; when another edit came first the entry is locked and
the stale edit refused (knowledge-conflict), so no one's change is lost without them knowing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime

import asyncpg
import structlog

from knowledge import policy
from knowledge.errors import DuplicateQuestion, EntryConflict, EntryNotFound
from knowledge.model import Draft, Entry, Found, ImportCounts, Revision, RevisionAction, Search
from knowledge.store import KnowledgeStore

log = structlog.get_logger(__name__)


def _duplicate(question_holder: int | None) -> DuplicateQuestion:
    which = f"entry {question_holder}" if question_holder is not None else "another entry"
    return DuplicateQuestion(
        f"question: {which} already asks this question; edit that one instead",
        other_id=question_holder,
    )


class KnowledgeService:
    def __init__(self, store: KnowledgeStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    # ---- reading ---------------------------------------------------------------------------
    async def search(self, search: Search) -> list[Found]:
        """Entries for the words of `search.query` (none when it has no searchable word),
        else those with `search.tag`, else the most used."""
        tag_term = policy.tag_term(search.tag) if search.tag is not None else None
        if search.query is not None:
            wanted = policy.query_terms(search.query)
            if not wanted:
                return []
            return await self._store.search(wanted, tag_term, search.limit)
        if tag_term is not None:
            return await self._store.tagged(tag_term, search.limit)
        return await self._store.most_used(search.limit)

    async def get(self, entry_id: int) -> Entry:
        entry = await self._store.get(entry_id)
        if entry is None:
            raise EntryNotFound(f"no knowledge entry {entry_id}")
        return entry

    async def history(self, entry_id: int) -> list[Revision]:
        await self.get(entry_id)
        return await self._store.revisions(entry_id)

    async def use(self, entry_id: int) -> Entry:
        """An agent used the answer on a call: one more use, and the text to paste."""
        entry = await self._store.use(entry_id)
        if entry is None:
            archived = await self.get(entry_id)
            raise EntryConflict(
                f"knowledge entry {entry_id} is archived", current_version=archived.version
            )
        log.debug("knowledge entry used", entry=entry.id, use_count=entry.use_count)
        return entry

    # ---- changing --------------------------------------------------------------------------
    async def create(self, draft: Draft, by: str) -> Entry:
        now = self._clock()
        try:
            async with self._store.pool.acquire() as connection, connection.transaction():
                holder = await self._store.asked_by(connection, draft.question)
                if holder is not None:
                    raise _duplicate(holder)
                entry = await self._store.insert(
                    connection, draft, policy.index_terms(draft), by, now
                )
                await self._store.add_revision(connection, entry, RevisionAction.CREATED)
        except asyncpg.UniqueViolationError as exc:
            # Another editor created the same question between the check and the insert.
            raise _duplicate(None) from exc
        log.info("knowledge entry created", entry=entry.id, by=by)
        return entry

    async def update(self, entry_id: int, draft: Draft, version: int, by: str) -> Entry:
        """Replaces the entry's content, if `version` is still the entry's."""
        now = self._clock()
        try:
            async with self._store.pool.acquire() as connection, connection.transaction():
                current = await self._locked(connection, entry_id)
                if current.archived:
                    raise EntryConflict(
                        f"knowledge entry {entry_id} is archived",
                        current_version=current.version,
                    )
                if current.version != version:
                    raise EntryConflict(
                        f"version: entry {entry_id} was changed by {current.updated_by} (now"
                        f" version {current.version}, not {version}); reload it and edit again",
                        current_version=current.version,
                    )
                if current.has_content(draft):
                    return current
                holder = await self._store.asked_by(connection, draft.question, other_than=entry_id)
                if holder is not None:
                    raise _duplicate(holder)
                entry = await self._store.update(
                    connection, entry_id, draft, policy.index_terms(draft), by, now
                )
                await self._store.add_revision(connection, entry, RevisionAction.EDITED)
        except asyncpg.UniqueViolationError as exc:
            raise _duplicate(None) from exc
        log.info("knowledge entry edited", entry=entry.id, version=entry.version, by=by)
        return entry

    async def archive(self, entry_id: int, by: str) -> Entry:
        """Takes the entry out of search for good; archiving it again changes nothing."""
        now = self._clock()
        async with self._store.pool.acquire() as connection, connection.transaction():
            current = await self._locked(connection, entry_id)
            if current.archived:
                return current
            entry = await self._store.archive(connection, entry_id, by, now)
            await self._store.add_revision(connection, entry, RevisionAction.ARCHIVED)
        log.info("knowledge entry archived", entry=entry.id, by=by)
        return entry

    async def import_drafts(self, drafts: Sequence[Draft], by: str) -> ImportCounts:
        """In one transaction: each draft updates the live entry asking its question, or is new."""
        now = self._clock()
        created = updated = unchanged = 0
        async with self._store.pool.acquire() as connection, connection.transaction():
            for draft in drafts:
                current = await self._store.lock_by_question(connection, draft.question)
                if current is not None and current.has_content(draft):
                    unchanged += 1
                    continue
                terms = policy.index_terms(draft)
                if current is None:
                    entry = await self._store.insert(connection, draft, terms, by, now)
                    created += 1
                else:
                    entry = await self._store.update(connection, current.id, draft, terms, by, now)
                    updated += 1
                await self._store.add_revision(connection, entry, RevisionAction.IMPORTED)
        return ImportCounts(created, updated, unchanged)

    async def reindex(self) -> int:
        """Computes every entry's search terms again, after `policy`'s terms have changed."""
        contents = await self._store.live_contents()
        terms = await asyncio.to_thread(
            lambda: [(entry_id, policy.index_terms(draft)) for entry_id, draft in contents]
        )
        await self._store.replace_all_terms(terms)
        log.info("knowledge entries reindexed", entries=len(terms))
        return len(terms)

    async def _locked(self, connection: asyncpg.Connection, entry_id: int) -> Entry:
        entry = await self._store.lock(connection, entry_id)
        if entry is None:
            raise EntryNotFound(f"no knowledge entry {entry_id}")
        return entry

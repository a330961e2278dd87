"""PostgreSQL rows of knowledge-base entries, their revisions, and the terms they are found by.

Only live entries have terms: archiving an entry removes them, so search never sees it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from knowledge.model import Draft, Entry, Found, Revision, RevisionAction, WeightedTerm


def entry_from_row(row: asyncpg.Record) -> Entry:
    return Entry(
        id=row["id"],
        question=row["question"],
        answer=row["answer"],
        tags=tuple(row["tags"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
        version=row["version"],
        archived=row["archived"],
        use_count=row["use_count"],
    )


class KnowledgeStore:
    """Every method taking a connection runs inside the caller's transaction."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    # ---- writing ---------------------------------------------------------------------------
    @staticmethod
    async def insert(
        connection: asyncpg.Connection,
        draft: Draft,
        terms: Sequence[str],
        by: str,
        at: datetime,
    ) -> Entry:
        row = await connection.fetchrow(
            "INSERT INTO knowledge_entries (question, answer, tags, created_by, created_at,"
            " updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $4, $5)"
            " RETURNING id, question, answer, tags, created_by, created_at, updated_by,"
            " updated_at, version, archived, use_count",
            draft.question,
            draft.answer,
            list(draft.tags),
            by,
            at,
        )
        entry = entry_from_row(row)
        await KnowledgeStore._add_terms(connection, entry.id, terms)
        return entry

    @staticmethod
    async def _add_terms(
        connection: asyncpg.Connection, entry_id: int, terms: Sequence[str]
    ) -> None:
        await connection.execute(
            "INSERT INTO knowledge_terms (term, entry_id) SELECT unnest($2::text[]), $1",
            entry_id,
            list(terms),
        )

    @staticmethod
    async def _remove_terms(connection: asyncpg.Connection, entry_id: int) -> None:
        await connection.execute("DELETE FROM knowledge_terms WHERE entry_id = $1", entry_id)

    @staticmethod
    async def lock(connection: asyncpg.Connection, entry_id: int) -> Entry | None:
        row = await connection.fetchrow(
            "SELECT id, question, answer, tags, created_by, created_at, updated_by, updated_at,"
            " version, archived, use_count FROM knowledge_entries WHERE id = $1 FOR UPDATE",
            entry_id,
        )
        return entry_from_row(row) if row else None

    @staticmethod
    async def lock_by_question(connection: asyncpg.Connection, question: str) -> Entry | None:
        """The live entry asking exactly this question, locked."""
        row = await connection.fetchrow(
            "SELECT id, question, answer, tags, created_by, created_at, updated_by, updated_at,"
            " version, archived, use_count FROM knowledge_entries"
            " WHERE question = $1 AND NOT archived FOR UPDATE",
            question,
        )
        return entry_from_row(row) if row else None

    @staticmethod
    async def asked_by(
        connection: asyncpg.Connection, question: str, *, other_than: int | None = None
    ) -> int | None:
        """The id of a live entry (other than `other_than`) asking exactly this question."""
        entry_id: int | None = await connection.fetchval(
            "SELECT id FROM knowledge_entries WHERE question = $1 AND NOT archived"
            " AND id IS DISTINCT FROM $2",
            question,
            other_than,
        )
        return entry_id

    @staticmethod
    async def update(
        connection: asyncpg.Connection,
        entry_id: int,
        draft: Draft,
        terms: Sequence[str],
        by: str,
        at: datetime,
    ) -> Entry:
        row = await connection.fetchrow(
            "UPDATE knowledge_entries SET question = $2, answer = $3, tags = $4,"
            " updated_by = $5, updated_at = $6, version = version + 1 WHERE id = $1"
            " RETURNING id, question, answer, tags, created_by, created_at, updated_by,"
            " updated_at, version, archived, use_count",
            entry_id,
            draft.question,
            draft.answer,
            list(draft.tags),
            by,
            at,
        )
        await KnowledgeStore._remove_terms(connection, entry_id)
        await KnowledgeStore._add_terms(connection, entry_id, terms)
        return entry_from_row(row)

    @staticmethod
    async def archive(
        connection: asyncpg.Connection, entry_id: int, by: str, at: datetime
    ) -> Entry:
        row = await connection.fetchrow(
            "UPDATE knowledge_entries SET archived = true, updated_by = $2, updated_at = $3,"
            " version = version + 1 WHERE id = $1"
            " RETURNING id, question, answer, tags, created_by, created_at, updated_by,"
            " updated_at, version, archived, use_count",
            entry_id,
            by,
            at,
        )
        await KnowledgeStore._remove_terms(connection, entry_id)
        return entry_from_row(row)

    @staticmethod
    async def add_revision(
        connection: asyncpg.Connection, entry: Entry, action: RevisionAction
    ) -> None:
        """Records `entry` as the change by its `updated_by` at its `updated_at` left it."""
        await connection.execute(
            "INSERT INTO knowledge_revisions (entry_id, version, action, at, actor, question,"
            " answer, tags) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            entry.id,
            entry.version,
            action.value,
            entry.updated_at,
            entry.updated_by,
            entry.question,
            entry.answer,
            list(entry.tags),
        )

    async def use(self, entry_id: int) -> Entry | None:
        """One more use of a live entry; None if there is no such live entry."""
        row = await self.pool.fetchrow(
            "UPDATE knowledge_entries SET use_count = use_count + 1"
            " WHERE id = $1 AND NOT archived"
            " RETURNING id, question, answer, tags, created_by, created_at, updated_by,"
            " updated_at, version, archived, use_count",
            entry_id,
        )
        return entry_from_row(row) if row else None

    async def live_contents(self) -> list[tuple[int, Draft]]:
        """Every live entry's content, to compute its terms again."""
        rows = await self.pool.fetch(
            "SELECT id, question, answer, tags FROM knowledge_entries WHERE NOT archived"
            " ORDER BY id"
        )
        return [
            (row["id"], Draft(row["question"], row["answer"], tuple(row["tags"]))) for row in rows
        ]

    async def replace_all_terms(self, terms_by_id: Sequence[tuple[int, Sequence[str]]]) -> None:
        async with self.pool.acquire() as connection, connection.transaction():
            # Edits wait for the rebuild rather than add terms it would then drop.
            await connection.execute("LOCK TABLE knowledge_terms IN EXCLUSIVE MODE")
            await connection.execute("DELETE FROM knowledge_terms")
            await connection.copy_records_to_table(
                "knowledge_terms",
                columns=("term", "entry_id"),
                records=((term, entry_id) for entry_id, terms in terms_by_id for term in terms),
            )

    # ---- reading ---------------------------------------------------------------------------
    async def get(self, entry_id: int) -> Entry | None:
        row = await self.pool.fetchrow(
            "SELECT id, question, answer, tags, created_by, created_at, updated_by, updated_at,"
            " version, archived, use_count FROM knowledge_entries WHERE id = $1",
            entry_id,
        )
        return entry_from_row(row) if row else None

    async def revisions(self, entry_id: int) -> list[Revision]:
        rows = await self.pool.fetch(
            "SELECT entry_id, version, action, at, actor, question, answer, tags"
            " FROM knowledge_revisions WHERE entry_id = $1 ORDER BY version",
            entry_id,
        )
        return [
            Revision(
                entry_id=row["entry_id"],
                version=row["version"],
                action=RevisionAction(row["action"]),
                at=row["at"],
                by=row["actor"],
                question=row["question"],
                answer=row["answer"],
                tags=tuple(row["tags"]),
            )
            for row in rows
        ]

    async def search(
        self, wanted: Sequence[WeightedTerm], tag_term: str | None, limit: int
    ) -> list[Found]:
        """Live entries holding any wanted term (and the tag, if given), best first: the sum of
        the weights of the terms held, then the most used, then the most recently changed."""
        rows = await self.pool.fetch(
            "SELECT e.id, e.question, e.answer, e.tags, e.created_by, e.created_at, e.updated_by,"
            " e.updated_at, e.version, e.archived, e.use_count, held.score"
            " FROM (SELECT held_term.entry_id, sum(wanted.weight)::integer AS score"
            "  FROM unnest($1::text[], $2::integer[]) AS wanted (term, weight)"
            "  JOIN knowledge_terms AS held_term ON held_term.term = wanted.term"
            "  GROUP BY held_term.entry_id) AS held"
            " JOIN knowledge_entries AS e ON e.id = held.entry_id"
            " WHERE NOT e.archived AND ($3::text IS NULL OR EXISTS (SELECT FROM knowledge_terms"
            "  AS tag WHERE tag.term = $3::text AND tag.entry_id = e.id))"
            " ORDER BY held.score DESC, e.use_count DESC, e.updated_at DESC, e.id DESC"
            " LIMIT $4",
            [term.term for term in wanted],
            [term.weight for term in wanted],
            tag_term,
            limit,
        )
        return [Found(entry_from_row(row), row["score"]) for row in rows]

    async def tagged(self, tag_term: str, limit: int) -> list[Found]:
        rows = await self.pool.fetch(
            "SELECT e.id, e.question, e.answer, e.tags, e.created_by, e.created_at, e.updated_by,"
            " e.updated_at, e.version, e.archived, e.use_count"
            " FROM knowledge_terms AS tag JOIN knowledge_entries AS e ON e.id = tag.entry_id"
            " WHERE tag.term = $1 AND NOT e.archived"
            " ORDER BY e.use_count DESC, e.updated_at DESC, e.id DESC LIMIT $2",
            tag_term,
            limit,
        )
        return [Found(entry_from_row(row), 0) for row in rows]

    async def most_used(self, limit: int) -> list[Found]:
        rows = await self.pool.fetch(
            "SELECT id, question, answer, tags, created_by, created_at, updated_by, updated_at,"
            " version, archived, use_count FROM knowledge_entries WHERE NOT archived"
            " ORDER BY use_count DESC, updated_at DESC, id DESC LIMIT $1",
            limit,
        )
        return [Found(entry_from_row(row), 0) for row in rows]

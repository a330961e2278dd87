"""PostgreSQL rows of urgent contacts and of each number rung, with outcomes and timing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from directory.model import ContactStep
from urgent.model import ContactOutcome, LegOutcome


@dataclass(frozen=True)
class NewContact:
    call_id: str
    court_id: str
    case_number: str
    caller_number: str
    initiated_by: str
    started_at: datetime


@dataclass(frozen=True)
class StepRow:
    step_no: int
    role: str
    name: str
    number: str
    dialled_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: str | None
    cause: int | None


@dataclass(frozen=True)
class ContactRow:
    id: int
    call_id: str
    court_id: str
    case_number: str
    initiated_by: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    steps: list[StepRow]


class UrgentStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def create(self, contact: NewContact) -> int:
        contact_id: int = await self._pool.fetchval(
            "INSERT INTO urgent_contacts"
            " (call_id, court_id, case_number, caller_number, initiated_by, started_at)"
            " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            contact.call_id,
            contact.court_id,
            contact.case_number,
            contact.caller_number,
            contact.initiated_by,
            contact.started_at,
        )
        return contact_id

    async def recent(
        self, court_id: str, case_number: str, caller_number: str, since: datetime
    ) -> tuple[list[datetime], list[datetime]]:
        """Start times since `since`: of contacts on this case, and of contacts by this caller."""
        rows = await self._pool.fetch(
            "SELECT started_at, (court_id = $1 AND case_number = $2) AS same_case,"
            " caller_number = $3 AS same_caller FROM urgent_contacts"
            " WHERE started_at >= $4"
            " AND ((court_id = $1 AND case_number = $2) OR caller_number = $3)",
            court_id,
            case_number,
            caller_number,
            since,
        )
        by_case = [row["started_at"] for row in rows if row["same_case"]]
        by_caller = [row["started_at"] for row in rows if row["same_caller"]]
        return by_case, by_caller

    async def step_dialled(
        self, contact_id: int, step_no: int, step: ContactStep, channel_id: str, at: datetime
    ) -> None:
        await self._pool.execute(
            "INSERT INTO urgent_contact_steps"
            " (contact_id, step_no, role, name, number, channel_id, dialled_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            contact_id,
            step_no,
            step.role.value,
            step.name,
            step.number,
            channel_id,
            at,
        )

    async def step_answered(self, contact_id: int, step_no: int, at: datetime) -> None:
        await self._pool.execute(
            "UPDATE urgent_contact_steps SET answered_at = $3"
            " WHERE contact_id = $1 AND step_no = $2 AND answered_at IS NULL",
            contact_id,
            step_no,
            at,
        )

    async def step_ended(
        self, contact_id: int, step_no: int, outcome: LegOutcome, cause: int | None, at: datetime
    ) -> None:
        await self._pool.execute(
            "UPDATE urgent_contact_steps SET outcome = $3, cause = $4, ended_at = $5"
            " WHERE contact_id = $1 AND step_no = $2 AND outcome IS NULL",
            contact_id,
            step_no,
            outcome.value,
            cause,
            at,
        )

    async def finished(
        self, contact_id: int, outcome: ContactOutcome, bridged_step: int | None, at: datetime
    ) -> None:
        await self._pool.execute(
            "UPDATE urgent_contacts SET outcome = $2, bridged_step = $3, ended_at = $4"
            " WHERE id = $1 AND outcome IS NULL",
            contact_id,
            outcome.value,
            bridged_step,
            at,
        )

    async def contact(self, contact_id: int) -> ContactRow | None:
        row = await self._pool.fetchrow(
            "SELECT id, call_id, court_id, case_number, initiated_by, started_at, ended_at,"
            " outcome FROM urgent_contacts WHERE id = $1",
            contact_id,
        )
        if row is None:
            return None
        return ContactRow(
            row["id"],
            row["call_id"],
            row["court_id"],
            row["case_number"],
            row["initiated_by"],
            row["started_at"],
            row["ended_at"],
            row["outcome"],
            await self.steps(contact_id),
        )

    async def steps(self, contact_id: int) -> list[StepRow]:
        rows = await self._pool.fetch(
            "SELECT step_no, role, name, number, dialled_at, answered_at, ended_at, outcome, cause"
            " FROM urgent_contact_steps WHERE contact_id = $1 ORDER BY step_no",
            contact_id,
        )
        return [
            StepRow(
                row["step_no"],
                row["role"],
                row["name"],
                row["number"],
                row["dialled_at"],
                row["answered_at"],
                row["ended_at"],
                row["outcome"],
                row["cause"],
            )
            for row in rows
        ]

    async def close_unfinished(self, at: datetime) -> int:
        """At start: contacts a previous process left under way cannot go on; say so."""
        result = await self._pool.execute(
            "UPDATE urgent_contacts SET outcome = 'interrupted', ended_at = $1"
            " WHERE outcome IS NULL",
            at,
        )
        return int(str(result).split()[-1])

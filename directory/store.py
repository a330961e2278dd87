"""PostgreSQL rows of the directory: written by imports and the API, read when calls need them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from directory.model import CaseContacts, CaseFile, Court, Division, Judge, Person


@dataclass(frozen=True)
class DirectoryData:
    """A batch to write: an import file, or one edit through the API."""

    courts: Sequence[Court] = ()
    divisions: Sequence[Division] = ()
    judges: Sequence[Judge] = ()
    cases: Sequence[CaseFile] = ()


@dataclass(frozen=True)
class WriteCounts:
    courts: int
    divisions: int
    judges: int
    cases: int


def _person(name: str | None, mobile: str | None) -> Person | None:
    return Person(name, mobile) if name else None


def _judge(row: asyncpg.Record) -> Judge:
    return Judge(
        id=row["id"],
        court_id=row["court_id"],
        name=row["name"],
        division_id=row["division_id"],
        mobile=row["mobile"],
        office_phone=row["office_phone"],
        assistant=_person(row["assistant_name"], row["assistant_mobile"]),
    )


def _division(row: asyncpg.Record) -> Division:
    return Division(
        id=row["id"],
        court_id=row["court_id"],
        name=row["name"],
        office_phone=row["office_phone"],
        head_judge_id=row["head_judge_id"],
        clerk=_person(row["clerk_name"], row["clerk_mobile"]),
    )


def _court(row: asyncpg.Record) -> Court:
    return Court(
        id=row["id"],
        name=row["name"],
        supervision_office=_person(row["supervision_office_name"], row["supervision_office_phone"]),
        duty_judge_id=row["duty_judge_id"],
    )


_UPSERT_DIVISION = (
    "INSERT INTO directory_divisions"
    " (id, court_id, name, office_phone, head_judge_id, clerk_name, clerk_mobile)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT (id) DO UPDATE SET court_id = excluded.court_id,"
    " name = excluded.name, office_phone = excluded.office_phone,"
    " head_judge_id = excluded.head_judge_id, clerk_name = excluded.clerk_name,"
    " clerk_mobile = excluded.clerk_mobile, updated_at = now()"
)
_UPSERT_JUDGE = (
    "INSERT INTO directory_judges (id, court_id, division_id, name, mobile,"
    " office_phone, assistant_name, assistant_mobile)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    " ON CONFLICT (id) DO UPDATE SET court_id = excluded.court_id,"
    " division_id = excluded.division_id, name = excluded.name,"
    " mobile = excluded.mobile, office_phone = excluded.office_phone,"
    " assistant_name = excluded.assistant_name,"
    " assistant_mobile = excluded.assistant_mobile, updated_at = now()"
)
# A row a conflict updated has the updating transaction in xmax; a new row has 0.
_INSERTED = " RETURNING (xmax = 0) AS inserted"


def _division_values(division: Division) -> tuple[str | None, ...]:
    return (
        division.id,
        division.court_id,
        division.name,
        division.office_phone,
        division.head_judge_id,
        division.clerk.name if division.clerk else None,
        division.clerk.mobile if division.clerk else None,
    )


def _judge_values(judge: Judge) -> tuple[str | None, ...]:
    return (
        judge.id,
        judge.court_id,
        judge.division_id,
        judge.name,
        judge.mobile,
        judge.office_phone,
        judge.assistant.name if judge.assistant else None,
        judge.assistant.mobile if judge.assistant else None,
    )


class DirectoryStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def write(self, data: DirectoryData) -> WriteCounts:
        """Insert or update everything in `data` in one transaction (references checked at commit).

        A case's parties are replaced by the ones given; nothing missing from `data` is deleted.
        """
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.executemany(
                "INSERT INTO directory_courts (id, name, supervision_office_name,"
                " supervision_office_phone, duty_judge_id) VALUES ($1, $2, $3, $4, $5)"
                " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
                " supervision_office_name = excluded.supervision_office_name,"
                " supervision_office_phone = excluded.supervision_office_phone,"
                " duty_judge_id = excluded.duty_judge_id, updated_at = now()",
                [
                    (
                        court.id,
                        court.name,
                        court.supervision_office.name if court.supervision_office else None,
                        court.supervision_office.mobile if court.supervision_office else None,
                        court.duty_judge_id,
                    )
                    for court in data.courts
                ],
            )
            await connection.executemany(
                _UPSERT_DIVISION, [_division_values(division) for division in data.divisions]
            )
            await connection.executemany(
                _UPSERT_JUDGE, [_judge_values(judge) for judge in data.judges]
            )
            await connection.executemany(
                "INSERT INTO case_files (court_id, case_number, division_id, judge_id)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (court_id, case_number) DO UPDATE"
                " SET division_id = excluded.division_id, judge_id = excluded.judge_id,"
                " updated_at = now()",
                [(c.court_id, c.case_number, c.division_id, c.judge_id) for c in data.cases],
            )
            if data.cases:
                await connection.execute(
                    "DELETE FROM case_parties p USING unnest($1::text[], $2::text[])"
                    " AS given (court_id, case_number)"
                    " WHERE p.court_id = given.court_id AND p.case_number = given.case_number",
                    [c.court_id for c in data.cases],
                    [c.case_number for c in data.cases],
                )
                await connection.executemany(
                    "INSERT INTO case_parties (court_id, case_number, phone) VALUES ($1, $2, $3)"
                    " ON CONFLICT DO NOTHING",
                    [(c.court_id, c.case_number, p) for c in data.cases for p in c.party_phones],
                )
        return WriteCounts(len(data.courts), len(data.divisions), len(data.judges), len(data.cases))

    async def upsert_division(self, division: Division) -> bool:
        """Insert or replace one division (an API edit); True when it is new."""
        inserted: bool = await self._pool.fetchval(
            _UPSERT_DIVISION + _INSERTED, *_division_values(division)
        )
        return inserted

    async def upsert_judge(self, judge: Judge) -> bool:
        """Insert or replace one judge (an API edit); True when it is new."""
        inserted: bool = await self._pool.fetchval(_UPSERT_JUDGE + _INSERTED, *_judge_values(judge))
        return inserted

    async def court(self, court_id: str) -> Court | None:
        row = await self._pool.fetchrow(
            "SELECT * FROM directory_courts WHERE id = $1",
            court_id,
        )
        return _court(row) if row else None

    async def division(self, division_id: str) -> Division | None:
        row = await self._pool.fetchrow(
            "SELECT * FROM directory_divisions WHERE id = $1",
            division_id,
        )
        return _division(row) if row else None

    async def judge(self, judge_id: str) -> Judge | None:
        row = await self._pool.fetchrow(
            "SELECT * FROM directory_judges WHERE id = $1",
            judge_id,
        )
        return _judge(row) if row else None

    async def courts(self) -> list[Court]:
        rows = await self._pool.fetch("SELECT * FROM directory_courts ORDER BY id")
        return [_court(row) for row in rows]

    async def divisions(self, court_id: str | None = None) -> list[Division]:
        rows = await self._pool.fetch(
            "SELECT * FROM directory_divisions WHERE $1::text IS NULL OR court_id = $1 ORDER BY id",
            court_id,
        )
        return [_division(row) for row in rows]

    async def judges(self, court_id: str | None = None) -> list[Judge]:
        rows = await self._pool.fetch(
            "SELECT * FROM directory_judges WHERE $1::text IS NULL OR court_id = $1 ORDER BY id",
            court_id,
        )
        return [_judge(row) for row in rows]

    async def divisions_headed_by(self, judge_id: str) -> list[Division]:
        rows = await self._pool.fetch(
            "SELECT * FROM directory_divisions WHERE head_judge_id = $1 ORDER BY id",
            judge_id,
        )
        return [_division(row) for row in rows]

    async def case_file(self, court_id: str, case_number: str) -> CaseFile | None:
        row = await self._pool.fetchrow(
            "SELECT f.court_id, f.case_number, f.division_id, f.judge_id,"
            " coalesce(array_agg(p.phone ORDER BY p.phone)"
            " FILTER (WHERE p.phone IS NOT NULL), '{}') AS phones"
            " FROM case_files f LEFT JOIN case_parties p"
            " ON p.court_id = f.court_id AND p.case_number = f.case_number"
            " WHERE f.court_id = $1 AND f.case_number = $2"
            " GROUP BY f.court_id, f.case_number",
            court_id,
            case_number,
        )
        if row is None:
            return None
        return CaseFile(
            row["court_id"],
            row["case_number"],
            row["division_id"],
            row["judge_id"],
            tuple(row["phones"]),
        )

    async def cases_of_party(self, phone: str) -> list[CaseFile]:
        """The cases whose parties include this number (a caller recognised by number)."""
        rows = await self._pool.fetch(
            "SELECT court_id, case_number FROM case_parties WHERE phone = $1"
            " ORDER BY court_id, case_number",
            phone,
        )
        found = [await self.case_file(row["court_id"], row["case_number"]) for row in rows]
        return [case for case in found if case is not None]

    async def contacts(self, court_id: str, case_number: str) -> CaseContacts | None:
        """The case with its court, division, judge in charge, division head and duty judge."""
        case = await self.case_file(court_id, case_number)
        if case is None:
            return None
        judge = await self.judge(case.judge_id) if case.judge_id else None
        division_id = case.division_id or (judge.division_id if judge else None)
        division = await self.division(division_id) if division_id else None
        court = await self.court(case.court_id)
        head = (
            await self.judge(division.head_judge_id)
            if division and division.head_judge_id
            else None
        )
        duty = await self.judge(court.duty_judge_id) if court and court.duty_judge_id else None
        return CaseContacts(case, court, division, judge, head, duty)

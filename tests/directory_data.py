"""A small directory the tests share: one court, one division, its judge, head and office."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cases.importer import import_cases
from directory.model import CaseFile, Court, Division, Judge, Person
from directory.store import DirectoryData, DirectoryStore
from store.database import create_pool, migrate

CASE_NUMBER = "(2026)京0105民初100号"
QUERY_CODE = "20260105100"
PASSWORD = "8888"
JUDGE_MOBILE = "13800000001"
OFFICE_PHONE = "01065000001"
HEAD_MOBILE = "13800000002"
CLERK_MOBILE = "13800000009"
PARTY_PHONE = "13912345678"
# A short status (no hearing), so a caller reaches the next menu soon after.
CASES_CSV = (
    "case_number,court_id,division,query_code,password,stage,judge_name,next_hearing,"
    "last_event,last_event_at\n"
    f"{CASE_NUMBER},chaoyang,民一庭,{QUERY_CODE},{PASSWORD},审理中,张明,,已立案,\n"
)

DIRECTORY = DirectoryData(
    courts=[
        Court(
            "chaoyang",
            "北京市朝阳区人民法院",
            supervision_office=Person("督查室", "01065009999"),
        )
    ],
    divisions=[
        Division(
            "cy-civil1",
            "chaoyang",
            "民一庭",
            office_phone=OFFICE_PHONE,
            head_judge_id="cy-li",
            clerk=Person("王内勤", CLERK_MOBILE),
        )
    ],
    judges=[
        Judge("cy-zhang", "chaoyang", "张明", "cy-civil1", mobile=JUDGE_MOBILE),
        Judge("cy-li", "chaoyang", "李庭长", "cy-civil1", mobile=HEAD_MOBILE),
    ],
    cases=[CaseFile("chaoyang", CASE_NUMBER, "cy-civil1", "cy-zhang", (PARTY_PHONE,))],
)


async def load_directory(database: dict[str, Any], workdir: Path) -> None:
    """The directory and the case's self-service credentials, as the imports would write them."""
    pool = await create_pool(database, max_size=1)
    try:
        await migrate(pool)
        await DirectoryStore(pool).write(DIRECTORY)
        source = workdir / "cases.csv"
        workdir.mkdir(parents=True, exist_ok=True)
        source.write_text(CASES_CSV, encoding="utf-8")
        assert (await import_cases(source, pool)).inserted == 1
    finally:
        await pool.close()

"""Importing a court's case export into the real PostgreSQL: good rows in, bad rows listed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from cases.errors import CaseImportError
from cases.importer import COURT_TIMEZONE, import_cases
from cases.passwords import verify_password
from store.database import create_pool, migrate
from tests.support import fetch

HEADER = (
    "case_number,court_id,division,query_code,password,stage,judge_name,"
    "next_hearing,last_event,last_event_at\n"
)
EXPORT = HEADER + (
    "(2024)京0105民初12345号,bj-chaoyang,民一庭,100200300,4821,审理中,王芳,"
    "2024-07-01 09:30,已排期开庭,2024-06-01 15:00\n"
    "(2024)京0105民初12346号,bj-chaoyang,,100200301,55667788,已立案,李强,,立案,\n"
    "(2024)京0105民初12347号,bj-chaoyang,民二庭,10020,4821,审理中,赵敏,,立案,\n"
    "(2024)京0108民初500号,bj-haidian,,100200302,4821,审理中,陈静,2024-07-32 09:00,立案,\n"
    "(2024)京0108民初501号,bj-haidian,,100200303,12ab,审理中,陈静,,立案,\n"
    "(2024)京0108民初502号,bj-haidian,,100200304,9999,已结案,孙伟,,判决送达,2024-05-20 10:00\n"
)


@pytest.fixture
async def pool(database: dict[str, Any]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database)
    await migrate(pool)
    yield pool
    await pool.close()


def write(tmp_path: Path, text: str, *, encoding: str = "utf-8", name: str = "cases.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


async def test_good_rows_imported_bad_rows_listed_by_line(
    pool: asyncpg.Pool, database: dict[str, Any], tmp_path: Path
) -> None:
    path = write(tmp_path, EXPORT)
    report = await import_cases(path, pool)

    assert (report.inserted, report.updated, report.rejected) == (3, 0, 3)
    assert [str(error) for error in report.errors] == [
        f"{path}:4: query_code: a case query code must be 6 to 20 digits",
        f"{path}:5: next_hearing: expected a date and time like 2024-06-01 09:30,"
        " not '2024-07-32 09:00'",
        f"{path}:6: password: a case password must be 4 to 12 digits",
    ]
    rows = await fetch(database, "SELECT * FROM cases ORDER BY query_code")
    assert [row["query_code"] for row in rows] == ["100200300", "100200301", "100200304"]
    first = rows[0]
    assert first["case_number"] == "(2024)京0105民初12345号"
    assert first["division"] == "民一庭"
    assert first["next_hearing"] == datetime(2024, 7, 1, 9, 30, tzinfo=COURT_TIMEZONE)
    assert rows[1]["division"] is None
    assert rows[1]["next_hearing"] is None


async def test_password_stored_only_as_a_verifiable_hash(
    pool: asyncpg.Pool, database: dict[str, Any], tmp_path: Path
) -> None:
    await import_cases(write(tmp_path, EXPORT), pool)
    (row,) = await fetch(
        database, "SELECT password_hash FROM cases WHERE query_code = $1", "100200301"
    )
    password_hash = row["password_hash"]
    assert password_hash != "55667788"
    assert "55667788" not in password_hash
    assert password_hash.startswith("$argon2id$")
    # argon2 takes tens of milliseconds: off the loop, as the service does it.
    assert await asyncio.to_thread(verify_password, password_hash, "55667788")
    assert not await asyncio.to_thread(verify_password, password_hash, "55667789")


async def test_reimport_updates_cases_by_query_code_and_keeps_the_rest(
    pool: asyncpg.Pool, database: dict[str, Any], tmp_path: Path
) -> None:
    await import_cases(write(tmp_path, EXPORT), pool)
    later = HEADER + (
        "(2024)京0105民初12345号,bj-chaoyang,民一庭,100200300,1357,已结案,王芳,,判决送达,"
        "2024-07-15 16:00\n"
        "(2024)京0105民初20000号,bj-chaoyang,,100200399,2468,已立案,刘洋,,立案,\n"
    )
    report = await import_cases(write(tmp_path, later, name="later.csv"), pool)

    assert (report.inserted, report.updated, report.rejected) == (1, 1, 0)
    rows = await fetch(database, "SELECT query_code, stage, next_hearing, password_hash FROM cases")
    by_code = {row["query_code"]: row for row in rows}
    assert sorted(by_code) == ["100200300", "100200301", "100200304", "100200399"]
    assert by_code["100200300"]["stage"] == "已结案"
    assert by_code["100200300"]["next_hearing"] is None
    assert await asyncio.to_thread(verify_password, by_code["100200300"]["password_hash"], "1357")


async def test_utf8_with_bom_as_excel_writes_it(
    pool: asyncpg.Pool, database: dict[str, Any], tmp_path: Path
) -> None:
    report = await import_cases(write(tmp_path, EXPORT, encoding="utf-8-sig"), pool)
    assert (report.inserted, report.rejected) == (3, 3)


async def test_not_utf8_rejects_the_file_and_writes_nothing(
    pool: asyncpg.Pool, database: dict[str, Any], tmp_path: Path
) -> None:
    path = write(tmp_path, EXPORT, encoding="gbk")
    with pytest.raises(CaseImportError, match=r"cases\.csv:2: not UTF-8 text"):
        await import_cases(path, pool)
    assert await fetch(database, "SELECT 1 FROM cases") == []


async def test_bad_header_rejects_the_file_and_writes_nothing(
    pool: asyncpg.Pool, database: dict[str, Any], tmp_path: Path
) -> None:
    path = write(tmp_path, EXPORT.replace("judge_name", "judge", 1))
    with pytest.raises(CaseImportError, match=r"cases\.csv:1: header: missing judge_name"):
        await import_cases(path, pool)
    assert await fetch(database, "SELECT 1 FROM cases") == []


async def test_missing_file_is_a_clear_error(pool: asyncpg.Pool, tmp_path: Path) -> None:
    with pytest.raises(CaseImportError, match="cannot read"):
        await import_cases(tmp_path / "nowhere.csv", pool)


async def test_a_large_export_imports_without_blocking_the_event_loop(
    pool: asyncpg.Pool, database: dict[str, Any], tmp_path: Path
) -> None:
    lines = [
        f"(2024)京0105民初{n}号,bj-chaoyang,,{300000000 + n},{1000 + n},审理中,王芳,,立案,\n"
        for n in range(120)
    ]
    report = await import_cases(write(tmp_path, HEADER + "".join(lines)), pool)
    assert (report.inserted, report.updated, report.rejected) == (120, 0, 0)
    (count,) = await fetch(database, "SELECT count(*) AS n FROM cases")
    assert count["n"] == 120

"""Importing the court directory into the real PostgreSQL: good entries in, bad ones listed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from config.loader import load_config
from directory.errors import DirectoryImportError
from directory.importer import import_directory
from directory.store import DirectoryStore, WriteCounts
from hotline.cli import main
from store.database import create_pool, migrate
from tests.conftest import REPO
from tests.support import fetch

BEIJING = REPO / "config" / "examples" / "beijing.yaml"
EXAMPLE = REPO / "config" / "examples" / "directory.yaml"
COURTS = {platform.id for platform in load_config(BEIJING).platforms}
CASE = "(2026)京0105民初100号"

SMALL = """\
courts:
  - {id: haidian, name: 北京市海淀区人民法院}
divisions:
  - {id: hd-civil1, court_id: haidian, name: 民一庭, office_phone: "010-62000001"}
judges:
  - {id: hd-lin, court_id: haidian, division_id: hd-civil1, name: 林涛, mobile: "13800000303"}
  - {id: hd-gao, court_id: haidian, division_id: hd-civil1, name: 高远, mobile: 13800000304}
  - {id: hd-ma, court_id: haidian, division_id: hd-civil9, name: 马力}
cases:
  - {case_number: (2026)京0108民初1号, court_id: haidian, judge_id: hd-lin}
  - {case_number: (2026)京0108民初2号, court_id: haidian, judge_id: hd-gao}
"""

TABLES = {
    "directory_courts": "id",
    "directory_divisions": "id",
    "directory_judges": "id",
    "case_files": "court_id, case_number",
    "case_parties": "court_id, case_number, phone",
}


@pytest.fixture
async def pool(database: dict[str, Any]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database)
    await migrate(pool)
    yield pool
    await pool.close()


def write(tmp_path: Path, text: str, name: str = "directory.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def snapshot(database: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every directory row, without the moment it was last written."""
    tables = {}
    for table, order in TABLES.items():
        rows = await fetch(database, f"SELECT * FROM {table} ORDER BY {order}")  # noqa: S608
        tables[table] = [
            {name: value for name, value in row.items() if name != "updated_at"} for row in rows
        ]
    return tables


async def test_example_directory_gives_each_case_its_urgent_contacts(pool: asyncpg.Pool) -> None:
    report = await import_directory(EXAMPLE, pool, known_courts=COURTS)

    assert report.errors == ()
    assert report.rejected == 0
    assert report.written == WriteCounts(courts=4, divisions=5, judges=10, cases=4)
    contacts = await DirectoryStore(pool).contacts("chaoyang", CASE)
    assert contacts is not None
    assert contacts.case.party_phones == ("13912345678", "13912345679")
    assert contacts.judge is not None
    assert (contacts.judge.id, contacts.judge.mobile) == ("cy-zhang", "13800000001")
    assert contacts.division is not None
    assert contacts.division.office_phone == "01065000001", "dashes dropped"
    assert contacts.division_head is not None
    assert contacts.division_head.id == "cy-li"
    assert contacts.duty_judge is not None
    assert contacts.duty_judge.id == "cy-zhao"


async def test_reimporting_the_same_file_changes_nothing(
    pool: asyncpg.Pool, database: dict[str, Any]
) -> None:
    first = await import_directory(EXAMPLE, pool, known_courts=COURTS)
    before = await snapshot(database)

    second = await import_directory(EXAMPLE, pool, known_courts=COURTS)

    assert second == first
    assert await snapshot(database) == before


async def test_reimport_updates_by_id_replaces_parties_and_deletes_nothing(
    pool: asyncpg.Pool, database: dict[str, Any], tmp_path: Path
) -> None:
    await import_directory(EXAMPLE, pool, known_courts=COURTS)
    later = write(
        tmp_path,
        "judges:\n"
        "  - {id: cy-zhang, court_id: chaoyang, division_id: cy-civil1, name: 张明,"
        ' mobile: "13800000099"}\n'
        "cases:\n"
        f"  - {{case_number: {CASE}, court_id: chaoyang, division_id: cy-civil1,"
        ' judge_id: cy-zhang, party_phones: ["13700000001"]}\n',
    )

    report = await import_directory(later, pool, known_courts=COURTS)

    assert report.errors == ()
    assert report.written == WriteCounts(courts=0, divisions=0, judges=1, cases=1)
    store = DirectoryStore(pool)
    zhang = await store.judge("cy-zhang")
    assert zhang is not None
    assert zhang.mobile == "13800000099"
    assert zhang.assistant is None, "an entry is replaced as a whole"
    case = await store.case_file("chaoyang", CASE)
    assert case is not None
    assert case.party_phones == ("13700000001",)
    counts = {table: len(rows) for table, rows in (await snapshot(database)).items()}
    assert counts["directory_judges"] == 10
    assert counts["case_files"] == 4


async def test_good_entries_imported_bad_ones_listed_by_line(
    pool: asyncpg.Pool, database: dict[str, Any], tmp_path: Path
) -> None:
    path = write(tmp_path, SMALL)

    report = await import_directory(path, pool, known_courts=COURTS)

    assert [str(error) for error in report.errors] == [
        f"{path}:7: mobile: must be in quotes: read as a number, it would lose a leading 0",
        f"{path}:8: division_id: unknown division 'hd-civil9'",
        f"{path}:11: judge_id: judge 'hd-gao' is not imported (see line 7)",
    ]
    assert report.rejected == 3
    assert report.written == WriteCounts(courts=1, divisions=1, judges=1, cases=1)
    judges = await fetch(database, "SELECT id FROM directory_judges ORDER BY id")
    assert [row["id"] for row in judges] == ["hd-lin"]
    cases = await fetch(database, "SELECT case_number FROM case_files")
    assert [row["case_number"] for row in cases] == ["(2026)京0108民初1号"]


async def test_a_later_file_may_refer_to_what_is_already_imported(
    pool: asyncpg.Pool, database: dict[str, Any], tmp_path: Path
) -> None:
    await import_directory(EXAMPLE, pool, known_courts=COURTS)
    cases = write(
        tmp_path,
        "cases:\n"
        "  - {case_number: (2026)京0105民初900号, court_id: chaoyang, judge_id: cy-zhang}\n"
        "  - {case_number: (2026)京0105民初901号, court_id: chaoyang, judge_id: cy-nobody}\n",
        name="cases.yaml",
    )

    report = await import_directory(cases, pool, known_courts=COURTS)

    assert [str(error) for error in report.errors] == [
        f"{cases}:3: judge_id: unknown judge 'cy-nobody'"
    ]
    rows = await fetch(
        database, "SELECT judge_id FROM case_files WHERE case_number = $1", "(2026)京0105民初900号"
    )
    assert [row["judge_id"] for row in rows] == ["cy-zhang"]


async def test_a_broken_file_writes_nothing(
    pool: asyncpg.Pool, database: dict[str, Any], tmp_path: Path
) -> None:
    path = write(tmp_path, SMALL.replace("judges:", "judges: [", 1))
    with pytest.raises(DirectoryImportError) as caught:
        await import_directory(path, pool, known_courts=COURTS)
    assert caught.value.problems[0].startswith(f"{path}:")
    assert "YAML syntax" in caught.value.problems[0]
    assert all(rows == [] for rows in (await snapshot(database)).values())


async def test_a_large_file_imports_without_blocking_the_event_loop(
    pool: asyncpg.Pool, database: dict[str, Any], tmp_path: Path
) -> None:
    # Read and checked off the loop: parsing this much YAML takes longer than the guard allows.
    judges = "".join(
        f'  - {{id: j{n}, court_id: chaoyang, name: 法官{n}, mobile: "138{n:08d}"}}\n'
        for n in range(300)
    )
    cases = "".join(
        f"  - {{case_number: (2026)京0105民初{n}号, court_id: chaoyang, judge_id: j{n % 300},"
        f' party_phones: ["139{n:08d}"]}}\n'
        for n in range(600)
    )
    path = write(
        tmp_path,
        "courts:\n  - {id: chaoyang, name: 北京市朝阳区人民法院}\n"
        f"judges:\n{judges}cases:\n{cases}",
    )
    report = await import_directory(path, pool, known_courts=COURTS)
    assert report.written == WriteCounts(courts=1, divisions=0, judges=300, cases=600)
    (row,) = await fetch(database, "SELECT count(*) AS n FROM case_parties")
    assert row["n"] == 600


# ---- the command, run in-process against the test database ---------------------------------


def test_cli_imports_the_example_and_prints_counts(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["import", "directory", str(EXAMPLE), "--config", str(BEIJING)]
    code = main([*argv, "--var-dir", str(tmp_path / "var")])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == ""
    assert out == (
        f"{EXAMPLE}: 4 courts, 5 divisions, 10 judges, 4 cases imported; 0 entries rejected\n"
    )


def test_cli_lists_every_error_and_exits_1(
    database: dict[str, Any], database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, SMALL)
    argv = ["import", "directory", str(path), "--config", str(BEIJING)]
    code = main([*argv, "--var-dir", str(tmp_path / "var")])

    out, err = capsys.readouterr()
    assert code == 1
    assert err.splitlines() == [
        f"{path}:7: mobile: must be in quotes: read as a number, it would lose a leading 0",
        f"{path}:8: division_id: unknown division 'hd-civil9'",
        f"{path}:11: judge_id: judge 'hd-gao' is not imported (see line 7)",
    ]
    assert out == f"{path}: 1 courts, 1 divisions, 1 judges, 1 cases imported; 3 entries rejected\n"
    rows = asyncio.run(fetch(database, "SELECT id FROM directory_judges"))
    assert [row["id"] for row in rows] == ["hd-lin"]


def test_cli_refuses_a_broken_file_with_its_line(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "courts:\n  - {id: haidian\n")
    argv = ["import", "directory", str(path), "--config", str(BEIJING)]
    code = main([*argv, "--var-dir", str(tmp_path / "var")])

    _, err = capsys.readouterr()
    assert code == 1
    assert err.startswith(f"{path}:3: YAML syntax:")

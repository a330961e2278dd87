"""Imports the cases a court exports as CSV, hashing their passwords on the way in.

The file is UTF-8 (a BOM, as Excel writes, is fine) with this header row, in any column order:
case_number, court_id, division, query_code, password, stage, judge_name, next_hearing,
last_event, last_event_at. division, next_hearing and last_event_at may be blank. Times are
`2024-06-01 09:30[:00]` (or with `/`, or ISO 8601 with an offset); without an offset they are
the court's local time (Asia/Shanghai unless told). A date without a time is refused: a hearing
read out as "at 00:00" would mislead the caller.

Decision: good rows are imported, bad rows are reported and skipped. Every good row is written in
one transaction (all of them or, on a database error, none), every problem is listed as
`file:line: column: message`, and the counts let the CLI exit non-zero when a row was rejected.
Rows sharing a query code are all rejected: which one is right cannot be told. A re-import
updates cases by query code and never deletes a case missing from the file. Plaintext passwords
live only in memory until hashed; no message or log line repeats a password or a query code.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from cases.errors import CaseImportError, InvalidCredentialFormat
from cases.model import Case, CaseRecord, check_query_code
from cases.passwords import check_password, hash_password
from cases.store import CaseStore

log = structlog.get_logger(__name__)

COURT_TIMEZONE = ZoneInfo("Asia/Shanghai")
COLUMNS = (
    "case_number",
    "court_id",
    "division",
    "query_code",
    "password",
    "stage",
    "judge_name",
    "next_hearing",
    "last_event",
    "last_event_at",
)
OPTIONAL_COLUMNS = frozenset({"division", "next_hearing", "last_event_at"})
MAX_TEXT = 200
_MOMENT_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S")
# Each hash holds 19 MiB for ~35 ms; a few at once use the cores without crowding out calls.
_HASHING_THREADS = max(1, min(4, (os.cpu_count() or 1) - 1))


@dataclass(frozen=True)
class RowError:
    source: str
    line: int
    column: str  # a column name, "header", or "row" for the row as a whole
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.column}: {self.message}"


@dataclass(frozen=True)
class ImportRow:
    line: int
    case: Case
    password: str = field(repr=False)


@dataclass(frozen=True)
class ParsedCases:
    rows: tuple[ImportRow, ...]
    errors: tuple[RowError, ...]
    rejected: int  # rows with at least one error (a row may have several)


@dataclass(frozen=True)
class ImportReport:
    inserted: int
    updated: int
    rejected: int
    errors: tuple[RowError, ...]


async def import_cases(
    path: Path,
    pool: asyncpg.Pool,
    *,
    timezone: ZoneInfo = COURT_TIMEZONE,
    known_courts: Collection[str] | None = None,
) -> ImportReport:
    """Import the good rows of `path` in one transaction; raises CaseImportError for the file."""
    parsed = await asyncio.to_thread(read_cases_csv, path, timezone, known_courts)
    hashes = await _hash_passwords([row.password for row in parsed.rows])
    records = [
        CaseRecord(case=row.case, password_hash=password_hash)
        for row, password_hash in zip(parsed.rows, hashes, strict=True)
    ]
    try:
        counts = await CaseStore(pool).upsert(records)
    except asyncpg.PostgresError as exc:
        raise CaseImportError(f"{path}: the database refused the import: {exc}") from exc
    log.info(
        "cases imported",
        source=str(path),
        inserted=counts.inserted,
        updated=counts.updated,
        rejected=parsed.rejected,
    )
    return ImportReport(counts.inserted, counts.updated, parsed.rejected, parsed.errors)


def read_cases_csv(
    path: Path, timezone: ZoneInfo = COURT_TIMEZONE, known_courts: Collection[str] | None = None
) -> ParsedCases:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CaseImportError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CaseImportError(
            f"{path}:{line}: not UTF-8 text; export the file as UTF-8 (Excel: 'CSV UTF-8')"
        ) from exc
    return parse_cases_csv(text, str(path), timezone, known_courts)


def parse_cases_csv(
    text: str,
    source: str,
    timezone: ZoneInfo = COURT_TIMEZONE,
    known_courts: Collection[str] | None = None,
) -> ParsedCases:
    """Pure: the good rows and every problem, by physical line (quoted fields may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise CaseImportError(f"{source}:1: header: the file is empty") from None
    except csv.Error as exc:
        raise CaseImportError(f"{source}:1: header: {exc}") from exc
    positions = _header_positions(header, source)

    errors: list[RowError] = []
    candidates: list[ImportRow] = []
    bad_lines: set[int] = set()
    lines_by_code: defaultdict[str, list[int]] = defaultdict(list)
    previous_end = reader.line_num
    while True:
        line = previous_end + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The csv module cannot resume after a broken quote: the rest of the file is unread.
            errors.append(RowError(source, line, "row", f"{exc}; the rest of the file is unread"))
            bad_lines.add(line)
            break
        previous_end = reader.line_num
        if not any(value.strip() for value in fields):
            continue  # blank lines, and Excel's rows of bare commas
        if len(fields) != len(COLUMNS):
            errors.append(
                RowError(
                    source, line, "row", f"expected {len(COLUMNS)} fields, found {len(fields)}"
                )
            )
            bad_lines.add(line)
            continue
        values = {name: fields[position].strip() for name, position in positions.items()}
        row_errors, row = _parse_row(values, source, line, timezone, known_courts)
        errors.extend(row_errors)
        if row_errors:
            bad_lines.add(line)
        if row is not None:
            candidates.append(row)
        if not any(error.column == "query_code" for error in row_errors):
            lines_by_code[values["query_code"]].append(line)

    for lines in lines_by_code.values():
        if len(lines) > 1:
            for line in lines:
                others = [str(other) for other in lines if other != line]
                where = f"line {others[0]}" if len(others) == 1 else f"lines {', '.join(others)}"
                message = f"the same query code is also on {where}; every such row is rejected"
                errors.append(RowError(source, line, "query_code", message))
                bad_lines.add(line)
    errors.sort(key=lambda error: (error.line, _column_order(error.column)))
    rows = tuple(row for row in candidates if row.line not in bad_lines)
    return ParsedCases(rows=rows, errors=tuple(errors), rejected=len(bad_lines))


def parse_moment(value: str, timezone: ZoneInfo) -> datetime:
    """A date with a time; naive times are in `timezone`. ValueError says what is expected."""
    moment: datetime | None = None
    for pattern in _MOMENT_FORMATS:
        try:
            moment = datetime.strptime(value, pattern)  # the zone is added below
            break
        except ValueError:
            continue
    if moment is None and len(value) > 10:  # "YYYY-MM-DD" alone has no time
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
    if moment is None:
        raise ValueError(f"expected a date and time like 2024-06-01 09:30, not {value!r}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone)


def _header_positions(header: Sequence[str], source: str) -> dict[str, int]:
    names = [name.strip().lower() for name in header]
    if not set(names) & set(COLUMNS):
        # Likely a data row: repeating it could print a password.
        raise CaseImportError(
            f"{source}:1: header: the first line must name the columns: {', '.join(COLUMNS)}"
        )
    problems = []
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        problems.append("missing " + ", ".join(missing))
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        problems.append("unknown " + ", ".join(repr(name) for name in unknown))
    repeated = sorted({name for name in names if name in COLUMNS and names.count(name) > 1})
    if repeated:
        problems.append("repeated " + ", ".join(repeated))
    if problems:
        raise CaseImportError(
            f"{source}:1: header: {'; '.join(problems)} (expected: {', '.join(COLUMNS)})"
        )
    return {name: names.index(name) for name in COLUMNS}


def _parse_row(
    values: dict[str, str],
    source: str,
    line: int,
    timezone: ZoneInfo,
    known_courts: Collection[str] | None,
) -> tuple[list[RowError], ImportRow | None]:
    errors: list[RowError] = []

    def fail(column: str, message: str) -> None:
        errors.append(RowError(source, line, column, message))

    for name in COLUMNS:
        value = values[name]
        if not value and name not in OPTIONAL_COLUMNS:
            fail(name, "missing")
        elif len(value) > MAX_TEXT:
            fail(name, f"too long ({len(value)} characters, at most {MAX_TEXT})")
    already_wrong = {error.column for error in errors}
    if "query_code" not in already_wrong:
        try:
            check_query_code(values["query_code"])
        except InvalidCredentialFormat as exc:
            fail("query_code", str(exc))
    if "password" not in already_wrong:
        try:
            check_password(values["password"])
        except InvalidCredentialFormat as exc:
            fail("password", str(exc))
    court_id = values["court_id"]
    if court_id and known_courts is not None and court_id not in known_courts:
        fail("court_id", f"unknown court {court_id!r}")
    moments: dict[str, datetime | None] = {}
    for name in ("next_hearing", "last_event_at"):
        moments[name] = None
        if values[name] and name not in already_wrong:
            try:
                moments[name] = parse_moment(values[name], timezone)
            except ValueError as exc:
                fail(name, str(exc))
    if errors:
        return errors, None
    case = Case(
        case_number=values["case_number"],
        court_id=court_id,
        division=values["division"] or None,
        query_code=values["query_code"],
        stage=values["stage"],
        judge_name=values["judge_name"],
        next_hearing=moments["next_hearing"],
        last_event=values["last_event"],
        last_event_at=moments["last_event_at"],
    )
    return errors, ImportRow(line=line, case=case, password=values["password"])


def _column_order(column: str) -> int:
    return COLUMNS.index(column) if column in COLUMNS else -1


async def _hash_passwords(passwords: Sequence[str]) -> list[str]:
    if not passwords:
        return []
    size = -(-len(passwords) // _HASHING_THREADS)
    chunks = [passwords[start : start + size] for start in range(0, len(passwords), size)]
    hashed = await asyncio.gather(*(asyncio.to_thread(_hash_all, chunk) for chunk in chunks))
    return [password_hash for chunk in hashed for password_hash in chunk]


def _hash_all(passwords: Sequence[str]) -> list[str]:
    return [hash_password(password) for password in passwords]

"""Imports the court directory from a YAML file: courts, divisions, judges and the cases they hold.

The file has up to four lists, each optional; every entry is one mapping. Fields marked * are
required, the others may be left out (or left empty):

    courts:
      - id: chaoyang                   # * the court's platform id in the config
        name: 北京市朝阳区人民法院        # *
        supervision_office: {name: 督查室, phone: "010-65000099"}
        duty_judge_id: cy-zhao         # a judge of this court (值班法官)
    divisions:
      - id: cy-civil1                  # * unique across all courts
        court_id: chaoyang             # *
        name: 民一庭                    # *
        office_phone: "010-65000001"
        head_judge_id: cy-li           # 庭长: a judge whose division_id is this division
        clerk: {name: 王敏, mobile: "13800000009"}               # 内勤
    judges:
      - id: cy-zhang                   # * unique across all courts
        court_id: chaoyang             # *
        division_id: cy-civil1         # a division of the same court
        name: 张明                      # *
        mobile: "13800000001"
        office_phone: "010-65000011"
        assistant: {name: 刘洋, mobile: "13800000021"}           # 法官助理
    cases:
      - case_number: (2026)京0105民初100号   # * with court_id, unique
        court_id: chaoyang             # *
        division_id: cy-civil1         # of the same court
        judge_id: cy-zhang             # 承办法官: of the same court and division
        party_phones: ["13912345678"]

Ids are 1 to 40 letters, digits, '-', '_' or '.'. Phone numbers go in quotes: unquoted, YAML
reads 01065000001 as a number and the leading 0 is lost. Dashes and spaces in them are dropped.
Cases' self-service credentials (query code, password) come from `hotline import cases`.

Decision: good entries are imported, bad ones are reported and skipped, as `hotline import cases`
does with rows. Every problem is listed as `file:line: field: message`, the line being that of the
offending field (or of the entry, when a field is missing). An entry referring to one that is
neither among the file's good entries nor already in the database is rejected too, and says
which line to fix first; entries sharing an id are all rejected, as which one is right cannot be
told. Good entries are written in one transaction, as an upsert: a re-import of the same file
changes nothing, and nothing missing from the file is deleted (a case's parties are replaced by
the ones listed). The file's own faults (unreadable, YAML syntax, duplicate keys) stop the whole
import before anything is written.

Why YAML and not CSV: an entry holds nested people (a clerk, an assistant) and a list of party
numbers, and four kinds refer to each other; four CSV files with flattened columns would be
harder to write and to check than one file an admin already edits like the config.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import structlog

from config.yaml_positions import (
    ConfigError,
    PositionedDocument,
    compose_positioned,
    load_positioned,
)
from directory.entries import (
    DirectoryView,
    Entry,
    Kind,
    Problem,
    heads_of,
    read_entry,
    reference_problems,
)
from directory.errors import DirectoryImportError
from directory.model import CaseFile, Court, Division, Judge
from directory.store import DirectoryData, DirectoryStore, WriteCounts

log = structlog.get_logger(__name__)

SECTIONS = tuple(kind.section for kind in Kind)

_Report = Callable[[Kind, int, list[Problem]], None]


@dataclass(frozen=True)
class EntryError:
    source: str
    line: int
    field: str  # a field of the entry (`clerk.mobile`), or the section and index of the entry
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.field}: {self.message}"


@dataclass(frozen=True)
class ParsedDirectory:
    data: DirectoryData  # the good entries, in file order
    errors: tuple[EntryError, ...]
    rejected: int  # entries with at least one error


@dataclass(frozen=True)
class ImportReport:
    written: WriteCounts
    rejected: int
    errors: tuple[EntryError, ...]

    def summary(self, source: str) -> str:
        written = self.written
        return (
            f"{source}: {written.courts} courts, {written.divisions} divisions, "
            f"{written.judges} judges, {written.cases} cases imported; "
            f"{self.rejected} entries rejected"
        )


async def import_directory(
    path: Path, pool: asyncpg.Pool, *, known_courts: Collection[str] | None = None
) -> ImportReport:
    """Import the good entries of `path` in one transaction; DirectoryImportError for the file."""
    store = DirectoryStore(pool)
    existing = DirectoryView(
        courts={court.id: court for court in await store.courts()},
        divisions={division.id: division for division in await store.divisions()},
        judges={judge.id: judge for judge in await store.judges()},
    )
    parsed = await asyncio.to_thread(_read_and_parse, path, known_courts, existing)
    try:
        written = await store.write(parsed.data)
    except asyncpg.PostgresError as exc:
        raise DirectoryImportError([f"{path}: the database refused the import: {exc}"]) from exc
    log.info(
        "directory imported",
        source=str(path),
        courts=written.courts,
        divisions=written.divisions,
        judges=written.judges,
        cases=written.cases,
        rejected=parsed.rejected,
    )
    return ImportReport(written, parsed.rejected, parsed.errors)


def _read_and_parse(
    path: Path, known_courts: Collection[str] | None, existing: DirectoryView
) -> ParsedDirectory:
    try:
        document = load_positioned(path)
    except ConfigError as exc:
        raise _file_error(exc) from exc
    return parse_directory(document, known_courts=known_courts, existing=existing)


def parse_directory_text(
    text: str,
    source: str,
    *,
    known_courts: Collection[str] | None = None,
    existing: DirectoryView | None = None,
) -> ParsedDirectory:
    try:
        document = compose_positioned(text, source)
    except ConfigError as exc:
        raise _file_error(exc) from exc
    return parse_directory(document, known_courts=known_courts, existing=existing)


def _file_error(exc: ConfigError) -> DirectoryImportError:
    return DirectoryImportError(
        [f"{issue.position.file}:{issue.position.line}: {issue.message}" for issue in exc.issues]
    )


@dataclass(eq=False)
class _Candidate:
    kind: Kind
    index: int
    entry: Entry


def parse_directory(
    document: PositionedDocument,
    *,
    known_courts: Collection[str] | None = None,
    existing: DirectoryView | None = None,
) -> ParsedDirectory:
    """Pure: the good entries and every problem. `existing` is what the database holds already."""
    existing = existing or DirectoryView()
    top = document.position_of(())
    source = top.file
    data = document.data
    if not isinstance(data, dict):
        raise DirectoryImportError(
            [f"{source}:{top.line}: the top level must be a mapping of {', '.join(SECTIONS)}"]
        )
    errors: list[EntryError] = []
    rejected: set[tuple[Kind, int]] = set()
    not_imported: dict[tuple[Kind, str], int] = {}

    def report(kind: Kind, index: int, problems: list[Problem]) -> None:
        for problem in problems:
            location = (kind.section, index, *problem.path)
            line = document.position_of(location, key=problem.at_key).line
            where = problem.field or f"{kind.section}[{index}]"
            errors.append(EntryError(source, line, where, problem.message))
        rejected.add((kind, index))
        entry_id = _entry_id(kind, data[kind.section][index])
        if entry_id is not None:
            not_imported.setdefault((kind, entry_id), _line(document, kind, index))

    for key in data:
        if key not in SECTIONS:
            line = document.position_of((key,), key=True).line
            message = f"unknown section (expected: {', '.join(SECTIONS)})"
            errors.append(EntryError(source, line, str(key), message))

    candidates: list[_Candidate] = []
    for kind in Kind:
        raw_entries = data.get(kind.section)
        if raw_entries is None:
            continue
        if not isinstance(raw_entries, list):
            line = document.position_of((kind.section,)).line
            message = "must be a list of entries, each starting with '- '"
            errors.append(EntryError(source, line, kind.section, message))
            continue
        for index, raw in enumerate(raw_entries):
            entry, problems = read_entry(kind, raw)
            if entry is None:
                report(kind, index, problems)
            else:
                candidates.append(_Candidate(kind, index, entry))

    for kind in Kind:
        _reject_shared_ids(document, kind, data.get(kind.section), report)
    accepted = [c for c in candidates if (c.kind, c.index) not in rejected]

    # A rejection can break the references of others: check again until nothing changes.
    while True:
        view = _view(accepted, existing, known_courts, not_imported)
        broken = [
            (c, problems) for c in accepted if (problems := reference_problems(c.entry, view))
        ]
        if not broken:
            break
        for candidate, problems in broken:
            report(candidate.kind, candidate.index, problems)
        accepted = [c for c in accepted if (c.kind, c.index) not in rejected]

    errors.sort(key=lambda error: error.line)
    return ParsedDirectory(
        data=DirectoryData(
            courts=tuple(c.entry for c in accepted if isinstance(c.entry, Court)),
            divisions=tuple(c.entry for c in accepted if isinstance(c.entry, Division)),
            judges=tuple(c.entry for c in accepted if isinstance(c.entry, Judge)),
            cases=tuple(c.entry for c in accepted if isinstance(c.entry, CaseFile)),
        ),
        errors=tuple(errors),
        rejected=len(rejected),
    )


def _line(document: PositionedDocument, kind: Kind, index: int) -> int:
    return document.position_of((kind.section, index)).line


def _entry_id(kind: Kind, raw: object) -> str | None:
    """The id an entry is known by (a case: its court and number), if it can be read."""
    if not isinstance(raw, dict):
        return None
    key = "case_number" if kind is Kind.CASE else "id"
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        return None
    if kind is Kind.CASE:
        court_id = raw.get("court_id")
        return f"{court_id.strip()} {value.strip()}" if isinstance(court_id, str) else None
    return value.strip()


def _reject_shared_ids(
    document: PositionedDocument,
    kind: Kind,
    raw_entries: object,
    report: _Report,
) -> None:
    if not isinstance(raw_entries, list):
        return
    indexes_by_id: defaultdict[str, list[int]] = defaultdict(list)
    for index, raw in enumerate(raw_entries):
        entry_id = _entry_id(kind, raw)
        if entry_id is not None:
            indexes_by_id[entry_id].append(index)
    key = "case_number" if kind is Kind.CASE else "id"
    for indexes in indexes_by_id.values():
        if len(indexes) < 2:
            continue
        lines = {index: _line(document, kind, index) for index in indexes}
        for index in indexes:
            others = [str(lines[other]) for other in indexes if other != index]
            where = f"line {others[0]}" if len(others) == 1 else f"lines {', '.join(others)}"
            what = "court_id and case_number are" if kind is Kind.CASE else "id is"
            message = f"the same {what} also on {where}; every such entry is rejected"
            report(kind, index, [Problem((key,), message)])


def _view(
    accepted: list[_Candidate],
    existing: DirectoryView,
    known_courts: Collection[str] | None,
    not_imported: dict[tuple[Kind, str], int],
) -> DirectoryView:
    """The directory as it will be: the database's rows, with the file's good entries over them."""
    courts = dict(existing.courts)
    divisions = dict(existing.divisions)
    judges = dict(existing.judges)
    written = {c.entry.id for c in accepted if isinstance(c.entry, Division)}
    kept = heads_of(d for d in existing.divisions.values() if d.id not in written)
    for candidate in accepted:
        match candidate.entry:
            case Court() as court:
                courts[court.id] = court
            case Division() as division:
                divisions[division.id] = division
            case Judge() as judge:
                judges[judge.id] = judge
            case CaseFile():
                pass
    return DirectoryView(courts, divisions, judges, known_courts, dict(not_imported), kept)

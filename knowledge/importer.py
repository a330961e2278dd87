"""Imports knowledge-base entries from a YAML file, updating each entry by its question.

The file has one list, `entries`; each entry is a mapping:

    entries:
      - question: 如何缴纳诉讼费用？          # * one line, at most 200 characters
        answer: |                         # * at most 4000 characters
          收到法院的交费通知后，7日内交纳案件受理费……
        tags: [诉讼费, 缴费]                # up to 10 tags of at most 20 characters

Decision: good entries are imported, bad ones are reported and skipped, as `hotline import
directory` does. Every problem is listed as `file:line: field: message`, the line being that of the
offending field (or of the entry, when a field is missing). Entries asking the same question are
all rejected, as which one is meant cannot be told. Good entries are written in one transaction:
an entry asking the question of a live entry replaces that entry's answer and tags (a new version,
recorded in its history as imported); any other is created; a re-import of the same file changes
nothing, and nothing missing from the file is archived. Changing a question in the file therefore
makes a new entry: archive the old one on the console. The file's own faults (unreadable, YAML
syntax, duplicate keys, no `entries` list) stop the whole import before anything is written.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
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
from knowledge.errors import KnowledgeImportError, Problem
from knowledge.model import Draft, ImportCounts
from knowledge.policy import read_draft
from knowledge.service import KnowledgeService

log = structlog.get_logger(__name__)

SECTION = "entries"


@dataclass(frozen=True)
class EntryError:
    source: str
    line: int
    field: str  # a field of the entry (`tags[2]`), or the entry itself (`entries[3]`)
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.field}: {self.message}"


@dataclass(frozen=True)
class ParsedKnowledge:
    drafts: tuple[Draft, ...]  # the good entries, in file order
    errors: tuple[EntryError, ...]
    rejected: int  # entries with at least one error


@dataclass(frozen=True)
class ImportReport:
    counts: ImportCounts
    rejected: int
    errors: tuple[EntryError, ...]

    def summary(self, source: str) -> str:
        counts = self.counts
        return (
            f"{source}: {counts.created} entries created, {counts.updated} updated, "
            f"{counts.unchanged} unchanged; {self.rejected} rejected"
        )


async def import_knowledge(path: Path, service: KnowledgeService, *, by: str) -> ImportReport:
    """Import the good entries of `path` as `by`; KnowledgeImportError for the file's faults."""
    parsed = await asyncio.to_thread(_read_and_parse, path)
    try:
        counts = await service.import_drafts(parsed.drafts, by)
    except asyncpg.PostgresError as exc:
        raise KnowledgeImportError([f"{path}: the database refused the import: {exc}"]) from exc
    log.info(
        "knowledge imported",
        source=str(path),
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        rejected=parsed.rejected,
        by=by,
    )
    return ImportReport(counts, parsed.rejected, parsed.errors)


def _read_and_parse(path: Path) -> ParsedKnowledge:
    try:
        document = load_positioned(path)
    except ConfigError as exc:
        raise _file_error(exc) from exc
    return parse_knowledge(document)


def parse_knowledge_text(text: str, source: str) -> ParsedKnowledge:
    try:
        document = compose_positioned(text, source)
    except ConfigError as exc:
        raise _file_error(exc) from exc
    return parse_knowledge(document)


def _file_error(exc: ConfigError) -> KnowledgeImportError:
    return KnowledgeImportError(
        [f"{issue.position.file}:{issue.position.line}: {issue.message}" for issue in exc.issues]
    )


def parse_knowledge(document: PositionedDocument) -> ParsedKnowledge:
    """Pure: the good entries of a positioned YAML document, and every problem."""
    top = document.position_of(())
    source = top.file
    data = document.data
    if not isinstance(data, dict) or not isinstance(data.get(SECTION), list):
        line = document.position_of((SECTION,)).line if isinstance(data, dict) else top.line
        raise KnowledgeImportError(
            [f"{source}:{line}: the file must hold `{SECTION}:`, a list of entries"]
        )
    errors: list[EntryError] = []
    for key in data:
        if key != SECTION:
            line = document.position_of((key,), key=True).line
            errors.append(
                EntryError(source, line, str(key), f"unknown section (expected: {SECTION})")
            )

    def report(index: int, problems: list[Problem]) -> None:
        for problem in problems:
            line = document.position_of((SECTION, index, *problem.path), key=problem.at_key).line
            errors.append(
                EntryError(source, line, problem.field or f"{SECTION}[{index}]", problem.message)
            )

    good: dict[int, Draft] = {}
    bad: set[int] = set()
    for index, raw in enumerate(data[SECTION]):
        draft, problems = read_draft(raw)
        if draft is None:
            report(index, problems)
            bad.add(index)
        else:
            good[index] = draft

    indexes_by_question: defaultdict[str, list[int]] = defaultdict(list)
    for index, draft in good.items():
        indexes_by_question[draft.question].append(index)
    for indexes in indexes_by_question.values():
        if len(indexes) < 2:
            continue
        lines = {
            index: document.position_of((SECTION, index, "question")).line for index in indexes
        }
        for index in indexes:
            others = [str(lines[other]) for other in indexes if other != index]
            where = f"line {others[0]}" if len(others) == 1 else f"lines {', '.join(others)}"
            message = f"the same question is also on {where}; every such entry is rejected"
            report(index, [Problem(("question",), message)])
            bad.add(index)

    errors.sort(key=lambda entry_error: entry_error.line)
    return ParsedKnowledge(
        drafts=tuple(draft for index, draft in good.items() if index not in bad),
        errors=tuple(errors),
        rejected=len(bad),
    )

"""Knowledge-base entries as data: a question, the answer an agent reads out, and its history."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Draft:
    """An entry's content as an editor or an import file gives it, checked by `policy.read_draft`:
    trimmed, within the limits, tags normalised (NFKC, lower case) and not repeated."""

    question: str
    answer: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    id: int
    question: str
    answer: str
    tags: tuple[str, ...]
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    version: int  # 1 when created, one more for every edit and the archiving
    archived: bool  # archived entries keep their history and id, and are never found by search
    use_count: int  # times an agent used the answer on a call

    def has_content(self, draft: Draft) -> bool:
        return (self.question, self.answer, self.tags) == (draft.question, draft.answer, draft.tags)


class RevisionAction(enum.StrEnum):
    CREATED = "created"
    EDITED = "edited"
    ARCHIVED = "archived"
    IMPORTED = "imported"  # created or changed by `import_knowledge`


@dataclass(frozen=True)
class Revision:
    """The entry as one change left it: who, when, and the content from then on."""

    entry_id: int
    version: int
    action: RevisionAction
    at: datetime
    by: str
    question: str
    answer: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Search:
    """What an agent looks for: words of a question, a tag, or neither (the most used entries)."""

    query: str | None
    tag: str | None
    limit: int


@dataclass(frozen=True)
class WeightedTerm:
    term: str  # as stored in the entry's terms: a field prefix, then the term
    weight: int


@dataclass(frozen=True)
class Found:
    entry: Entry
    score: int  # the weights of the query's terms the entry holds; 0 when not searching words


@dataclass(frozen=True)
class ImportCounts:
    created: int
    updated: int
    unchanged: int

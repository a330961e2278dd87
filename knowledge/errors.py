"""Errors of the knowledge base, each with a stable code for logs, the CLI and the API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class KnowledgeError(Exception):
    code: str = "knowledge-error"


class EntryNotFound(KnowledgeError, LookupError):
    code = "knowledge-not-found"


class EntryConflict(KnowledgeError):
    """The entry changed since the editor read it, or it is archived: reload before editing."""

    code = "knowledge-conflict"

    def __init__(self, message: str, *, current_version: int) -> None:
        super().__init__(message)
        self.current_version = current_version


class DuplicateQuestion(KnowledgeError):
    """Another live entry asks the same question: an import could not tell which one to update."""

    code = "knowledge-duplicate-question"

    def __init__(self, message: str, *, other_id: int | None) -> None:
        super().__init__(message)
        self.other_id = other_id


class KnowledgeImportError(KnowledgeError):
    """The whole import failed (unreadable file, YAML syntax, database error): nothing written."""

    code = "knowledge-import-failed"

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)  # each `file:line: message`, or `file: message`
        super().__init__("\n".join(self.problems))


class InvalidEntry(KnowledgeError, ValueError):
    """Data that cannot make an entry or a search; `problems` names every field that is wrong."""

    code = "knowledge-invalid"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class Problem:
    path: tuple[str | int, ...]  # the field within the entry; () for the entry as a whole
    message: str
    at_key: bool = False  # about the field's name (an unknown field), not its value

    @property
    def field(self) -> str:
        """`question`, `tags[2]`; empty for the entry as a whole."""
        parts: list[str] = []
        for part in self.path:
            parts.append(f"[{part}]" if isinstance(part, int) else ("." if parts else "") + part)
        return "".join(parts)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

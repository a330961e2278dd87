"""Errors of the court directory, each with a stable code for logs, the CLI and the API."""

from __future__ import annotations

from collections.abc import Sequence


class DirectoryError(Exception):
    code: str = "directory-error"


class DirectoryImportError(DirectoryError):
    """The whole import failed (unreadable file, YAML syntax, database error): nothing written."""

    code = "directory-import-failed"

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)  # each `file:line: message`, or `file: message`
        super().__init__("\n".join(self.problems))

"""Errors of the case self-service, each with a stable code for logs, the CLI and APIs."""

from __future__ import annotations


class CaseError(Exception):
    code: str = "case-error"


class InvalidCredentialFormat(CaseError, ValueError):
    """A query code or password that is not made of the digits a keypad can send."""

    code = "case-credential-format"


class InvalidPasswordHash(CaseError, ValueError):
    """A stored hash argon2 cannot read: a data problem, never the caller's fault."""

    code = "case-password-hash-invalid"


class CaseImportError(CaseError):
    """The whole import failed (unreadable file, bad header, database error): nothing written."""

    code = "case-import-failed"

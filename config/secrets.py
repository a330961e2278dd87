"""Resolve `secret:NAME` / `env:NAME` references: no credential sits in the YAML or the repo."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from config.schema import SecretReference


class SecretMissingError(LookupError):
    code = "secret-missing"


class SecretStore:
    """A directory of one-secret-per-file (mode 0600), plus the process environment."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def resolve(self, reference: SecretReference | str) -> str:
        kind, _, name = reference.partition(":")
        if kind == "env":
            value = os.environ.get(name)
            if not value:
                raise SecretMissingError(f"{reference}: environment variable {name} is not set")
            return value
        path = self.directory / name
        try:
            value = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError as exc:
            raise SecretMissingError(
                f"{reference}: no file {path} (run 'hotline secrets init' to generate it)"
            ) from exc
        if not value:
            raise SecretMissingError(f"{reference}: {path} is empty")
        return value

    def ensure(self, reference: SecretReference | str) -> bool:
        """Generate a `secret:` value if it does not exist yet; True when one was created."""
        kind, _, name = reference.partition(":")
        if kind != "secret":
            return False
        path = self.directory / name
        if path.exists():
            return False
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(18) + "\n")
        return True

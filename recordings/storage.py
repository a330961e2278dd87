"""Where recording files live. Local disk by default; another store (NAS, object storage) is a
class with the same four methods. Every method blocks: the service calls them in a thread."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CHUNK = 1 << 20


@dataclass(frozen=True)
class Filed:
    size_bytes: int
    sha256: str


class RecordingStorage(Protocol):
    def put(self, source: Path, relative: str) -> Filed:
        """Move a finished file in (from Asterisk's spool); raises FileNotFoundError."""
        ...

    def local_path(self, relative: str) -> Path | None:
        """A path the web server can send, or None when the file is not there."""
        ...

    def sha256(self, relative: str) -> str | None:
        """The file's checksum as it is now, or None when it is gone."""
        ...

    def delete(self, relative: str) -> bool:
        """False when there was nothing to delete."""
        ...


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class LocalDiskStorage:
    """Files under one directory (`recordings.store_dir`), readable by the controller only."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, relative: str) -> Path | None:
        root = self._root.resolve()
        path = (root / relative).resolve()
        return path if path.is_relative_to(root) else None

    def put(self, source: Path, relative: str) -> Filed:
        target = self._path(relative)
        if target is None:
            raise ValueError(f"{relative}: outside the recordings store")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)
        target.chmod(0o640)
        return Filed(target.stat().st_size, file_sha256(target))

    def local_path(self, relative: str) -> Path | None:
        path = self._path(relative)
        return path if path is not None and path.is_file() else None

    def sha256(self, relative: str) -> str | None:
        path = self.local_path(relative)
        return file_sha256(path) if path is not None else None

    def delete(self, relative: str) -> bool:
        path = self.local_path(relative)
        if path is None:
            return False
        path.unlink()
        return True

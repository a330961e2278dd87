"""Pure decisions on recordings: how long each is kept, and whether its file is still the one
that was filed."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

# The category of a left message (the caller alone, no queue); calls take their queue's skill.
MESSAGE = "message"
# A call that never reached a queue (self-service, an urgent contact from the menu).
NO_QUEUE = "no_queue"


class Integrity(enum.StrEnum):
    UNCHECKED = "unchecked"  # filed before checksums were taken, or never checked
    OK = "ok"  # the file's SHA-256 is the one taken when it was filed
    ALTERED = "altered"  # it is not: the file was changed after filing
    MISSING = "missing"  # the file is gone from the store


@dataclass(frozen=True)
class Retention:
    """Days a recording is kept after it ends: per category, else the default."""

    default_days: int
    days: Mapping[str, int]

    def days_for(self, category: str) -> int:
        return self.days.get(category, self.default_days)

    @property
    def shortest_days(self) -> int:
        return min([self.default_days, *self.days.values()])


@dataclass(frozen=True)
class Kept:
    """A stored recording, as the purge sees it."""

    name: str
    call_id: str
    kind: str  # call or message
    queue_skill: str | None  # the skill of the call's (last) queue
    ended_at: datetime


def category_of(kind: str, queue_skill: str | None) -> str:
    if kind == MESSAGE:
        return MESSAGE
    return queue_skill or NO_QUEUE


def expired(
    recordings: Iterable[Kept], now: datetime, retention: Retention
) -> list[tuple[Kept, str]]:
    """The recordings whose time is up, each with the category that decided it."""
    due = []
    for kept in recordings:
        category = category_of(kept.kind, kept.queue_skill)
        if kept.ended_at + timedelta(days=retention.days_for(category)) <= now:
            due.append((kept, category))
    return due


def integrity(filed_sha256: str | None, current_sha256: str | None) -> Integrity:
    """Compare the checksum taken at filing with the file as it is now (None: no file)."""
    if current_sha256 is None:
        return Integrity.MISSING
    if filed_sha256 is None:
        return Integrity.UNCHECKED
    return Integrity.OK if current_sha256 == filed_sha256 else Integrity.ALTERED

"""How long recordings are kept, and whether a file is still the one filed: pure decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from config.schema import Skill
from recordings.config import CATEGORIES, RetentionSection
from recordings.policy import (
    MESSAGE,
    NO_QUEUE,
    Integrity,
    Kept,
    Retention,
    category_of,
    expired,
    integrity,
)

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
RETENTION = Retention(default_days=730, days={"complaint": 1825, MESSAGE: 90})


def kept(name: str, kind: str, skill: str | None, days_ago: float) -> Kept:
    return Kept(name, f"call-{name}", kind, skill, NOW - timedelta(days=days_ago))


def test_each_category_keeps_its_own_number_of_days() -> None:
    recordings = [
        kept("young", "call", "consultation", 729.9),
        kept("old", "call", "consultation", 730),
        kept("complaint-old-for-others", "call", "complaint", 1000),
        kept("complaint-expired", "call", "complaint", 1825.5),
        kept("message", "message", None, 91),
        kept("no-queue", "call", None, 731),
    ]
    assert [(k.name, category) for k, category in expired(recordings, NOW, RETENTION)] == [
        ("old", "consultation"),
        ("complaint-expired", "complaint"),
        ("message", MESSAGE),
        ("no-queue", NO_QUEUE),
    ]


def test_the_category_is_the_queue_skill_or_message_or_no_queue() -> None:
    assert category_of("call", "complaint") == "complaint"
    assert category_of("message", "consultation") == MESSAGE
    assert category_of("call", None) == NO_QUEUE
    assert RETENTION.shortest_days == 90
    assert RETENTION.days_for("appointment") == 730


@pytest.mark.parametrize(
    ("filed", "current", "expected"),
    [
        ("a" * 64, "a" * 64, Integrity.OK),
        ("a" * 64, "b" * 64, Integrity.ALTERED),
        ("a" * 64, None, Integrity.MISSING),
        (None, "a" * 64, Integrity.UNCHECKED),
    ],
)
def test_a_file_is_intact_only_with_the_checksum_taken_at_filing(
    filed: str | None, current: str | None, expected: Integrity
) -> None:
    assert integrity(filed, current) is expected


def test_retention_categories_are_the_skills_and_the_two_others() -> None:
    assert {skill.value for skill in Skill} | {MESSAGE, NO_QUEUE} == CATEGORIES


def test_an_unknown_category_or_a_bad_number_of_days_is_refused() -> None:
    with pytest.raises(ValidationError, match="'complaints' is not a category"):
        RetentionSection(days={"complaints": 1825})
    with pytest.raises(ValidationError, match="complaint: days must be 1 to 36500"):
        RetentionSection(days={"complaint": 0})
    assert RetentionSection().retention() == Retention(730, {"complaint": 1825})

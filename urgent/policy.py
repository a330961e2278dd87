"""Pure limits on urgent contacts: not too often for one case or caller, nor too many at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

RATE_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class RateLimits:
    per_case_per_hour: int = 3
    per_caller_per_hour: int = 5
    max_concurrent: int = 10  # legs the switch rings at once, across all contacts


def refusal(
    case_starts: Sequence[datetime],
    caller_starts: Sequence[datetime],
    concurrent: int,
    now: datetime,
    limits: RateLimits,
) -> str | None:
    """Why a new urgent contact may not start now (a stable code), or None when it may."""
    since = now - RATE_WINDOW
    if concurrent >= limits.max_concurrent:
        return "urgent-too-many-at-once"
    if sum(1 for start in case_starts if start > since) >= limits.per_case_per_hour:
        return "urgent-case-rate-limited"
    if sum(1 for start in caller_starts if start > since) >= limits.per_caller_per_hour:
        return "urgent-caller-rate-limited"
    return None

"""Brute-force protection for case queries: pure decisions from the failures already recorded.

Failures are counted per case query code and per caller number within a sliding window; reaching
the limit locks that code (or number) for a while. A lock is not stored: it is derived from the
failures, so it expires by itself and survives restarts. Unknown codes count exactly like wrong
passwords, so a locked code says nothing about whether it exists.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cases.config import CaseQueryPolicy
from cases.model import AttemptReason

# Refusals without a password check (locked, call exhausted) do not count, or a lock would renew
# itself while the caller keeps trying; broken data is not the caller's failure.
COUNTED_FAILURES = frozenset(
    {AttemptReason.WRONG_PASSWORD, AttemptReason.UNKNOWN_CODE, AttemptReason.MALFORMED}
)
_WITHHELD_NUMBERS = frozenset({"", "anonymous", "unknown", "restricted", "private"})


class LockScope(enum.StrEnum):
    QUERY_CODE = "query_code"
    CALLER_NUMBER = "caller_number"


@dataclass(frozen=True)
class QueryHistory:
    """What is known before deciding, as plain data.

    Failures are the counted ones (`COUNTED_FAILURES`) going back at least `lookback()`.
    Failures on a code before its last success are forgiven: the success proves the caller
    holds the password. Failures from a number are never forgiven: an attacker who knows one
    code must not be able to clear their number's record with it. `number_failures` is empty
    when the number is withheld (see `number_is_known`).
    """

    code_failures: tuple[datetime, ...]
    number_failures: tuple[datetime, ...]
    attempts_in_call: int
    code_last_success: datetime | None = None


@dataclass(frozen=True)
class Allowed:
    attempts_left: int  # in this call, counting the one about to be made


@dataclass(frozen=True)
class LockedUntil:
    until: datetime
    scope: LockScope


@dataclass(frozen=True)
class OfferAgent:
    """No attempts left in this call: the IVR transfers the caller to an agent."""


Decision = Allowed | LockedUntil | OfferAgent


def lookback(policy: CaseQueryPolicy) -> timedelta:
    """How far back failures must be read: a lock still running began within this span."""
    return timedelta(minutes=policy.window_minutes + policy.lock_minutes)


def number_is_known(caller_number: str) -> bool:
    """Withheld numbers share no lock: one abuser must not lock out every anonymous caller."""
    return caller_number.strip().lower() not in _WITHHELD_NUMBERS


def decide(history: QueryHistory, now: datetime, policy: CaseQueryPolicy) -> Decision:
    """Before an attempt: may it be made? After a failure (included in `history`): what next?"""
    forgiven_before = history.code_last_success
    code_failures = [
        failure
        for failure in history.code_failures
        if forgiven_before is None or failure > forgiven_before
    ]
    locks = [
        LockedUntil(until, scope)
        for scope, failures in (
            (LockScope.QUERY_CODE, code_failures),
            (LockScope.CALLER_NUMBER, history.number_failures),
        )
        if (until := locked_until(failures, now, policy)) is not None
    ]
    if locks:
        return max(locks, key=lambda lock: lock.until)
    attempts_left = policy.attempts_per_call - history.attempts_in_call
    if attempts_left <= 0:
        return OfferAgent()
    return Allowed(attempts_left)


def locked_until(
    failures: Iterable[datetime], now: datetime, policy: CaseQueryPolicy
) -> datetime | None:
    """When the latest lock ends, if one is running at `now`.

    A lock starts at the failure that makes `lock_after_failures` failures within
    `window_minutes`, and lasts `lock_minutes` from that failure.
    """
    window = timedelta(minutes=policy.window_minutes)
    duration = timedelta(minutes=policy.lock_minutes)
    limit = policy.lock_after_failures
    times = sorted(failure for failure in failures if failure <= now)
    latest: datetime | None = None
    for last in range(limit - 1, len(times)):
        if times[last] - times[last - limit + 1] < window:
            until = times[last] + duration
            if until > now and (latest is None or until > latest):
                latest = until
    return latest

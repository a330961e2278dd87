"""Pure decisions of the outbox: when to try again, when to give up, what an HTTP status means."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import assert_never

from sms.model import DeliveryOutcome

# Past this exponent the delay is far beyond any cap; stops 2**attempts from growing unbounded.
_MAX_EXPONENT = 40
# A jitter of 1 takes this share off the delay, so a gateway that comes back after an outage is
# not hit by every waiting message in the same instant.
JITTER_SHARE = 0.2
# Statuses that say "not now" rather than "not this message".
_TEMPORARY_CLIENT_STATUSES = frozenset({408, 429})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    first_delay: timedelta
    max_delay: timedelta

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not timedelta(0) < self.first_delay <= self.max_delay:
            raise ValueError("need 0 < first_delay <= max_delay")


class NextStep(enum.StrEnum):
    MARK_SENT = "mark_sent"
    RETRY = "retry"
    MARK_FAILED = "mark_failed"


@dataclass(frozen=True)
class Decision:
    step: NextStep
    retry_at: datetime | None = None  # set for RETRY only


def backoff_delay(attempts: int, policy: RetryPolicy, jitter: float = 0.0) -> timedelta:
    """The wait after `attempts` failed attempts: first, doubled each time, capped.

    `jitter` in [0, 1] comes from the caller (a random source in production, fixed in tests)."""
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    if not 0.0 <= jitter <= 1.0:
        raise ValueError(f"jitter must be in [0, 1], got {jitter}")
    exponent = min(attempts - 1, _MAX_EXPONENT)
    delay = min(policy.first_delay * (1 << exponent), policy.max_delay)
    return delay * (1.0 - JITTER_SHARE * jitter)


def next_attempt_at(
    attempts: int, now: datetime, policy: RetryPolicy, jitter: float = 0.0
) -> datetime:
    return now + backoff_delay(attempts, policy, jitter)


def is_final_failure(attempts: int, policy: RetryPolicy) -> bool:
    return attempts >= policy.max_attempts


def classify_http_status(status: int) -> DeliveryOutcome:
    if 200 <= status < 300:
        return DeliveryOutcome.DELIVERED
    if status in _TEMPORARY_CLIENT_STATUSES or status >= 500:
        return DeliveryOutcome.TEMPORARY
    # Other 4xx, and 1xx/3xx a gateway API should never answer: the request itself is wrong,
    # and sending it again unchanged gets the same answer.
    return DeliveryOutcome.PERMANENT


def after_attempt(
    outcome: DeliveryOutcome,
    attempts: int,
    now: datetime,
    policy: RetryPolicy,
    jitter: float = 0.0,
) -> Decision:
    """What to record once attempt number `attempts` ended with `outcome`."""
    match outcome:
        case DeliveryOutcome.DELIVERED:
            return Decision(NextStep.MARK_SENT)
        case DeliveryOutcome.PERMANENT:
            return Decision(NextStep.MARK_FAILED)
        case DeliveryOutcome.TEMPORARY:
            if is_final_failure(attempts, policy):
                return Decision(NextStep.MARK_FAILED)
            return Decision(NextStep.RETRY, next_attempt_at(attempts, now, policy, jitter))
        case _:
            assert_never(outcome)

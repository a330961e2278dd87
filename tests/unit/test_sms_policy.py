"""The outbox's pure decisions: the backoff table, what follows an attempt, what a status means."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sms.model import DeliveryOutcome
from sms.policy import (
    JITTER_SHARE,
    Decision,
    NextStep,
    RetryPolicy,
    after_attempt,
    backoff_delay,
    classify_http_status,
    is_final_failure,
)

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
POLICY = RetryPolicy(
    max_attempts=8, first_delay=timedelta(seconds=5), max_delay=timedelta(minutes=1)
)


@pytest.mark.parametrize(
    ("attempts", "delay_s"),
    [(1, 5), (2, 10), (3, 20), (4, 40), (5, 60), (6, 60), (8, 60), (1_000, 60)],
)
def test_the_delay_starts_at_first_doubles_and_stops_at_the_cap(
    attempts: int, delay_s: float
) -> None:
    assert backoff_delay(attempts, POLICY) == timedelta(seconds=delay_s)


@pytest.mark.parametrize(
    ("attempts", "jitter", "delay_s"),
    [(1, 1.0, 4.0), (1, 0.5, 4.5), (3, 1.0, 16.0), (10, 1.0, 48.0), (10, 0.25, 57.0)],
)
def test_jitter_takes_at_most_its_share_off_the_delay(
    attempts: int, jitter: float, delay_s: float
) -> None:
    assert JITTER_SHARE == 0.2
    assert backoff_delay(attempts, POLICY, jitter) == timedelta(seconds=delay_s)


@pytest.mark.parametrize("attempts", [0, -1])
def test_a_delay_before_any_attempt_is_refused(attempts: int) -> None:
    with pytest.raises(ValueError, match="attempts must be at least 1"):
        backoff_delay(attempts, POLICY)


@pytest.mark.parametrize("jitter", [-0.01, 1.01])
def test_jitter_outside_zero_to_one_is_refused(jitter: float) -> None:
    with pytest.raises(ValueError, match=r"jitter must be in \[0, 1\]"):
        backoff_delay(1, POLICY, jitter)


@pytest.mark.parametrize(
    ("max_attempts", "first_s", "max_s", "message"),
    [
        (0, 1, 2, "max_attempts must be at least 1"),
        (3, 0, 2, "0 < first_delay <= max_delay"),
        (3, 3, 2, "0 < first_delay <= max_delay"),
    ],
)
def test_a_policy_that_cannot_work_is_refused(
    max_attempts: int, first_s: float, max_s: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        RetryPolicy(max_attempts, timedelta(seconds=first_s), timedelta(seconds=max_s))


def test_the_last_allowed_attempt_is_the_final_failure() -> None:
    assert [is_final_failure(attempts, POLICY) for attempts in (1, 7, 8, 9)] == [
        False,
        False,
        True,
        True,
    ]


@pytest.mark.parametrize(
    ("outcome", "attempts", "expected"),
    [
        (DeliveryOutcome.DELIVERED, 1, Decision(NextStep.MARK_SENT)),
        (DeliveryOutcome.DELIVERED, 8, Decision(NextStep.MARK_SENT)),
        (DeliveryOutcome.PERMANENT, 1, Decision(NextStep.MARK_FAILED)),
        (DeliveryOutcome.PERMANENT, 8, Decision(NextStep.MARK_FAILED)),
        (
            DeliveryOutcome.TEMPORARY,
            1,
            Decision(NextStep.RETRY, NOW + timedelta(seconds=4)),
        ),
        (
            DeliveryOutcome.TEMPORARY,
            3,
            Decision(NextStep.RETRY, NOW + timedelta(seconds=16)),
        ),
        (
            DeliveryOutcome.TEMPORARY,
            7,
            Decision(NextStep.RETRY, NOW + timedelta(seconds=48)),
        ),
        (DeliveryOutcome.TEMPORARY, 8, Decision(NextStep.MARK_FAILED)),
    ],
)
def test_each_outcome_leads_to_its_step_and_the_final_attempt_gives_up(
    outcome: DeliveryOutcome, attempts: int, expected: Decision
) -> None:
    assert after_attempt(outcome, attempts, NOW, POLICY, jitter=1.0) == expected


def test_a_single_attempt_policy_never_retries() -> None:
    once = RetryPolicy(1, timedelta(seconds=1), timedelta(seconds=1))
    assert after_attempt(DeliveryOutcome.TEMPORARY, 1, NOW, once) == Decision(NextStep.MARK_FAILED)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, DeliveryOutcome.DELIVERED),
        (202, DeliveryOutcome.DELIVERED),
        (204, DeliveryOutcome.DELIVERED),
        (301, DeliveryOutcome.PERMANENT),
        (400, DeliveryOutcome.PERMANENT),
        (401, DeliveryOutcome.PERMANENT),
        (404, DeliveryOutcome.PERMANENT),
        (408, DeliveryOutcome.TEMPORARY),
        (409, DeliveryOutcome.PERMANENT),
        (422, DeliveryOutcome.PERMANENT),
        (429, DeliveryOutcome.TEMPORARY),
        (500, DeliveryOutcome.TEMPORARY),
        (503, DeliveryOutcome.TEMPORARY),
    ],
)
def test_an_http_status_says_delivered_try_later_or_never(
    status: int, outcome: DeliveryOutcome
) -> None:
    assert classify_http_status(status) is outcome

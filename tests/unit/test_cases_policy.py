"""The case-query lockout, decided from plain data: per call, per query code, per caller number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from cases.config import CaseQueryPolicy
from cases.policy import (
    Allowed,
    Decision,
    LockedUntil,
    LockScope,
    OfferAgent,
    QueryHistory,
    decide,
    locked_until,
    lookback,
    number_is_known,
)

NOW = datetime(2024, 6, 3, 10, 0, tzinfo=UTC)
POLICY = CaseQueryPolicy()


def minutes_ago(*minutes: float) -> tuple[datetime, ...]:
    return tuple(NOW - timedelta(minutes=m) for m in minutes)


def at(minutes_from_now: float) -> datetime:
    return NOW + timedelta(minutes=minutes_from_now)


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        pytest.param(QueryHistory((), (), 0), Allowed(3), id="first-attempt"),
        pytest.param(QueryHistory(minutes_ago(1), minutes_ago(1), 1), Allowed(2), id="one-slip"),
        pytest.param(QueryHistory(minutes_ago(2, 1), (), 2), Allowed(1), id="last-try-of-call"),
        pytest.param(QueryHistory(minutes_ago(3, 2, 1), (), 3), OfferAgent(), id="call-exhausted"),
        pytest.param(QueryHistory((), (), 7), OfferAgent(), id="ivr-asked-again"),
        pytest.param(
            QueryHistory(minutes_ago(20, 15, 10, 5), (), 0), Allowed(3), id="four-failures-no-lock"
        ),
        pytest.param(
            QueryHistory(minutes_ago(25, 20, 15, 10, 5), (), 0),
            LockedUntil(at(55), LockScope.QUERY_CODE),
            id="fifth-failure-on-code-locks-60-min-from-it",
        ),
        pytest.param(
            QueryHistory((), minutes_ago(25, 20, 15, 10, 5), 0),
            LockedUntil(at(55), LockScope.CALLER_NUMBER),
            id="fifth-failure-from-number-locks",
        ),
        pytest.param(
            QueryHistory(minutes_ago(4, 3, 2, 1, 0), (), 2),
            LockedUntil(at(60), LockScope.QUERY_CODE),
            id="the-failure-just-made-triggers-the-lock",
        ),
        pytest.param(
            QueryHistory(minutes_ago(50, 40, 30, 20, 10), (), 0),
            Allowed(3),
            id="five-failures-spread-over-more-than-window",
        ),
        pytest.param(
            QueryHistory(minutes_ago(40, 35, 25, 20, 10), (), 0),
            Allowed(3),
            id="five-failures-exactly-30-min-apart-do-not-lock",
        ),
        pytest.param(
            QueryHistory(minutes_ago(39, 35, 25, 20, 10), (), 0),
            LockedUntil(at(50), LockScope.QUERY_CODE),
            id="five-failures-within-29-min-lock",
        ),
        pytest.param(
            QueryHistory(minutes_ago(70, 69, 68, 67, 61), (), 0),
            Allowed(3),
            id="lock-expired-after-60-min",
        ),
        pytest.param(
            QueryHistory(minutes_ago(70, 69, 68, 67, 60), (), 0),
            Allowed(3),
            id="lock-ends-exactly-at-until",
        ),
        pytest.param(
            QueryHistory(minutes_ago(70, 69, 68, 67, 59), (), 0),
            LockedUntil(at(1), LockScope.QUERY_CODE),
            id="lock-one-minute-left",
        ),
        pytest.param(
            QueryHistory(minutes_ago(25, 20, 15, 10, 5), minutes_ago(20, 18, 16, 14, 2), 0),
            LockedUntil(at(58), LockScope.CALLER_NUMBER),
            id="both-locked-the-later-end-wins",
        ),
        pytest.param(
            QueryHistory(minutes_ago(25, 20, 15, 10, 5), (), 3),
            LockedUntil(at(55), LockScope.QUERY_CODE),
            id="lock-outranks-offer-agent",
        ),
        pytest.param(
            QueryHistory(minutes_ago(25, 20, 15, 10, 5), (), 0, code_last_success=at(-7)),
            Allowed(3),
            id="success-forgives-earlier-code-failures",
        ),
        pytest.param(
            QueryHistory(minutes_ago(25, 20, 15, 10, 5), (), 0, code_last_success=at(-30)),
            LockedUntil(at(55), LockScope.QUERY_CODE),
            id="success-before-the-failures-forgives-nothing",
        ),
        pytest.param(
            QueryHistory((*minutes_ago(25, 20, 15, 10), at(5)), (), 0),
            Allowed(3),
            id="failures-after-now-ignored",
        ),
    ],
)
def test_decide(history: QueryHistory, expected: Decision) -> None:
    assert decide(history, NOW, POLICY) == expected


@pytest.mark.parametrize(
    ("policy", "failures", "expected"),
    [
        pytest.param(
            CaseQueryPolicy(lock_after_failures=3),
            minutes_ago(3, 2, 1),
            at(59),
            id="fewer-failures-configured",
        ),
        pytest.param(
            CaseQueryPolicy(window_minutes=5), minutes_ago(9, 7, 5, 3, 1), None, id="short-window"
        ),
        pytest.param(
            CaseQueryPolicy(lock_minutes=10), minutes_ago(15, 14, 13, 12, 11), None, id="short-lock"
        ),
        pytest.param(
            CaseQueryPolicy(lock_minutes=10, window_minutes=60),
            minutes_ago(50, 40, 30, 20, 12, 3),
            at(7),
            id="failure-after-a-short-lock-relocks-within-window",
        ),
        pytest.param(POLICY, (), None, id="no-failures"),
    ],
)
def test_locked_until(
    policy: CaseQueryPolicy, failures: tuple[datetime, ...], expected: datetime | None
) -> None:
    assert locked_until(failures, NOW, policy) == expected


def test_lookback_covers_a_window_and_a_lock() -> None:
    assert lookback(POLICY) == timedelta(minutes=90)


@pytest.mark.parametrize(
    ("number", "known"),
    [
        ("13912345678", True),
        ("+8613912345678", True),
        ("01065551234", True),
        ("", False),
        ("anonymous", False),
        ("Unknown", False),
        ("  ", False),
    ],
)
def test_withheld_numbers_share_no_lock(number: str, known: bool) -> None:
    assert number_is_known(number) is known


def test_policy_defaults() -> None:
    assert POLICY.model_dump() == {
        "attempts_per_call": 3,
        "lock_after_failures": 5,
        "window_minutes": 30,
        "lock_minutes": 60,
    }


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"attempts_per_call": 0}, "greater than or equal to 1"),
        ({"lock_minutes": 0}, "greater than or equal to 1"),
        ({"attempts_per_call": 4, "lock_after_failures": 3}, "must be at least attempts_per_call"),
        ({"lock_after": 5}, "Extra inputs are not permitted"),
        ({"window_minutes": "half an hour"}, "valid integer"),
    ],
)
def test_policy_rejects_bad_values(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CaseQueryPolicy.model_validate(values)

"""Pure decisions of quality work: which closed orders are sampled for a follow-up call, what
happens after each call attempt, and how a closed order is graded."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from quality.model import (
    Answer,
    Answers,
    AttemptOutcome,
    ClosedOrder,
    FailReason,
    FollowUpState,
    Grade,
    GradeResult,
)

# Replies that acknowledge without answering (they fail "substantive" whatever their length).
EMPTY_REPLIES = frozenset({"收到", "已收到", "知道了", "已阅", "好的", "已处理", "ok", "收到。"})


@dataclass(frozen=True)
class SamplePolicy:
    """Per division: a fixed count, or a share (rounded up, at least one) of its closed orders."""

    per_division: int | None = 3
    share: float | None = None

    def size(self, available: int) -> int:
        if available == 0:
            return 0
        if self.share is not None:
            # Rounded to millionths first: 10 × 0.3 is 3, not 3.0000000000000004 → 4.
            return min(available, max(1, math.ceil(round(available * self.share, 6))))
        assert self.per_division is not None
        return min(available, self.per_division)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    retry_after: timedelta = timedelta(hours=4)


def division_key(order: ClosedOrder) -> str:
    """Orders are sampled per division of a court; those of no division form the court's own."""
    return f"{order.court_id}/{order.division_id or '-'}"


def week_of(day: date) -> date:
    """The Monday a week starts on: a round is drawn once per week."""
    return day - timedelta(days=day.weekday())


def sample(orders: Iterable[ClosedOrder], policy: SamplePolicy, seed: int) -> dict[str, list[int]]:
    """Per division, the sampled order ids (ascending). The same orders and seed give the same
    sample: each division draws from its own generator, seeded by the seed and its key."""
    by_division: dict[str, list[int]] = defaultdict(list)
    for order in orders:
        by_division[division_key(order)].append(order.id)
    chosen: dict[str, list[int]] = {}
    for key in sorted(by_division):
        ids = sorted(by_division[key])
        rng = random.Random(f"{seed}:{key}")
        chosen[key] = sorted(rng.sample(ids, policy.size(len(ids))))
    return chosen


def after_attempt(
    outcome: AttemptOutcome, attempts: int, now: datetime, retry: RetryPolicy
) -> tuple[FollowUpState, datetime | None]:
    """The follow-up's state after attempt number `attempts`, and when to call again."""
    match outcome:
        case AttemptOutcome.ANSWERED:
            return FollowUpState.DONE, None
        case AttemptOutcome.DECLINED:
            return FollowUpState.DECLINED, None
        case AttemptOutcome.WRONG_NUMBER:
            return FollowUpState.UNREACHABLE, None
        case AttemptOutcome.NO_ANSWER | AttemptOutcome.BUSY:
            if attempts >= retry.max_attempts:
                return FollowUpState.UNREACHABLE, None
            return FollowUpState.OPEN, now + retry.retry_after
    raise AssertionError(outcome)


def substantive(reply: str | None, min_chars: int) -> bool:
    if reply is None:
        return False
    text = reply.strip()
    return text.lower() not in EMPTY_REPLIES and len(text) >= min_chars


def grade(
    order: ClosedOrder,
    answers: Answers | None,
    *,
    min_chars: int,
    contact_categories: Sequence[str],
) -> Grade:
    """Pass only when replied on time, with substance, and the litigant (if asked) did not say
    the problem is unsolved — nor, for contact-the-judge orders, that the judge never called."""
    on_time = order.replied_at is not None and order.replied_at <= order.due_at
    has_substance = substantive(order.reply, min_chars)
    solved = answers.problem_solved if answers is not None else Answer.UNKNOWN
    reasons: list[FailReason] = []
    if not on_time:
        reasons.append(FailReason.OVERDUE)
    if not has_substance:
        reasons.append(FailReason.NOT_SUBSTANTIVE)
    if solved is Answer.NO:
        reasons.append(FailReason.NOT_SOLVED)
    if (
        answers is not None
        and order.category in contact_categories
        and answers.judge_called is Answer.NO
    ):
        reasons.append(FailReason.JUDGE_DID_NOT_CALL)
    result = GradeResult.FAILED if reasons else GradeResult.PASSED
    return Grade(result, tuple(reasons), on_time, has_substance, solved)

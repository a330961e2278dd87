"""Quality work's pure decisions: the weekly sample, call-attempt retries, grading."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from quality.model import (
    Answer,
    Answers,
    AttemptOutcome,
    ClosedOrder,
    FailReason,
    FollowUpState,
    GradeResult,
)
from quality.policy import (
    RetryPolicy,
    SamplePolicy,
    after_attempt,
    division_key,
    grade,
    sample,
    substantive,
    week_of,
)

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
YES = Answers(Answer.YES, Answer.YES, Answer.YES)


def order(
    order_id: int,
    division: str | None = "cy-civil1",
    *,
    court: str = "chaoyang",
    replied_after_h: float | None = 2,
    reply: str | None = "已电话联系当事人，说明了保全申请的办理进度。",
    category: str = "contact_judge",
) -> ClosedOrder:
    return ClosedOrder(
        id=order_id,
        court_id=court,
        division_id=division,
        category=category,
        due_at=T0 + timedelta(hours=24),
        replied_at=T0 + timedelta(hours=replied_after_h) if replied_after_h is not None else None,
        reply=reply,
        closed_at=T0 + timedelta(hours=30),
    )


def test_each_division_gets_its_count_and_the_same_seed_draws_the_same_sample() -> None:
    orders = [order(i, "cy-civil1") for i in range(1, 11)] + [
        order(i, "cy-civil2") for i in range(11, 13)
    ]
    orders.append(order(13, None))
    drawn = sample(orders, SamplePolicy(per_division=3), seed=20261130)
    assert {key: len(ids) for key, ids in drawn.items()} == {
        "chaoyang/cy-civil1": 3,
        "chaoyang/cy-civil2": 2,  # fewer than the count: all of them
        "chaoyang/-": 1,
    }
    assert set(drawn["chaoyang/cy-civil1"]) <= set(range(1, 11))
    assert sample(reversed(orders), SamplePolicy(per_division=3), seed=20261130) == drawn
    others = {
        tuple(sample(orders, SamplePolicy(3), seed=s)["chaoyang/cy-civil1"]) for s in range(20)
    }
    assert len(others) > 5, "another seed, another sample"


@pytest.mark.parametrize(
    ("available", "share", "expected"),
    [(10, 0.3, 3), (7, 0.1, 1), (0, 0.5, 0), (4, 1.0, 4), (11, 0.25, 3)],
)
def test_a_share_is_rounded_up_and_never_nothing(
    available: int, share: float, expected: int
) -> None:
    assert SamplePolicy(per_division=None, share=share).size(available) == expected


def test_a_week_starts_on_monday_and_orders_group_by_court_and_division() -> None:
    assert week_of(date(2026, 12, 6)) == date(2026, 11, 30)
    assert week_of(date(2026, 11, 30)) == date(2026, 11, 30)
    assert division_key(order(1, None, court="haidian")) == "haidian/-"


def test_unreached_litigants_get_retries_then_a_final_state() -> None:
    retry = RetryPolicy(max_attempts=3, retry_after=timedelta(hours=4))
    assert after_attempt(AttemptOutcome.NO_ANSWER, 1, T0, retry) == (
        FollowUpState.OPEN,
        T0 + timedelta(hours=4),
    )
    assert after_attempt(AttemptOutcome.BUSY, 2, T0, retry)[0] is FollowUpState.OPEN
    assert after_attempt(AttemptOutcome.NO_ANSWER, 3, T0, retry) == (
        FollowUpState.UNREACHABLE,
        None,
    )
    assert after_attempt(AttemptOutcome.WRONG_NUMBER, 1, T0, retry)[0] is FollowUpState.UNREACHABLE
    assert after_attempt(AttemptOutcome.ANSWERED, 1, T0, retry) == (FollowUpState.DONE, None)
    assert after_attempt(AttemptOutcome.DECLINED, 1, T0, retry)[0] is FollowUpState.DECLINED


def test_a_timely_substantive_reply_that_solved_the_problem_passes() -> None:
    result = grade(order(1), YES, min_chars=10, contact_categories=("contact_judge",))
    assert (result.result, result.reasons, result.on_time, result.substantive) == (
        GradeResult.PASSED,
        (),
        True,
        True,
    )
    assert result.solved is Answer.YES
    unasked = grade(order(1), None, min_chars=10, contact_categories=("contact_judge",))
    assert unasked.result is GradeResult.PASSED and unasked.solved is Answer.UNKNOWN


@pytest.mark.parametrize(
    ("closed", "answers", "reasons"),
    [
        (order(1, replied_after_h=30), YES, (FailReason.OVERDUE,)),
        (
            order(1, replied_after_h=None, reply=None),
            None,
            (FailReason.OVERDUE, FailReason.NOT_SUBSTANTIVE),
        ),
        (order(1, reply="已收到"), YES, (FailReason.NOT_SUBSTANTIVE,)),
        (order(1, reply="好的，会处理"), YES, (FailReason.NOT_SUBSTANTIVE,)),  # too short
        (order(1), Answers(Answer.YES, Answer.NO, Answer.NO), (FailReason.NOT_SOLVED,)),
        (
            order(1),
            Answers(Answer.NO, Answer.UNKNOWN, Answer.YES),
            (FailReason.JUDGE_DID_NOT_CALL,),
        ),
        # A complaint is not a request to be phoned by the judge.
        (order(1, category="complaint"), Answers(Answer.NO, Answer.YES, Answer.YES), ()),
    ],
)
def test_each_failing_point_is_a_reason(
    closed: ClosedOrder, answers: Answers | None, reasons: tuple[FailReason, ...]
) -> None:
    result = grade(closed, answers, min_chars=10, contact_categories=("contact_judge",))
    assert result.reasons == reasons
    assert result.result is (GradeResult.FAILED if reasons else GradeResult.PASSED)


def test_bare_acknowledgements_are_never_substantive() -> None:
    assert not substantive("  收到  ", 1)
    assert not substantive("OK", 1)
    assert substantive("已联系，下周一开庭", 5)
    assert not substantive(None, 1)

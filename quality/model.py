"""Quality (质检回访) as data: follow-up callbacks to litigants on a sample of closed work orders,
their answers, and each closed order's grade. No I/O."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Answer(enum.StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"  # the litigant could not say


class FollowUpState(enum.StrEnum):
    OPEN = "open"  # to be called (again)
    DONE = "done"  # reached; the answers are recorded
    UNREACHABLE = "unreachable"  # every attempt failed: the final state without answers
    DECLINED = "declined"  # reached, but did not want to answer


class AttemptOutcome(enum.StrEnum):
    ANSWERED = "answered"  # reached, questions answered
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"  # nobody to ask there: final at once
    DECLINED = "declined"


class GradeResult(enum.StrEnum):
    PASSED = "pass"
    FAILED = "fail"


class FailReason(enum.StrEnum):
    OVERDUE = "overdue"  # replied after the deadline (or never)
    NOT_SUBSTANTIVE = "not_substantive"  # the reply says nothing the caller can use
    NOT_SOLVED = "not_solved"  # the litigant says the problem is not solved
    JUDGE_DID_NOT_CALL = "judge_did_not_call"  # for contact-the-judge orders


# Shown to supervisors (zh-CN).
REASON_LABELS = {
    FailReason.OVERDUE: "超期答复",
    FailReason.NOT_SUBSTANTIVE: "答复无实质内容",
    FailReason.NOT_SOLVED: "问题未解决",
    FailReason.JUDGE_DID_NOT_CALL: "法官未回电",
}

# The scripted questions the agent reads out (zh-CN), in order.
QUESTIONS = {
    "judge_called": "法官（或承办人）是否已经联系您？",
    "problem_solved": "您反映的问题是否已经解决？",
    "satisfied": "您对这次办理是否满意？",
}


@dataclass(frozen=True)
class ClosedOrder:
    """What grading and sampling need of a closed work order."""

    id: int
    court_id: str
    division_id: str | None
    category: str
    due_at: datetime
    replied_at: datetime | None
    reply: str | None
    closed_at: datetime


@dataclass(frozen=True)
class Answers:
    judge_called: Answer
    problem_solved: Answer
    satisfied: Answer


@dataclass(frozen=True)
class Grade:
    result: GradeResult
    reasons: tuple[FailReason, ...]
    on_time: bool
    substantive: bool
    solved: Answer  # UNKNOWN without a follow-up answer

"""A case as read out to a litigant, and what a query by code and password can answer."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime

from cases.errors import InvalidCredentialFormat

# ASCII digits only: str.isdigit() and \d would accept full-width and superscript digits.
QUERY_CODE = re.compile(r"[0-9]{6,20}")


def check_query_code(query_code: str) -> str:
    if not QUERY_CODE.fullmatch(query_code):
        raise InvalidCredentialFormat("a case query code must be 6 to 20 digits")
    return query_code


@dataclass(frozen=True)
class Case:
    case_number: str  # e.g. (2024)京0105民初12345号
    court_id: str
    division: str | None
    query_code: str
    stage: str  # e.g. 审理中
    judge_name: str
    next_hearing: datetime | None
    last_event: str
    last_event_at: datetime | None


@dataclass(frozen=True)
class CaseRecord:
    """A case with the argon2 hash of its password, as a case directory returns it."""

    case: Case
    password_hash: str

    def __repr__(self) -> str:
        return f"CaseRecord(case={self.case!r}, password_hash='<hidden>')"


# What the caller may learn. There is deliberately no "unknown code" outcome: an unknown code is
# answered exactly like a wrong password, so the line cannot be used to find which codes exist.
# Only the attempts table and the logs tell the two apart (AttemptReason).


@dataclass(frozen=True)
class Found:
    case: Case


@dataclass(frozen=True)
class Wrong:
    """Code or password wrong; with no attempts left in this call the IVR offers an agent."""

    attempts_left: int

    @property
    def offer_agent(self) -> bool:
        return self.attempts_left == 0


@dataclass(frozen=True)
class Locked:
    """Too many failures for this code or from this number; the IVR offers an agent."""

    until: datetime


QueryOutcome = Found | Wrong | Locked


class AttemptReason(enum.StrEnum):
    """Why an attempt ended as it did: stored with each attempt, never told to the caller."""

    SUCCESS = "success"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 -- a reason, not a password
    UNKNOWN_CODE = "unknown_code"
    MALFORMED = "malformed"  # not the digits a code or password must be
    LOCKED = "locked"  # refused without checking the password
    CALL_EXHAUSTED = "call_exhausted"  # the IVR asked again after the last attempt of the call
    INVALID_HASH = "invalid_hash"  # our data is broken; not the caller's failure

"""Who can be reached about a case: courts, their divisions and judges, and the cases they hold.

Phone numbers here are personal data: they are dialled and messaged by the switch, shown only to
roles allowed to see them, and masked in every log line.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

# Directory ids are chosen by the courts' admins: letters, digits, '-', '_' and '.'.
DIRECTORY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
# A number the carrier can dial: digits, optionally a leading '+'. Extensions are not dialled.
PHONE_NUMBER = re.compile(r"^\+?[0-9]{5,20}$")


def check_phone(value: str) -> str:
    number = value.strip().replace("-", "").replace(" ", "")
    if not PHONE_NUMBER.fullmatch(number):
        raise ValueError("must be a phone number of 5 to 20 digits (an optional leading +)")
    return number


class ContactRole(enum.StrEnum):
    """The steps of an urgent contact, in the order courts describe them."""

    JUDGE = "judge"  # the judge in charge (承办法官), on the mobile
    DIVISION_OFFICE = "division_office"  # the division's office phone (庭室电话)
    DIVISION_HEAD = "division_head"  # 庭长, who can assign another judge
    DUTY_JUDGE = "duty_judge"  # the court's duty judge (值班法官), where one is named


@dataclass(frozen=True)
class Person:
    name: str
    mobile: str | None = None


@dataclass(frozen=True)
class Court:
    id: str  # the platform id of the court in the routing YAML
    name: str
    supervision_office: Person | None = None  # 督查室: complaints that cannot go to a division head
    duty_judge_id: str | None = None


@dataclass(frozen=True)
class Division:
    id: str
    court_id: str
    name: str  # e.g. 民一庭
    office_phone: str | None = None
    head_judge_id: str | None = None
    clerk: Person | None = None  # 内勤


@dataclass(frozen=True)
class Judge:
    id: str
    court_id: str
    name: str
    division_id: str | None = None
    mobile: str | None = None
    office_phone: str | None = None
    assistant: Person | None = None  # 法官助理


@dataclass(frozen=True)
class CaseFile:
    """A case as the directory knows it: who is in charge and which numbers are its parties'."""

    court_id: str
    case_number: str  # e.g. (2026)京0105民初12345号
    division_id: str | None
    judge_id: str | None
    party_phones: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseContacts:
    """Everything needed to reach someone about one case, read in one go from the directory."""

    case: CaseFile
    court: Court | None = None
    division: Division | None = None
    judge: Judge | None = None
    division_head: Judge | None = None
    duty_judge: Judge | None = None


@dataclass(frozen=True)
class ContactStep:
    """One number the switch dials during an urgent contact."""

    role: ContactRole
    name: str  # read to nobody; shown to the agent and stored with the step
    number: str = field(repr=False)
    judge_id: str | None = None

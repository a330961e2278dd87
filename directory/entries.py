"""One directory entry read from plain data (a YAML file's or an API body's), and its references.

The importer and the API both use these, so a judge is held to the same rules whichever way it
comes in. Nothing here does I/O: references are checked against a `DirectoryView` the caller
builds (an import file's good entries over the database's rows, or the few rows an edit touches).
Problems never repeat a phone number: they name the field instead.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from directory.model import DIRECTORY_ID, CaseFile, Court, Division, Judge, Person, check_phone

MAX_TEXT = 200

FieldPath = tuple[str | int, ...]
Entry = Court | Division | Judge | CaseFile


class Kind(enum.StrEnum):
    COURT = "court"
    DIVISION = "division"
    JUDGE = "judge"
    CASE = "case"

    @property
    def section(self) -> str:
        """The list holding this kind in a directory file."""
        return f"{self.value}s"


FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.COURT: ("id", "name", "supervision_office", "duty_judge_id"),
    Kind.DIVISION: ("id", "court_id", "name", "office_phone", "head_judge_id", "clerk"),
    Kind.JUDGE: ("id", "court_id", "division_id", "name", "mobile", "office_phone", "assistant"),
    Kind.CASE: ("case_number", "court_id", "division_id", "judge_id", "party_phones"),
}


def dotted(path: FieldPath) -> str:
    """`clerk.mobile`, `party_phones[1]`; empty for the entry as a whole."""
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts)


@dataclass(frozen=True)
class Problem:
    path: FieldPath  # the field within the entry; () for the entry as a whole
    message: str
    code: str = "bad-field"
    at_key: bool = False  # about the field's name (unknown field), not its value

    @property
    def field(self) -> str:
        return dotted(self.path)


class _Reader:
    """The fields of one mapping: each read notes its problem and gives None instead."""

    def __init__(
        self,
        raw: Mapping[Any, Any],
        allowed: Sequence[str],
        problems: list[Problem],
        prefix: FieldPath = (),
    ) -> None:
        self._raw = raw
        self._prefix = prefix
        self.problems = problems
        for key in raw:
            if key not in allowed:
                self._fail(key, f"unknown field (expected: {', '.join(allowed)})", at_key=True)

    def _fail(self, name: str | int, message: str, *, at_key: bool = False) -> None:
        self.problems.append(Problem((*self._prefix, name), message, at_key=at_key))

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self._raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self._fail(name, "missing")
            return None
        if not isinstance(value, str):
            self._fail(name, f"must be text, not {_kind_of(value)} (put it in quotes)")
            return None
        if len(value.strip()) > MAX_TEXT:
            self._fail(name, f"too long ({len(value.strip())} characters, at most {MAX_TEXT})")
            return None
        return value.strip()

    def identifier(self, name: str, *, required: bool = False) -> str | None:
        value = self.text(name, required=required)
        if value is not None and not DIRECTORY_ID.fullmatch(value):
            self._fail(
                name,
                "must be 1 to 40 letters, digits, '-', '_' or '.', starting with a letter or digit",
            )
            return None
        return value

    def phone(self, name: str) -> str | None:
        value = self._raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return self._phone_value(name, value)

    def _phone_value(self, name: str | int, value: object) -> str | None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            self._fail(name, "must be in quotes: read as a number, it would lose a leading 0")
            return None
        if not isinstance(value, str):
            self._fail(name, f"must be a phone number as text, not {_kind_of(value)}")
            return None
        try:
            return check_phone(value)
        except ValueError as exc:
            self._fail(name, str(exc))
            return None

    def person(self, name: str, number_field: str) -> Person | None:
        """A named person or office with an optional number: `{name: …, <number_field>: …}`."""
        value = self._raw.get(name)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self._fail(name, f"must be a mapping {{name: …, {number_field}: …}}")
            return None
        reader = _Reader(value, ("name", number_field), self.problems, (*self._prefix, name))
        person_name = reader.text("name", required=True)
        number = reader.phone(number_field)
        return Person(person_name, number) if person_name is not None else None

    def phones(self, name: str) -> tuple[str, ...]:
        value = self._raw.get(name)
        if value is None:
            return ()
        if not isinstance(value, list):
            self._fail(name, "must be a list of phone numbers")
            return ()
        items = _Reader({}, (), self.problems, (*self._prefix, name))
        numbers: list[str] = []
        for index, item in enumerate(value):
            if item is None:
                items._fail(index, "missing")
            elif (number := items._phone_value(index, item)) is not None:
                numbers.append(number)
        return tuple(dict.fromkeys(numbers))  # a number given twice is stored once


def _kind_of(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


NOT_A_MAPPING = "must be a mapping of fields (id: …, name: …)"


def _reader(kind: Kind, raw: object, problems: list[Problem]) -> _Reader | None:
    if not isinstance(raw, Mapping):
        problems.append(Problem((), NOT_A_MAPPING))
        return None
    return _Reader(raw, FIELDS[kind], problems)


def read_court(raw: object) -> tuple[Court | None, list[Problem]]:
    problems: list[Problem] = []
    fields = _reader(Kind.COURT, raw, problems)
    if fields is None:
        return None, problems
    court_id = fields.identifier("id", required=True)
    name = fields.text("name", required=True)
    office = fields.person("supervision_office", "phone")
    duty_judge_id = fields.identifier("duty_judge_id")
    if problems or court_id is None or name is None:
        return None, problems
    return Court(court_id, name, office, duty_judge_id), problems


def read_division(raw: object) -> tuple[Division | None, list[Problem]]:
    problems: list[Problem] = []
    fields = _reader(Kind.DIVISION, raw, problems)
    if fields is None:
        return None, problems
    division_id = fields.identifier("id", required=True)
    court_id = fields.identifier("court_id", required=True)
    name = fields.text("name", required=True)
    office_phone = fields.phone("office_phone")
    head_judge_id = fields.identifier("head_judge_id")
    clerk = fields.person("clerk", "mobile")
    if problems or division_id is None or court_id is None or name is None:
        return None, problems
    return Division(division_id, court_id, name, office_phone, head_judge_id, clerk), problems


def read_judge(raw: object) -> tuple[Judge | None, list[Problem]]:
    problems: list[Problem] = []
    fields = _reader(Kind.JUDGE, raw, problems)
    if fields is None:
        return None, problems
    judge_id = fields.identifier("id", required=True)
    court_id = fields.identifier("court_id", required=True)
    division_id = fields.identifier("division_id")
    name = fields.text("name", required=True)
    mobile = fields.phone("mobile")
    office_phone = fields.phone("office_phone")
    assistant = fields.person("assistant", "mobile")
    if problems or judge_id is None or court_id is None or name is None:
        return None, problems
    judge = Judge(judge_id, court_id, name, division_id, mobile, office_phone, assistant)
    return judge, problems


def read_case(raw: object) -> tuple[CaseFile | None, list[Problem]]:
    problems: list[Problem] = []
    fields = _reader(Kind.CASE, raw, problems)
    if fields is None:
        return None, problems
    case_number = fields.text("case_number", required=True)
    court_id = fields.identifier("court_id", required=True)
    division_id = fields.identifier("division_id")
    judge_id = fields.identifier("judge_id")
    party_phones = fields.phones("party_phones")
    if problems or case_number is None or court_id is None:
        return None, problems
    return CaseFile(court_id, case_number, division_id, judge_id, party_phones), problems


def read_entry(kind: Kind, raw: object) -> tuple[Entry | None, list[Problem]]:
    match kind:
        case Kind.COURT:
            return read_court(raw)
        case Kind.DIVISION:
            return read_division(raw)
        case Kind.JUDGE:
            return read_judge(raw)
        case Kind.CASE:
            return read_case(raw)


@dataclass(frozen=True)
class DirectoryView:
    """What entries may refer to, by id, as the directory will be once they are written."""

    courts: Mapping[str, Court] = field(default_factory=dict)
    divisions: Mapping[str, Division] = field(default_factory=dict)
    judges: Mapping[str, Judge] = field(default_factory=dict)
    known_courts: Collection[str] | None = None  # the config's platform ids, when given
    # Entries of an import file rejected for their own problems, by line: named in messages.
    not_imported: Mapping[tuple[Kind, str], int] = field(default_factory=dict)
    # Divisions that stay as they are, by the judge they name as head: that judge may not leave.
    # (A division being written alongside is checked itself, so it is not listed here.)
    heads: Mapping[str, Sequence[Division]] = field(default_factory=dict)


def heads_of(divisions: Iterable[Division]) -> dict[str, list[Division]]:
    """The divisions naming each judge as their head, for `DirectoryView.heads`."""
    headed: defaultdict[str, list[Division]] = defaultdict(list)
    for division in divisions:
        if division.head_judge_id is not None:
            headed[division.head_judge_id].append(division)
    return dict(headed)


def reference_problems(entry: Entry, view: DirectoryView) -> list[Problem]:
    """Every reference of `entry` that `view` cannot satisfy; empty when all hold."""
    problems: list[Problem] = []
    match entry:
        case Court():
            _court_references(entry, view, problems)
        case Division():
            _division_references(entry, view, problems)
        case Judge():
            _judge_references(entry, view, problems)
        case CaseFile():
            _case_references(entry, view, problems)
    return problems


def _court_references(court: Court, view: DirectoryView, problems: list[Problem]) -> None:
    if view.known_courts is not None and court.id not in view.known_courts:
        problems.append(
            Problem(
                ("id",),
                f"unknown court {court.id!r}: not a platform id of the config",
                "court-not-found",
            )
        )
    if court.duty_judge_id is not None:
        judge = _judge(view, court.duty_judge_id, "duty_judge_id", problems)
        if judge is not None and judge.court_id != court.id:
            problems.append(
                Problem(
                    ("duty_judge_id",),
                    f"judge {judge.id!r} is of court {judge.court_id!r}",
                    "bad-reference",
                )
            )


def _division_references(division: Division, view: DirectoryView, problems: list[Problem]) -> None:
    _court(view, division.court_id, problems)
    if division.head_judge_id is not None:
        head = _judge(view, division.head_judge_id, "head_judge_id", problems)
        if head is not None and head.division_id != division.id:
            where = f"in {head.division_id!r}" if head.division_id else "in no division"
            problems.append(
                Problem(
                    ("head_judge_id",),
                    f"judge {head.id!r} is not in division {division.id!r} but {where}",
                    "bad-reference",
                )
            )


def _judge_references(judge: Judge, view: DirectoryView, problems: list[Problem]) -> None:
    _court(view, judge.court_id, problems)
    if judge.division_id is not None:
        _division_of_court(view, judge.division_id, judge.court_id, problems)
    for headed in view.heads.get(judge.id, []):
        if headed.id != judge.division_id:
            # The urgent chain rings a division's head as that division's fallback.
            problems.append(
                Problem(
                    ("division_id",),
                    f"division {headed.id!r} names this judge as its head,"
                    " so the judge must be in that division",
                    "bad-reference",
                )
            )


def _case_references(case: CaseFile, view: DirectoryView, problems: list[Problem]) -> None:
    _court(view, case.court_id, problems)
    if case.division_id is not None:
        _division_of_court(view, case.division_id, case.court_id, problems)
    if case.judge_id is not None:
        judge = _judge(view, case.judge_id, "judge_id", problems)
        if judge is None:
            return
        if judge.court_id != case.court_id:
            problems.append(
                Problem(
                    ("judge_id",),
                    f"judge {judge.id!r} is of court {judge.court_id!r}, not {case.court_id!r}",
                    "bad-reference",
                )
            )
        elif case.division_id and judge.division_id and judge.division_id != case.division_id:
            problems.append(
                Problem(
                    ("judge_id",),
                    f"judge {judge.id!r} is in division {judge.division_id!r},"
                    f" not {case.division_id!r}",
                    "bad-reference",
                )
            )


def _missing(view: DirectoryView, kind: Kind, entry_id: str, name: str) -> Problem:
    line = view.not_imported.get((kind, entry_id))
    if line is not None:
        message = f"{kind} {entry_id!r} is not imported (see line {line})"
        return Problem((name,), message, "bad-reference")
    return Problem((name,), f"unknown {kind} {entry_id!r}", f"{kind}-not-found")


def _court(view: DirectoryView, court_id: str, problems: list[Problem]) -> Court | None:
    court = view.courts.get(court_id)
    if court is None:
        if view.known_courts is not None and court_id not in view.known_courts:
            message = f"unknown court {court_id!r}: not a platform id of the config"
            problems.append(Problem(("court_id",), message, "court-not-found"))
        else:
            problems.append(_missing(view, Kind.COURT, court_id, "court_id"))
    return court


def _division(view: DirectoryView, division_id: str, problems: list[Problem]) -> Division | None:
    division = view.divisions.get(division_id)
    if division is None:
        problems.append(_missing(view, Kind.DIVISION, division_id, "division_id"))
    return division


def _division_of_court(
    view: DirectoryView, division_id: str, court_id: str, problems: list[Problem]
) -> Division | None:
    """The division an entry names, which must be of the entry's own court."""
    division = _division(view, division_id, problems)
    if division is not None and division.court_id != court_id:
        problems.append(
            Problem(
                ("division_id",),
                f"division {division.id!r} is of court {division.court_id!r}, not {court_id!r}",
                "bad-reference",
            )
        )
    return division


def _judge(view: DirectoryView, judge_id: str, name: str, problems: list[Problem]) -> Judge | None:
    judge = view.judges.get(judge_id)
    if judge is None:
        problems.append(_missing(view, Kind.JUDGE, judge_id, name))
    return judge

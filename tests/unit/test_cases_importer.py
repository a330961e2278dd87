"""Parsing a court's case export: every bad row named by file, physical line and column."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from cases.errors import CaseImportError
from cases.importer import COURT_TIMEZONE, parse_cases_csv, parse_moment

HEADER = (
    "case_number,court_id,division,query_code,password,stage,judge_name,"
    "next_hearing,last_event,last_event_at\n"
)
GOOD = (
    "(2024)京0105民初12345号,bj-chaoyang,民一庭,{code},{password},审理中,王芳,"
    "{hearing},已排期开庭,{event}\n"
)
SHANGHAI = timezone(timedelta(hours=8))


def row(
    code: str = "100200300",
    password: str = "4821",  # noqa: S107 -- test data
    hearing: str = "2024-07-01 09:30",
    event: str = "2024-06-01 15:00",
) -> str:
    return GOOD.format(code=code, password=password, hearing=hearing, event=event)


def errors_of(text: str) -> list[str]:
    return [str(error) for error in parse_cases_csv(text, "cases.csv").errors]


def test_good_rows_become_cases_in_court_time() -> None:
    parsed = parse_cases_csv(HEADER + row() + row(code="100200301", hearing=""), "cases.csv")
    assert parsed.errors == ()
    assert parsed.rejected == 0
    first, second = parsed.rows
    assert (first.line, second.line) == (2, 3)
    assert first.case.case_number == "(2024)京0105民初12345号"
    assert first.case.division == "民一庭"
    assert first.case.next_hearing == datetime(2024, 7, 1, 9, 30, tzinfo=COURT_TIMEZONE)
    assert first.case.next_hearing.utcoffset() == timedelta(hours=8)
    assert first.password == "4821"
    assert "4821" not in repr(first)
    assert second.case.next_hearing is None


def test_columns_may_come_in_any_order_and_blank_optionals_are_none() -> None:
    text = (
        "query_code,password,case_number,court_id,stage,judge_name,last_event,"
        "division,next_hearing,last_event_at\n"
        "100200300,4821,(2024)京01民终7号,bj-1st-intermediate,已立案,李强,立案,,,\n"
    )
    (parsed,) = parse_cases_csv(text, "cases.csv").rows
    assert parsed.case.query_code == "100200300"
    assert parsed.case.division is None
    assert parsed.case.last_event_at is None


@pytest.mark.parametrize(
    ("bad_row", "expected"),
    [
        pytest.param(
            row(code="12345"), "cases.csv:3: query_code: a case query code must be 6 to 20 digits"
        ),
        pytest.param(
            row(code="10020030O"),
            "cases.csv:3: query_code: a case query code must be 6 to 20 digits",
            id="letter-O-for-zero",
        ),
        pytest.param(
            row(password="48 21"), "cases.csv:3: password: a case password must be 4 to 12 digits"
        ),
        pytest.param(row(password=""), "cases.csv:3: password: missing"),
        pytest.param(
            row(hearing="2024-07-01"),
            "cases.csv:3: next_hearing: expected a date and time like 2024-06-01 09:30,"
            " not '2024-07-01'",
            id="date-without-time",
        ),
        pytest.param(
            row(event="2024-02-30 10:00"),
            "cases.csv:3: last_event_at: expected a date and time like 2024-06-01 09:30,"
            " not '2024-02-30 10:00'",
            id="no-such-day",
        ),
        pytest.param(
            "(2024)京0105民初1号,bj-chaoyang,,100200300,4821,,王芳,,立案,\n",
            "cases.csv:3: stage: missing",
        ),
        pytest.param(
            "(2024)京0105民初1号,bj-chaoyang,,100200300,4821,审理中,王芳\n",
            "cases.csv:3: row: expected 10 fields, found 7",
        ),
    ],
)
def test_bad_row_reported_by_line_and_column(bad_row: str, expected: str) -> None:
    parsed = parse_cases_csv(HEADER + row(code="999999") + bad_row, "cases.csv")
    assert [str(error) for error in parsed.errors] == [expected]
    assert parsed.rejected == 1
    assert [good.line for good in parsed.rows] == [2]


def test_errors_never_repeat_a_password() -> None:
    errors = errors_of(HEADER + row(password="12345678901234"))
    assert errors == ["cases.csv:2: password: a case password must be 4 to 12 digits"]


def test_every_problem_of_a_row_is_listed_in_column_order() -> None:
    text = HEADER + ",bj-chaoyang,,12ab,1,审理中,王芳,tomorrow,立案,\n"
    assert errors_of(text) == [
        "cases.csv:2: case_number: missing",
        "cases.csv:2: query_code: a case query code must be 6 to 20 digits",
        "cases.csv:2: password: a case password must be 4 to 12 digits",
        "cases.csv:2: next_hearing: expected a date and time like 2024-06-01 09:30, not 'tomorrow'",
    ]


def test_every_row_sharing_a_query_code_is_rejected() -> None:
    text = HEADER + row() + row(code="555555") + row() + row(code="666666") + row()
    parsed = parse_cases_csv(text, "cases.csv")
    assert [str(error) for error in parsed.errors] == [
        "cases.csv:2: query_code: the same query code is also on lines 4, 6;"
        " every such row is rejected",
        "cases.csv:4: query_code: the same query code is also on lines 2, 6;"
        " every such row is rejected",
        "cases.csv:6: query_code: the same query code is also on lines 2, 4;"
        " every such row is rejected",
    ]
    assert parsed.rejected == 3
    assert [good.case.query_code for good in parsed.rows] == ["555555", "666666"]


def test_line_numbers_are_physical_lines_across_blank_lines_and_quoted_newlines() -> None:
    multiline = '(2024)京0105民初2号,bj-chaoyang,,200200200,4821,审理中,王芳,,"已排期\n开庭",\n'
    text = HEADER + "\n" + multiline + ",,,,,,,,,\r\n" + row(code="12") + "\n"
    parsed = parse_cases_csv(text, "cases.csv")
    assert [str(error) for error in parsed.errors] == [
        "cases.csv:6: query_code: a case query code must be 6 to 20 digits"
    ]
    (good,) = parsed.rows
    assert good.line == 3
    assert good.case.last_event == "已排期\n开庭"


def test_broken_quote_stops_the_file_with_its_line() -> None:
    text = HEADER + row() + '(2024)京0105民初2号,"bj-chaoyang\n'
    errors = errors_of(text)
    assert len(errors) == 1
    assert errors[0].startswith("cases.csv:3: row: ")
    assert errors[0].endswith("the rest of the file is unread")


def test_unknown_court_rejected_when_courts_are_known() -> None:
    parsed = parse_cases_csv(HEADER + row(), "cases.csv", known_courts={"bj-haidian"})
    assert [str(error) for error in parsed.errors] == [
        "cases.csv:2: court_id: unknown court 'bj-chaoyang'"
    ]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("", "cases.csv:1: header: the first line must name the columns"),
        (
            "case_number,court_id,division,query_code,stage,judge_name,next_hearing,last_event,"
            "last_event_at\n",
            "cases.csv:1: header: missing password",
        ),
        (
            HEADER.rstrip("\n") + ",party_name\n",
            "cases.csv:1: header: unknown 'party_name'",
        ),
        (
            HEADER.rstrip("\n") + ",stage\n",
            "cases.csv:1: header: repeated stage",
        ),
    ],
)
def test_bad_header_rejects_the_file(header: str, message: str) -> None:
    with pytest.raises(CaseImportError, match="^" + message.replace("(", r"\(")):
        parse_cases_csv(header + row(), "cases.csv")


def test_empty_file_rejected() -> None:
    with pytest.raises(CaseImportError, match=r"^cases\.csv:1: header: the file is empty"):
        parse_cases_csv("", "cases.csv")


def test_missing_header_rejected_without_repeating_the_data_row() -> None:
    with pytest.raises(CaseImportError, match="must name the columns") as caught:
        parse_cases_csv(row(password="97531"), "cases.csv")
    assert "97531" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-07-01 09:30", datetime(2024, 7, 1, 9, 30, tzinfo=SHANGHAI)),
        ("2024-07-01 09:30:15", datetime(2024, 7, 1, 9, 30, 15, tzinfo=SHANGHAI)),
        ("2024/7/1 9:30", datetime(2024, 7, 1, 9, 30, tzinfo=SHANGHAI)),
        ("2024-07-01T09:30:00", datetime(2024, 7, 1, 9, 30, tzinfo=SHANGHAI)),
        ("2024-07-01T01:30:00+00:00", datetime(2024, 7, 1, 9, 30, tzinfo=SHANGHAI)),
    ],
)
def test_moments_in_court_time_or_with_offset(text: str, expected: datetime) -> None:
    assert parse_moment(text, ZoneInfo("Asia/Shanghai")) == expected


@pytest.mark.parametrize("text", ["2024-07-01", "07/01/2024 09:30", "2024-13-01 09:30", "明天"])
def test_moments_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected a date and time"):
        parse_moment(text, COURT_TIMEZONE)

"""Parsing a directory file: good entries become data, every problem is `file:line: field`."""

from __future__ import annotations

import pytest

from config.loader import load_config
from directory.entries import DirectoryView
from directory.errors import DirectoryImportError
from directory.importer import parse_directory_text
from directory.model import CaseFile, Court, Division, Judge, Person
from tests.conftest import REPO

EXAMPLES = REPO / "config" / "examples"
COURTS = {"chaoyang", "haidian"}

# A small valid file. Line numbers (1-based) are in the comments; the cases below rely on them.
GOOD_LINES = [
    "courts:",  # 1
    "  - id: chaoyang",  # 2
    "    name: 北京市朝阳区人民法院",  # 3
    '    supervision_office: {name: 督查室, phone: "010-65000099"}',  # 4
    "    duty_judge_id: cy-zhao",  # 5
    "divisions:",  # 6
    "  - id: cy-civil1",  # 7
    "    court_id: chaoyang",  # 8
    "    name: 民一庭",  # 9
    '    office_phone: "010-65000001"',  # 10
    "    head_judge_id: cy-li",  # 11
    '    clerk: {name: 王敏, mobile: "13800000009"}',  # 12
    "  - {id: cy-enforcement, court_id: chaoyang, name: 执行一庭}",  # 13
    "judges:",  # 14
    "  - id: cy-li",  # 15
    "    court_id: chaoyang",  # 16
    "    division_id: cy-civil1",  # 17
    "    name: 李庭长",  # 18
    '    mobile: "13800000002"',  # 19
    "  - id: cy-zhang",  # 20
    "    court_id: chaoyang",  # 21
    "    division_id: cy-civil1",  # 22
    "    name: 张明",  # 23
    '    mobile: "13800000001"',  # 24
    '    office_phone: "010 6500 0011"',  # 25
    '    assistant: {name: 刘洋, mobile: "13800000021"}',  # 26
    "  - {id: cy-zhao, court_id: chaoyang, division_id: cy-enforcement, name: 赵磊,"
    ' mobile: "+8613800000004"}',  # 27
    "cases:",  # 28
    "  - case_number: (2026)京0105民初100号",  # 29
    "    court_id: chaoyang",  # 30
    "    division_id: cy-civil1",  # 31
    "    judge_id: cy-zhang",  # 32
    '    party_phones: ["13912345678", "139-1234-5678", "13912345679"]',  # 33
    "  - {case_number: (2026)京0105执200号, court_id: chaoyang}",  # 34
]
CASE_ONE = "(2026)京0105民初100号"


def text_with(replacements: dict[int, str] | None = None, extra: tuple[str, ...] = ()) -> str:
    lines = list(GOOD_LINES)
    for number, line in (replacements or {}).items():
        lines[number - 1] = line
    return "\n".join([*lines, *extra]) + "\n"


def errors_of(
    text: str, known_courts: set[str] | None = None, existing: DirectoryView | None = None
) -> list[str]:
    parsed = parse_directory_text(text, "d.yaml", known_courts=known_courts, existing=existing)
    return [str(error) for error in parsed.errors]


def test_good_file_becomes_directory_data_with_numbers_normalised() -> None:
    parsed = parse_directory_text(text_with(), "d.yaml", known_courts=COURTS)

    assert parsed.errors == ()
    assert parsed.rejected == 0
    data = parsed.data
    assert data.courts == (
        Court(
            "chaoyang",
            "北京市朝阳区人民法院",
            supervision_office=Person("督查室", "01065000099"),
            duty_judge_id="cy-zhao",
        ),
    )
    assert data.divisions == (
        Division(
            "cy-civil1",
            "chaoyang",
            "民一庭",
            office_phone="01065000001",
            head_judge_id="cy-li",
            clerk=Person("王敏", "13800000009"),
        ),
        Division("cy-enforcement", "chaoyang", "执行一庭"),
    )
    assert data.judges == (
        Judge("cy-li", "chaoyang", "李庭长", "cy-civil1", mobile="13800000002"),
        Judge(
            "cy-zhang",
            "chaoyang",
            "张明",
            "cy-civil1",
            mobile="13800000001",
            office_phone="01065000011",
            assistant=Person("刘洋", "13800000021"),
        ),
        Judge("cy-zhao", "chaoyang", "赵磊", "cy-enforcement", mobile="+8613800000004"),
    )
    assert data.cases == (
        # The second number is the first one written with dashes: stored once.
        CaseFile("chaoyang", CASE_ONE, "cy-civil1", "cy-zhang", ("13912345678", "13912345679")),
        CaseFile("chaoyang", "(2026)京0105执200号", None, None, ()),
    )


ZHANG_NOT_IMPORTED = "d.yaml:32: judge_id: judge 'cy-zhang' is not imported (see line 20)"


@pytest.mark.parametrize(
    ("replacements", "expected"),
    [
        pytest.param(
            {24: "    mobile: 13800000001"},
            [
                "d.yaml:24: mobile: must be in quotes: read as a number, it would lose a leading 0",
                ZHANG_NOT_IMPORTED,
            ],
            id="unquoted-phone",
        ),
        pytest.param(
            {25: '    office_phone: "6500-ext-11"'},
            [
                "d.yaml:25: office_phone: must be a phone number of 5 to 20 digits"
                " (an optional leading +)",
                ZHANG_NOT_IMPORTED,
            ],
            id="not-a-phone-number",
        ),
        pytest.param(
            {25: '    ofice_phone: "01065000011"'},
            [
                "d.yaml:25: ofice_phone: unknown field (expected: id, court_id, division_id,"
                " name, mobile, office_phone, assistant)",
                ZHANG_NOT_IMPORTED,
            ],
            id="misspelt-field",
        ),
        pytest.param(
            {23: "    name: 123"},
            ["d.yaml:23: name: must be text, not a number (put it in quotes)", ZHANG_NOT_IMPORTED],
            id="number-for-a-name",
        ),
        pytest.param(
            {23: "    name: " + "张" * 201},
            ["d.yaml:23: name: too long (201 characters, at most 200)", ZHANG_NOT_IMPORTED],
            id="name-too-long",
        ),
        pytest.param(
            {23: "    name: ''"},
            ["d.yaml:23: name: missing", ZHANG_NOT_IMPORTED],
            id="empty-field",
        ),
        pytest.param(
            {23: "    # no name"},
            ["d.yaml:20: name: missing", ZHANG_NOT_IMPORTED],
            id="absent-field-reported-on-the-entry-line",
        ),
        pytest.param(
            {26: '    assistant: {mobile: "13800000021"}'},
            ["d.yaml:26: assistant.name: missing", ZHANG_NOT_IMPORTED],
            id="person-without-a-name",
        ),
        pytest.param(
            {26: "    assistant: 刘洋"},
            ["d.yaml:26: assistant: must be a mapping {name: …, mobile: …}", ZHANG_NOT_IMPORTED],
            id="person-not-a-mapping",
        ),
        pytest.param(
            {33: '    party_phones: ["13912345678", "12"]'},
            [
                "d.yaml:33: party_phones[1]: must be a phone number of 5 to 20 digits"
                " (an optional leading +)"
            ],
            id="bad-party-phone",
        ),
        pytest.param(
            {33: '    party_phones: "13912345678"'},
            ["d.yaml:33: party_phones: must be a list of phone numbers"],
            id="party-phones-not-a-list",
        ),
        pytest.param(
            {31: "    division_id: civil 1"},
            [
                "d.yaml:31: division_id: must be 1 to 40 letters, digits, '-', '_' or '.',"
                " starting with a letter or digit"
            ],
            id="malformed-id",
        ),
        pytest.param(
            {34: "  - {court_id: chaoyang}"},
            ["d.yaml:34: case_number: missing"],
            id="case-without-number",
        ),
        pytest.param(
            {34: "  - (2026)京0105执200号"},
            ["d.yaml:34: cases[1]: must be a mapping of fields (id: …, name: …)"],
            id="entry-not-a-mapping",
        ),
        pytest.param(
            {31: "    division_id: cy-enforcement"},
            [
                "d.yaml:32: judge_id: judge 'cy-zhang' is in division 'cy-civil1',"
                " not 'cy-enforcement'"
            ],
            id="case-judge-of-another-division",
        ),
        pytest.param(
            {32: "    judge_id: cy-wang"},
            ["d.yaml:32: judge_id: unknown judge 'cy-wang'"],
            id="case-judge-unknown",
        ),
        pytest.param(
            {34: "  - {case_number: (2026)京0105执200号, court_id: haidian}"},
            ["d.yaml:34: court_id: unknown court 'haidian'"],
            id="court-of-the-config-missing-from-the-directory",
        ),
        pytest.param(
            {34: "  - {case_number: (2026)京0105执200号, court_id: atlantis}"},
            ["d.yaml:34: court_id: unknown court 'atlantis': not a platform id of the config"],
            id="court-not-in-the-config",
        ),
        pytest.param(
            {34: "  - {case_number: (2026)京0105执200号, court_id: chaoyang, judge_id: cy-li}"},
            [],
            id="case-judge-without-division-is-fine",
        ),
        pytest.param(
            {34: "  - {case_number: (2026)京0105民初100号, court_id: chaoyang}"},
            [
                "d.yaml:29: case_number: the same court_id and case_number are also on line 34;"
                " every such entry is rejected",
                "d.yaml:34: case_number: the same court_id and case_number are also on line 29;"
                " every such entry is rejected",
            ],
            id="case-twice",
        ),
    ],
)
def test_bad_entry_reported_by_line_and_field(
    replacements: dict[int, str], expected: list[str]
) -> None:
    assert errors_of(text_with(replacements), known_courts=COURTS) == expected


def test_rejected_entries_are_left_out_and_good_ones_kept() -> None:
    parsed = parse_directory_text(
        text_with({24: "    mobile: 13800000001"}), "d.yaml", known_courts=COURTS
    )
    assert parsed.rejected == 2  # the judge, and the case whose judge it is
    assert [judge.id for judge in parsed.data.judges] == ["cy-li", "cy-zhao"]
    assert [case.case_number for case in parsed.data.cases] == ["(2026)京0105执200号"]
    assert [division.id for division in parsed.data.divisions] == ["cy-civil1", "cy-enforcement"]


def test_a_head_outside_the_division_rejects_it_and_what_depends_on_it() -> None:
    errors = errors_of(text_with({11: "    head_judge_id: cy-zhao"}), known_courts=COURTS)
    assert errors == [
        "d.yaml:11: head_judge_id: judge 'cy-zhao' is not in division 'cy-civil1'"
        " but in 'cy-enforcement'",
        "d.yaml:17: division_id: division 'cy-civil1' is not imported (see line 7)",
        "d.yaml:22: division_id: division 'cy-civil1' is not imported (see line 7)",
        "d.yaml:31: division_id: division 'cy-civil1' is not imported (see line 7)",
    ]


def test_every_entry_sharing_an_id_is_rejected() -> None:
    text = text_with().replace(
        "cases:\n", "  - {id: cy-zhang, court_id: chaoyang, name: 张明}\ncases:\n"
    )
    assert errors_of(text, known_courts=COURTS) == [
        "d.yaml:20: id: the same id is also on line 28; every such entry is rejected",
        "d.yaml:28: id: the same id is also on line 20; every such entry is rejected",
        "d.yaml:33: judge_id: judge 'cy-zhang' is not imported (see line 20)",
    ]


def test_unknown_section_and_a_section_that_is_not_a_list() -> None:
    text = "courts: none\nlawyers:\n  - {id: x}\n"
    assert errors_of(text) == [
        "d.yaml:1: courts: must be a list of entries, each starting with '- '",
        "d.yaml:2: lawyers: unknown section (expected: courts, divisions, judges, cases)",
    ]


def test_a_court_outside_the_config_takes_its_directory_with_it() -> None:
    errors = errors_of(text_with(), known_courts={"haidian"})
    assert errors[0] == "d.yaml:2: id: unknown court 'chaoyang': not a platform id of the config"
    assert all("not a platform id of the config" in error for error in errors)
    assert len(errors) == 1 + 2 + 3 + 2  # the court; its divisions, judges and cases


def test_without_config_courts_any_court_id_is_accepted() -> None:
    assert errors_of(text_with(), known_courts=None) == []


def test_references_may_be_to_what_the_database_already_holds() -> None:
    existing = DirectoryView(
        courts={"chaoyang": Court("chaoyang", "北京市朝阳区人民法院")},
        divisions={"cy-civil1": Division("cy-civil1", "chaoyang", "民一庭")},
        judges={"cy-zhang": Judge("cy-zhang", "chaoyang", "张明", "cy-civil1")},
    )
    text = (
        "cases:\n"
        "  - {case_number: A1, court_id: chaoyang, division_id: cy-civil1, judge_id: cy-zhang}\n"
        "  - {case_number: A2, court_id: chaoyang, judge_id: cy-li}\n"
    )
    parsed = parse_directory_text(text, "d.yaml", known_courts=COURTS, existing=existing)
    assert [str(error) for error in parsed.errors] == ["d.yaml:3: judge_id: unknown judge 'cy-li'"]
    assert [case.case_number for case in parsed.data.cases] == ["A1"]


def test_a_judge_cannot_leave_the_division_the_database_says_they_head() -> None:
    existing = DirectoryView(
        courts={"chaoyang": Court("chaoyang", "北京市朝阳区人民法院")},
        divisions={
            "cy-civil1": Division("cy-civil1", "chaoyang", "民一庭", head_judge_id="cy-li"),
            "cy-civil2": Division("cy-civil2", "chaoyang", "民二庭"),
        },
        judges={"cy-li": Judge("cy-li", "chaoyang", "李庭长", "cy-civil1")},
    )
    text = "judges:\n  - {id: cy-li, court_id: chaoyang, division_id: cy-civil2, name: 李庭长}\n"
    assert errors_of(text, existing=existing) == [
        "d.yaml:2: division_id: division 'cy-civil1' names this judge as its head,"
        " so the judge must be in that division"
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("", "d.yaml:1: the file is empty", id="empty"),
        pytest.param("courts: [\n", "d.yaml:2: YAML syntax:", id="syntax"),
        pytest.param("- {id: chaoyang}\n", "d.yaml:1: the top level must be a mapping", id="list"),
        pytest.param(
            "courts:\n  - id: a\n    id: b\n", "d.yaml:3: duplicate key 'id'", id="duplicate-key"
        ),
    ],
)
def test_a_broken_file_is_refused_as_a_whole(text: str, problem: str) -> None:
    with pytest.raises(DirectoryImportError) as caught:
        parse_directory_text(text, "d.yaml")
    assert caught.value.problems[0].startswith(problem)


def test_the_beijing_example_directory_is_valid() -> None:
    config = load_config(EXAMPLES / "beijing.yaml")
    text = (EXAMPLES / "directory.yaml").read_text(encoding="utf-8")
    parsed = parse_directory_text(
        text, "directory.yaml", known_courts={platform.id for platform in config.platforms}
    )
    assert parsed.errors == ()
    assert len(parsed.data.courts) >= 3
    assert all(case.judge_id and case.party_phones for case in parsed.data.cases)

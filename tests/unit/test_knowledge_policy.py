"""The knowledge base's pure rules: the terms a text is searched by, what makes a valid entry."""

from __future__ import annotations

from typing import Any

import pytest

from knowledge import policy
from knowledge.errors import InvalidEntry
from knowledge.model import Draft, Search, WeightedTerm


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        # Question words are cut out with the pairs straddling them; 交 is left standing alone.
        ("诉讼费怎么交", ["诉讼", "讼费", "交"]),
        ("请问一下上诉期限", ["上诉", "诉期", "期限"]),
        # Cut at 怎么 alone, so 办理 stays whole.
        ("怎么办理立案", ["办理", "理立", "立案"]),
        ("上诉", ["上诉"]),
        ("诉", ["诉"]),
        # Full-width Latin letters and digits fold to lower-case ASCII words.
        ("EMS 邮寄　ＡＢＣ１２３", ["ems", "邮寄", "abc123"]),
        ("15日内上诉", ["15", "日内", "内上", "上诉"]),
        ("Café_12368", ["café", "12368"]),
        # 缴 and 交 are written either way in the same words.
        ("缴费", ["交费"]),
        ("上诉，上诉！", ["上诉"]),
        ("？！。，……", []),
        ("怎么？如何？", []),
        ("", []),
    ],
)
def test_search_terms_are_chinese_bigrams_and_words(query: str, terms: list[str]) -> None:
    assert policy.search_terms(query) == terms


def test_fee_question_shares_terms_with_the_colloquial_query() -> None:
    indexed = policy.text_terms("如何缴纳诉讼费用")
    assert {"诉讼", "讼费", "交", "交纳"} <= indexed
    assert not {"如何", "何交"} & indexed
    assert set(policy.search_terms("诉讼费怎么交")) <= indexed


def test_a_text_is_indexed_under_every_character_too() -> None:
    assert policy.text_terms("上诉期") == {"上", "诉", "期", "上诉", "诉期"}


def test_index_terms_are_prefixed_by_field_with_whole_tags() -> None:
    terms = policy.index_terms(Draft("上诉期限", "15日", ("上诉", "ems")))
    assert terms == sorted(terms)
    assert {"q:上诉", "q:期限", "a:15", "a:日", "t:上诉", "t:ems", "#上诉", "#ems"} <= set(terms)
    assert "a:上诉" not in terms
    assert "q:15" not in terms


def test_query_terms_weigh_question_and_tags_above_the_answer() -> None:
    assert policy.query_terms("上诉") == [
        WeightedTerm("q:上诉", 3),
        WeightedTerm("t:上诉", 3),
        WeightedTerm("a:上诉", 1),
    ]
    assert policy.query_terms("？？") == []


GOOD = {
    "question": "  如何缴纳诉讼费用？ ",
    "answer": "七日内交纳。\r\n可网上缴费。",
    "tags": ["诉讼费"],
}


def test_a_good_draft_is_trimmed_with_tags_normalised() -> None:
    draft, problems = policy.read_draft({**GOOD, "tags": [" EMS ", "ＡＰＰ", "诉讼费"]})
    assert problems == []
    assert draft == Draft(
        "如何缴纳诉讼费用？", "七日内交纳。\n可网上缴费。", ("ems", "app", "诉讼费")
    )


def test_tags_may_be_left_out() -> None:
    draft, _ = policy.read_draft({"question": "问", "answer": "答"})
    assert draft is not None
    assert draft.tags == ()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"question": None}, "question", "missing"),
        ({"question": "   "}, "question", "must not be empty"),
        ({"question": 12368}, "question", "must be text, not a number"),
        ({"question": "问" * 201}, "question", "too long (201 characters, at most 200)"),
        ({"question": "第一行\n第二行"}, "question", "must be one line"),
        ({"question": "响铃\x07"}, "question", "must not contain control characters"),
        ({"answer": "答" * 4001}, "answer", "too long (4001 characters, at most 4000)"),
        ({"answer": ["答"]}, "answer", "must be text, not a list"),
        ({"tags": "诉讼费"}, "tags", "must be a list of tags, such as [诉讼费, 缴费]"),
        ({"tags": [f"t{n}" for n in range(11)]}, "tags", "too many (11 tags, at most 10)"),
        ({"tags": ["诉讼费", 2024]}, "tags[1]", "must be text, not a number"),
        ({"tags": ["费" * 21]}, "tags[0]", "too long (21 characters, at most 20)"),
        ({"tags": ["诉讼 费"]}, "tags[0]", "must be one word, without spaces"),
        ({"tags": [""]}, "tags[0]", "must not be empty"),
        ({"tags": ["EMS", "ems"]}, "tags[1]", "repeats tags[0]"),
        (
            {"created_by": "someone"},
            "created_by",
            "unknown field (expected: question, answer, tags)",
        ),
    ],
)
def test_a_bad_draft_names_the_field(change: dict[str, Any], field: str, message: str) -> None:
    draft, problems = policy.read_draft({**GOOD, **change})
    assert draft is None
    assert [(problem.field, problem.message) for problem in problems] == [(field, message)]


def test_limits_are_inclusive() -> None:
    draft, problems = policy.read_draft(
        {"question": "问" * 200, "answer": "答" * 4000, "tags": ["签" * 20] * 1 + list("abcdefghi")}
    )
    assert problems == []
    assert draft is not None


def test_every_problem_of_a_draft_is_reported() -> None:
    draft, problems = policy.read_draft({"answer": "", "tags": [1, 2]})
    assert draft is None
    assert [problem.field for problem in problems] == ["question", "answer", "tags[0]", "tags[1]"]


def test_a_draft_must_be_a_mapping() -> None:
    draft, problems = policy.read_draft(["问", "答"])
    assert draft is None
    assert str(problems[0]) == "must be a mapping with question, answer and tags"


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (None, "version: missing: send the version the entry had when read"),
        ("3", "version: must be a whole number, not str"),
        (True, "version: must be a whole number, not true/false"),
        (2.0, "version: must be a whole number, not a number"),
        (0, "version: must be 1 or more"),
    ],
)
def test_an_edit_needs_the_version_it_was_made_on(version: object, message: str) -> None:
    with pytest.raises(InvalidEntry) as caught:
        policy.require_edit({**GOOD, "version": version})
    assert [str(problem) for problem in caught.value.problems] == [message]


def test_an_edit_reports_content_and_version_problems_together() -> None:
    with pytest.raises(InvalidEntry) as caught:
        policy.require_edit({"question": "问", "answer": ""})
    assert [problem.field for problem in caught.value.problems] == ["answer", "version"]
    assert policy.require_edit({**GOOD, "version": 4})[1] == 4


@pytest.mark.parametrize(
    ("params", "search"),
    [
        ({}, Search(None, None, 10)),
        ({"q": "  "}, Search(None, None, 10)),
        ({"q": " 上诉 ", "limit": "50"}, Search("上诉", None, 50)),
        ({"tag": " EMS ", "limit": "1"}, Search(None, "ems", 1)),
    ],
)
def test_search_parameters(params: dict[str, str], search: Search) -> None:
    assert policy.require_search(params) == search


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "0"}, "limit: must be a whole number from 1 to 50"),
        ({"limit": "51"}, "limit: must be a whole number from 1 to 50"),
        ({"limit": "ten"}, "limit: must be a whole number from 1 to 50"),
        ({"limit": "²"}, "limit: must be a whole number from 1 to 50"),
        ({"limit": "9" * 5000}, "limit: must be a whole number from 1 to 50"),
        ({"q": "问" * 201}, "q: too long (201 characters, at most 200)"),
        ({"tag": "诉讼 费"}, "tag: must be one word, without spaces"),
    ],
)
def test_bad_search_parameters_name_the_parameter(params: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidEntry) as caught:
        policy.require_search(params)
    assert str(caught.value) == message

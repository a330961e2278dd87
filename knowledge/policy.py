"""Pure rules of the knowledge base: what makes a valid entry or search, and the terms searched.

Search terms are computed here, not by PostgreSQL: pg_trgm ignores CJK characters under the C
locale (the switch's databases run under it) and PostgreSQL has no Chinese word parser. A text is
NFKC-folded (full-width Latin and digits become ASCII) and lower-cased, then cut into runs of
Chinese characters and words of other letters and digits. Chinese has no spaces, so a run is
indexed as its characters and character pairs (bigrams): "诉讼费怎么交" and "如何缴纳诉讼费用"
share 诉讼 and 讼费, with no dictionary to keep up. Question words (怎么, 如何, 多少…) name no
topic; runs are cut at them, so neither they nor the pairs straddling them (费怎, 么交) are terms.
Characters written either way in the same words (缴纳 and 交纳) are searched as one.

A query looks for bigrams, and for a character by itself only where it stands alone (a
one-character query, or a character between question words); searching every character of a
longer query would match nearly every entry. Each entry stores its terms once per field, prefixed
(`q:` question, `t:` tags, `a:` answer, `#` a whole tag for the tag filter), one row each in
knowledge_terms, so one index lookup per query term finds the candidates, and the rank is the sum
of the weights of the query's terms an entry holds: a term in the question or a tag counts three
times one in the answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from typing import Any

from knowledge.errors import InvalidEntry, Problem
from knowledge.model import Draft, Search, WeightedTerm

QUESTION_MAX = 200
ANSWER_MAX = 4000
TAGS_MAX = 10
TAG_MAX = 20
QUERY_MAX = 200
LIMIT_DEFAULT = 10
LIMIT_MAX = 50

DRAFT_FIELDS = ("question", "answer", "tags")

QUESTION_PREFIX = "q:"
TAG_PREFIX = "t:"
ANSWER_PREFIX = "a:"
WHOLE_TAG_PREFIX = "#"
WEIGHTS = {QUESTION_PREFIX: 3, TAG_PREFIX: 3, ANSWER_PREFIX: 1}

# Words that ask rather than name a topic; a caller's question is full of them. None may start
# or end a word of its own: 怎么办 would cut 办理 out of 怎么办理, 我要 要求 out of 我要求.
QUESTION_WORDS = frozenset(
    {
        "怎么样",
        "怎么",
        "怎样",
        "如何",
        "为什么",
        "什么",
        "哪些",
        "哪里",
        "哪儿",
        "哪个",
        "多少",
        "多久",
        "是否",
        "能否",
        "可否",
        "可以",
        "需要",
        "应该",
        "请问",
        "问一下",
        "一下",
    }
)

_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_TOKEN = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<word>(?:(?![{_HAN}])[^\W_])+)")
# Characters written either way in the same words (缴纳/交纳, 缴费/交费): searched as one.
_VARIANTS = str.maketrans({"缴": "交"})
# Longest first, so that 怎么样 is cut whole rather than as 怎么 and a stray 样.
_QUESTION_WORD = re.compile("|".join(sorted(QUESTION_WORDS, key=len, reverse=True)))


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _pieces(text: str) -> list[tuple[bool, str]]:
    """(is Chinese, piece) for each run of Chinese characters between question words, and each
    word of other letters or digits, in text order."""
    pieces: list[tuple[bool, str]] = []
    for match in _TOKEN.finditer(fold(text).translate(_VARIANTS)):
        han = match["han"]
        if han is None:
            pieces.append((False, match["word"]))
            continue
        pieces.extend((True, piece) for piece in _QUESTION_WORD.split(han) if piece)
    return pieces


def _bigrams(run: str) -> list[str]:
    return [run[index : index + 2] for index in range(len(run) - 1)]


def text_terms(text: str) -> set[str]:
    """What a text is indexed under: every Chinese character and bigram, every other word."""
    terms: set[str] = set()
    for is_han, piece in _pieces(text):
        if is_han:
            terms.update(piece)
            terms.update(_bigrams(piece))
        else:
            terms.add(piece)
    return terms


def search_terms(query: str) -> list[str]:
    """What a query looks for, in query order: bigrams of Chinese runs (a lone character by
    itself) and other words. Empty for punctuation or question words alone."""
    terms: dict[str, None] = {}
    for is_han, piece in _pieces(query):
        for term in _bigrams(piece) if is_han and len(piece) > 1 else [piece]:
            terms[term] = None
    return list(terms)


def index_terms(draft: Draft) -> list[str]:
    """The entry's stored terms, prefixed by field, sorted."""
    terms = {QUESTION_PREFIX + term for term in text_terms(draft.question)}
    terms.update(ANSWER_PREFIX + term for term in text_terms(draft.answer))
    for tag in draft.tags:
        terms.update(TAG_PREFIX + term for term in text_terms(tag))
        terms.add(tag_term(tag))
    return sorted(terms)


def query_terms(query: str) -> list[WeightedTerm]:
    """The stored terms a query matches, each with what it adds to an entry's rank."""
    return [
        WeightedTerm(prefix + term, weight)
        for term in search_terms(query)
        for prefix, weight in WEIGHTS.items()
    ]


def tag_term(tag: str) -> str:
    """The stored term of a whole tag (already normalised by `read_draft` or `read_search`)."""
    return WHOLE_TAG_PREFIX + tag


# ---- checking what editors, import files and searches give ------------------------------------


def _kind_of(value: object) -> str:
    match value:
        case bool():
            return "true/false"
        case int() | float():
            return "a number"
        case list():
            return "a list"
        case dict():
            return "a mapping"
        case _:
            return type(value).__name__


def _has_control(text: str, allowed: str = "") -> bool:
    return any(unicodedata.category(char) == "Cc" and char not in allowed for char in text)


def _text(
    raw: Mapping[Any, Any], name: str, limit: int, problems: list[Problem], *, one_line: bool
) -> str | None:
    value = raw.get(name)
    if value is None:
        problems.append(Problem((name,), "missing"))
        return None
    if not isinstance(value, str):
        problems.append(Problem((name,), f"must be text, not {_kind_of(value)}"))
        return None
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        problems.append(Problem((name,), "must not be empty"))
    elif len(text) > limit:
        problems.append(Problem((name,), f"too long ({len(text)} characters, at most {limit})"))
    elif one_line and "\n" in text:
        problems.append(Problem((name,), "must be one line"))
    elif _has_control(text, allowed="\n\t"):
        problems.append(Problem((name,), "must not contain control characters"))
    else:
        return text
    return None


def tag_problem(tag: str) -> str | None:
    """What is wrong with a normalised tag, if anything."""
    if not tag:
        return "must not be empty"
    if len(tag) > TAG_MAX:
        return f"too long ({len(tag)} characters, at most {TAG_MAX})"
    if any(char.isspace() for char in tag) or _has_control(tag):
        return "must be one word, without spaces"
    return None


def _tags(raw: Mapping[Any, Any], problems: list[Problem]) -> tuple[str, ...] | None:
    value = raw.get("tags")
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(Problem(("tags",), "must be a list of tags, such as [诉讼费, 缴费]"))
        return None
    if len(value) > TAGS_MAX:
        problems.append(Problem(("tags",), f"too many ({len(value)} tags, at most {TAGS_MAX})"))
        return None
    tags: list[str] = []
    first_at: dict[str, int] = {}
    failed = False
    for index, item in enumerate(value):
        if not isinstance(item, str):
            problems.append(Problem(("tags", index), f"must be text, not {_kind_of(item)}"))
            failed = True
            continue
        tag = fold(item.strip())
        problem = tag_problem(tag)
        if problem is None and tag in first_at:
            problem = f"repeats tags[{first_at[tag]}]"
        if problem is not None:
            problems.append(Problem(("tags", index), problem))
            failed = True
            continue
        first_at[tag] = index
        tags.append(tag)
    return None if failed else tuple(tags)


def read_draft(raw: object, *, extra: Collection[str] = ()) -> tuple[Draft | None, list[Problem]]:
    """An entry's content from a YAML entry or an API body, or every problem with it. `extra`
    names fields the caller reads itself (an edit's `version`)."""
    if not isinstance(raw, Mapping):
        return None, [Problem((), "must be a mapping with question, answer and tags")]
    problems: list[Problem] = []
    allowed = (*DRAFT_FIELDS, *extra)
    for key in raw:
        if key not in allowed:
            message = f"unknown field (expected: {', '.join(allowed)})"
            problems.append(Problem((str(key),), message, at_key=True))
    question = _text(raw, "question", QUESTION_MAX, problems, one_line=True)
    answer = _text(raw, "answer", ANSWER_MAX, problems, one_line=False)
    tags = _tags(raw, problems)
    if problems or question is None or answer is None or tags is None:
        return None, problems
    return Draft(question, answer, tags), []


def read_version(raw: Mapping[str, Any]) -> tuple[int | None, list[Problem]]:
    """The version an edit was made on: it must still be the entry's, or the edit conflicts."""
    value = raw.get("version")
    if value is None:
        return None, [Problem(("version",), "missing: send the version the entry had when read")]
    if isinstance(value, bool) or not isinstance(value, int):
        return None, [Problem(("version",), f"must be a whole number, not {_kind_of(value)}")]
    if value < 1:
        return None, [Problem(("version",), "must be 1 or more")]
    return value, []


def read_search(params: Mapping[str, str]) -> tuple[Search | None, list[Problem]]:
    """A search from the query string: `q` (words), `tag`, `limit`; an empty `q` is no `q`."""
    problems: list[Problem] = []
    query = params.get("q", "").strip() or None
    if query is not None and len(query) > QUERY_MAX:
        problems.append(Problem(("q",), f"too long ({len(query)} characters, at most {QUERY_MAX})"))
    tag = fold(params.get("tag", "").strip()) or None
    if tag is not None and (problem := tag_problem(tag)):
        problems.append(Problem(("tag",), problem))
    raw_limit = params.get("limit", str(LIMIT_DEFAULT))
    # ASCII only: str.isdigit() also accepts digits such as "²" that int() refuses.
    readable = raw_limit.isascii() and raw_limit.isdigit() and len(raw_limit) <= 3
    limit = int(raw_limit) if readable else 0
    if not 1 <= limit <= LIMIT_MAX:
        problems.append(Problem(("limit",), f"must be a whole number from 1 to {LIMIT_MAX}"))
    if problems:
        return None, problems
    return Search(query, tag, limit), []


def require_draft(raw: object, *, extra: Collection[str] = ()) -> Draft:
    draft, problems = read_draft(raw, extra=extra)
    if draft is None:
        raise InvalidEntry(problems)
    return draft


def require_edit(raw: Mapping[str, Any]) -> tuple[Draft, int]:
    """An edit's new content and the version it was made on; every problem of both at once."""
    draft, problems = read_draft(raw, extra=("version",))
    version, version_problems = read_version(raw)
    problems += version_problems
    if draft is None or version is None:
        raise InvalidEntry(problems)
    return draft, version


def require_search(params: Mapping[str, str]) -> Search:
    search, problems = read_search(params)
    if search is None:
        raise InvalidEntry(problems)
    return search

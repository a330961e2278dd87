"""The knowledge base against the real PostgreSQL, through its API with a guard that applies the
console's role rules: who may search, use and edit; Chinese search; conflicts; archiving; import."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from console.model import Permission, Principal, Role, User
from console.policy import allowed
from hotline.api import error
from knowledge.errors import KnowledgeImportError
from knowledge.http import KnowledgeApi
from knowledge.importer import import_knowledge
from knowledge.model import RevisionAction
from knowledge.service import KnowledgeService
from knowledge.store import KnowledgeStore
from store.database import create_pool, migrate
from tests.conftest import REPO

EXAMPLE = REPO / "config" / "examples" / "knowledge.yaml"
Client = TestClient[web.Request, web.Application]
WHO = "X-Test-User"  # the fake guard's stand-in for a session cookie


def _user(user_id: int, username: str, role: Role, *, disabled: bool = False) -> User:
    return User(user_id, username, username, role, "chaoyang", frozenset(), disabled=disabled)


PRINCIPALS = {
    "agent": Principal(_user(1, "wang", Role.AGENT)),
    "judge": Principal(_user(2, "li", Role.JUDGE)),
    "supervisor": Principal(_user(3, "zhao", Role.SUPERVISOR)),
    "other-supervisor": Principal(_user(4, "qian", Role.SUPERVISOR)),
    "disabled-supervisor": Principal(_user(5, "sun", Role.SUPERVISOR, disabled=True)),
    "service": Principal(None),
}


async def guard(
    request: web.Request, permission: Permission, *, platform: str | None = None
) -> Principal | web.Response:
    name = request.headers.get(WHO)
    if name is None:
        return error(401, "unauthorized", "sign in first")
    principal = PRINCIPALS[name]
    if not allowed(principal, permission, platform):
        return error(403, "forbidden", f"{permission.value} is not allowed")
    return principal


class Clock:
    """A minute passes at every reading, so each change is more recent than the one before."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@dataclass
class Api:
    client: Client
    service: KnowledgeService
    pool: asyncpg.Pool

    async def call(
        self, method: str, path: str, who: str | None = "supervisor", body: object = None
    ) -> tuple[int, Any]:
        headers = {WHO: who} if who else {}
        response: ClientResponse = await self.client.request(
            method, path, headers=headers, json=body
        )
        return response.status, await response.json()

    async def create(
        self, question: str, answer: str = "答复。", tags: Sequence[str] = ()
    ) -> dict[str, Any]:
        status, document = await self.call(
            "POST", "/api/knowledge", body={"question": question, "answer": answer, "tags": tags}
        )
        assert status == 201, document
        return document  # type: ignore[no-any-return]

    async def questions(self, query: str, who: str = "agent") -> list[str]:
        status, document = await self.call("GET", f"/api/knowledge?{query}", who)
        assert status == 200, document
        return [entry["question"] for entry in document["entries"]]


@pytest.fixture
async def pool(database: dict[str, Any]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database, max_size=4)
    await migrate(pool)
    yield pool
    await pool.close()


@pytest.fixture
def service(pool: asyncpg.Pool) -> KnowledgeService:
    return KnowledgeService(KnowledgeStore(pool), Clock())


@pytest.fixture
async def api(service: KnowledgeService, pool: asyncpg.Pool) -> AsyncIterator[Api]:
    app = web.Application()
    KnowledgeApi(lambda: service, guard).add_routes(app)
    client = TestClient(TestServer(app))
    await client.start_server()
    yield Api(client, service, pool)
    await client.close()


ROUTES = [
    ("GET", "/api/knowledge?q=上诉"),
    ("GET", "/api/knowledge/1"),
    ("POST", "/api/knowledge/1/used"),
    ("POST", "/api/knowledge"),
    ("PUT", "/api/knowledge/1"),
    ("DELETE", "/api/knowledge/1"),
    ("GET", "/api/knowledge/1/history"),
]
EDITING = ROUTES[3:]
BODY = {"question": "新问题", "answer": "新答复", "tags": [], "version": 1}


async def test_every_route_needs_someone_signed_in(api: Api) -> None:
    await api.create("上诉期限是多久？")
    for method, path in ROUTES:
        status, document = await api.call(method, path, who=None, body=BODY)
        assert (status, document["error"]) == (401, "unauthorized"), (method, path)


async def test_agents_and_judges_search_and_use_answers_but_only_editors_change_them(
    api: Api,
) -> None:
    entry = await api.create("上诉期限是多久？", "15日。")
    path = f"/api/knowledge/{entry['id']}"
    for who in ("agent", "judge"):
        assert await api.questions("q=上诉", who) == ["上诉期限是多久？"]
        status, document = await api.call("GET", path, who)
        assert (status, document["answer"]) == (200, "15日。")
        status, _ = await api.call("POST", f"{path}/used", who)
        assert status == 200
    for who in ("agent", "judge", "disabled-supervisor"):
        for method, route in EDITING:
            status, document = await api.call(method, route, who, BODY)
            assert (status, document["error"]) == (403, "forbidden"), (who, method, route)
    status, document = await api.call("GET", "/api/knowledge?q=上诉", "disabled-supervisor")
    assert (status, document["error"]) == (403, "forbidden")
    _, after = await api.call("GET", path, "supervisor")
    assert after == {**entry, "use_count": 2}


async def test_the_editor_is_the_principal_never_the_body(api: Api) -> None:
    body = {"question": "如何缴纳诉讼费用？", "answer": "七日内交纳。", "created_by": "judge-wu"}
    status, refused = await api.call("POST", "/api/knowledge", body=body)
    assert (status, refused["error"], refused["field"]) == (422, "knowledge-invalid", "created_by")
    assert await api.questions("") == []

    del body["created_by"]
    status, created = await api.call("POST", "/api/knowledge", body=body)
    assert status == 201
    assert created["created_by"] == created["updated_by"] == "zhao"
    assert (created["version"], created["archived"], created["use_count"]) == (1, False, 0)
    assert created["tags"] == []

    assert await api.questions("q=七日") == [body["question"]]
    body["version"] = 1
    body["answer"] = "自接到通知次日起交纳。"
    status, edited = await api.call("PUT", f"/api/knowledge/{created['id']}", "service", body)
    assert status == 200
    # Found by the new answer's words only.
    assert await api.questions("q=七日") == []
    assert await api.questions("q=通知") == [body["question"]]
    assert (edited["created_by"], edited["updated_by"], edited["version"]) == (
        "zhao",
        "api-token",
        2,
    )


async def test_a_colloquial_question_finds_the_example_entry_about_paying_fees(api: Api) -> None:
    report = await import_knowledge(EXAMPLE, api.service, by="admin")
    assert report.errors == ()
    assert (report.counts.created, report.rejected) == (16, 0)

    top = await api.questions("q=诉讼费怎么交&limit=3")
    assert "如何缴纳诉讼费用？" in top
    assert (await api.questions("q=上诉期限"))[0] == "不服一审判决或裁定，上诉期限是多久？"
    assert (await api.questions("q=申请执行有期限吗"))[0].startswith("对方不履行生效判决")


async def test_a_match_in_the_question_ranks_above_one_in_the_answer(api: Api) -> None:
    in_answer = await api.create("如何查询案件进展？", "立案、开庭和申请执行的进展都可以查询。")
    in_question = await api.create("申请执行的期限是多久？", "两年。")
    await api.create("怎样调解？", "自愿、合法。")
    status, document = await api.call("GET", "/api/knowledge?q=申请执行", "agent")
    assert status == 200
    found = [(entry["id"], entry["score"]) for entry in document["entries"]]
    assert [entry_id for entry_id, _ in found] == [in_question["id"], in_answer["id"]]
    assert found[0][1] > found[1][1] > 0


async def test_equal_matches_go_to_the_most_used_then_the_most_recent(api: Api) -> None:
    first = await api.create("民事上诉状怎么写？")
    second = await api.create("行政上诉状怎么写？")
    third = await api.create("刑事上诉状怎么写？")
    assert await api.questions("q=上诉状") == [q["question"] for q in (third, second, first)]

    for _ in range(2):
        await api.call("POST", f"/api/knowledge/{first['id']}/used", "agent")
    await api.call("POST", f"/api/knowledge/{second['id']}/used", "agent")
    assert await api.questions("q=上诉状") == [q["question"] for q in (first, second, third)]


async def test_entries_are_found_by_their_tags(api: Api) -> None:
    mail = await api.create("文书寄到哪里？", "寄到送达地址确认书上的地址。", ["EMS", "送达"])
    await api.create("开庭地点在哪里？", "见传票。", ["开庭"])
    await api.create("送达地址可以改吗？", "可以，书面告知法院。")

    assert await api.questions("q=ems") == [mail["question"]]
    # A tag filter is exact; words also match the question of untagged entries.
    assert await api.questions("tag=送达") == [mail["question"]]
    assert set(await api.questions("q=送达")) == {mail["question"], "送达地址可以改吗？"}
    assert await api.questions("q=送达&tag=ＥＭＳ") == [mail["question"]]
    assert await api.questions("q=开庭&tag=ems") == []


async def test_punctuation_or_question_words_alone_find_nothing(api: Api) -> None:
    await api.create("上诉期限是多久？", "15日。")
    await api.create("怎么办理立案？", "到诉讼服务中心。")
    for query in ("？！。，", "%3F%3F", "...", "怎么？如何？"):
        assert await api.questions(f"q={query}") == [], query
    # No words at all: the most used entries, to browse.
    assert len(await api.questions("q=")) == 2
    # One character is a word: in the question first, then in the answer (诉讼服务中心).
    assert await api.questions("q=诉") == ["上诉期限是多久？", "怎么办理立案？"]
    assert await api.questions("q=办理") == ["怎么办理立案？"]


async def test_results_are_limited(api: Api) -> None:
    for number in range(12):
        await api.create(f"第{number}号法庭在哪里？")
    assert len(await api.questions("q=法庭")) == 10
    assert len(await api.questions("q=法庭&limit=50")) == 12
    assert len(await api.questions("q=法庭&limit=3")) == 3
    for limit in ("51", "0", "abc"):
        status, document = await api.call("GET", f"/api/knowledge?q=法庭&limit={limit}", "agent")
        assert (status, document["error"], document["field"]) == (422, "knowledge-invalid", "limit")


async def test_an_edit_on_a_stale_version_conflicts(api: Api) -> None:
    entry = await api.create("举证期限是多久？", "不少于15日。")
    path = f"/api/knowledge/{entry['id']}"
    unchanged = {"question": entry["question"], "answer": entry["answer"], "version": 1}
    status, same = await api.call("PUT", path, body=unchanged)
    assert (status, same) == (200, entry)  # no new version for no change

    first = {"question": "举证期限是多长时间？", "answer": "一审普通程序不少于15日。", "version": 1}
    status, edited = await api.call("PUT", path, "supervisor", first)
    assert (status, edited["version"], edited["question"]) == (200, 2, first["question"])

    second = {"question": "举证期限有多久？", "answer": "15日。", "tags": ["举证"], "version": 1}
    status, refused = await api.call("PUT", path, "other-supervisor", second)
    assert (status, refused["error"], refused["current_version"]) == (409, "knowledge-conflict", 2)
    assert refused["message"].startswith("version: ")
    _, current = await api.call("GET", path, "agent")
    assert (current["answer"], current["updated_by"]) == (first["answer"], "zhao")

    status, history = await api.call("GET", f"{path}/history")
    assert status == 200
    assert [(r["version"], r["action"], r["by"], r["question"]) for r in history["revisions"]] == [
        (1, "created", "zhao", "举证期限是多久？"),
        (2, "edited", "zhao", "举证期限是多长时间？"),
    ]
    assert history["revisions"][0]["at"] < history["revisions"][1]["at"]


async def test_of_two_simultaneous_edits_one_wins(api: Api) -> None:
    entry = await api.create("开庭时间怎么查？", "看传票。")
    path = f"/api/knowledge/{entry['id']}"
    edits = [
        api.call("PUT", path, who, {"question": entry["question"], "answer": answer, "version": 1})
        for who, answer in (("supervisor", "拨打12368查询。"), ("other-supervisor", "看短信。"))
    ]
    statuses = sorted(status for status, _ in await asyncio.gather(*edits))
    assert statuses == [200, 409]
    _, current = await api.call("GET", path)
    assert current["version"] == 2


async def test_archiving_hides_an_entry_and_keeps_its_history(api: Api) -> None:
    entry = await api.create("诉讼费怎么退？", "结案后申请退费。")
    kept = await api.create("诉讼费怎么交？", "按通知交纳。")
    path = f"/api/knowledge/{entry['id']}"
    status, archived = await api.call("DELETE", path)
    assert (status, archived["archived"], archived["version"]) == (200, True, 2)
    assert await api.questions("q=诉讼费") == [kept["question"]]
    assert await api.questions("") == [kept["question"]]

    _, shown = await api.call("GET", path, "agent")
    assert shown["archived"] is True
    status, refused = await api.call("PUT", path, body={**BODY, "version": 2})
    assert (status, refused["error"]) == (409, "knowledge-conflict")
    status, refused = await api.call("POST", f"{path}/used", "agent")
    assert (status, refused["error"]) == (409, "knowledge-conflict")
    status, again = await api.call("DELETE", path, "other-supervisor")
    assert (status, again["version"], again["updated_by"]) == (200, 2, "zhao")

    revisions = await api.service.history(entry["id"])
    assert [(r.action, r.by) for r in revisions] == [
        (RevisionAction.CREATED, "zhao"),
        (RevisionAction.ARCHIVED, "zhao"),
    ]
    # Its question is free again.
    assert (await api.create("诉讼费怎么退？"))["id"] != entry["id"]


async def test_using_an_answer_counts_it_and_gives_the_text_to_paste(api: Api) -> None:
    entry = await api.create("上诉期限是多久？", "判决15日，裁定10日，自送达之日起。")
    path = f"/api/knowledge/{entry['id']}"
    for _ in range(2):
        status, used = await api.call("POST", f"{path}/used", "agent")
        assert status == 200
        assert used == {"id": entry["id"], "question": entry["question"], "answer": entry["answer"]}
    _, after = await api.call("GET", path, "agent")
    assert (after["use_count"], after["version"], after["updated_at"]) == (
        2,
        1,
        entry["updated_at"],
    )


BAD_IDS = ["999", "0", "abc", "12a", "-1", "²", "%EF%BC%91", "9223372036854775808", "9" * 30]


async def test_unknown_or_malformed_ids_are_not_found(api: Api) -> None:
    await api.create("上诉期限是多久？")
    by_id = [(method, path) for method, path in ROUTES if path.startswith("/api/knowledge/1")]
    assert len(by_id) == 5
    for entry_id in BAD_IDS:
        for method, path in by_id:
            path = path.replace("/1", f"/{entry_id}", 1)
            status, document = await api.call(method, path, body=BODY)
            assert (status, document["error"]) == (404, "knowledge-not-found"), (method, path)
    # The largest bigint is an id, looked up like any other.
    status, document = await api.call("GET", "/api/knowledge/9223372036854775807")
    assert (status, document["message"]) == (404, "no knowledge entry 9223372036854775807")


BAD_BODIES = [
    ({"question": "问", "answer": "答" * 4001}, "answer"),
    ({"question": "问" * 201, "answer": "答"}, "question"),
    ({"question": "问", "answer": "答", "tags": list("abcdefghijk")}, "tags"),
    ({"question": "问", "answer": "答", "tags": ["签" * 21]}, "tags[0]"),
    ({"answer": "答"}, "question"),
]


async def test_a_bad_body_is_refused_naming_the_field(api: Api) -> None:
    for body, field in BAD_BODIES:
        status, document = await api.call("POST", "/api/knowledge", body=body)
        assert (status, document["error"], document["field"]) == (422, "knowledge-invalid", field)
        assert document["message"].startswith(f"{field}: ")
    assert await api.questions("") == []

    entry = await api.create("上诉期限是多久？")
    path = f"/api/knowledge/{entry['id']}"
    status, document = await api.call("PUT", path, body={"question": "问", "answer": "答"})
    assert (status, document["field"]) == (422, "version")
    response = await api.client.put(path, headers={WHO: "supervisor"}, data=b"{not json")
    assert (response.status, (await response.json())["error"]) == (400, "bad-json")


async def test_two_live_entries_may_not_ask_the_same_question(api: Api) -> None:
    first = await api.create("上诉期限是多久？")
    second = await api.create("举证期限是多久？")
    status, refused = await api.call(
        "POST", "/api/knowledge", body={"question": " 上诉期限是多久？", "answer": "另一个。"}
    )
    assert (status, refused["error"], refused["other_id"]) == (
        409,
        "knowledge-duplicate-question",
        first["id"],
    )
    status, refused = await api.call(
        "PUT",
        f"/api/knowledge/{second['id']}",
        body={"question": first["question"], "answer": "答", "version": 1},
    )
    assert (status, refused["error"], refused["field"]) == (
        409,
        "knowledge-duplicate-question",
        "question",
    )


async def test_the_api_waits_for_the_switch_to_start() -> None:
    app = web.Application()
    KnowledgeApi(lambda: None, guard).add_routes(app)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/api/knowledge?q=上诉", headers={WHO: "agent"})
        assert (response.status, (await response.json())["error"]) == (503, "not-ready")
        response = await client.get("/api/knowledge?q=上诉")
        assert response.status == 401


BAD_FILE = """\
entries:
  - question: 上诉期限是多久？
    answer: 判决15日，裁定10日。
    tags: [上诉, 期限]
  - question: 举证期限是多久？
    tags: [举证]
  - question: 立案要带什么？
    answer: 起诉状和身份证明。
    tags: [立案, 这个标签实在是太长了超过了二十个字的限制呀]
    author: 张三
  - question: 开庭时间怎么查？
    answer: 看传票。
  - question: 开庭时间怎么查？
    answer: 拨打12368。
  - 只有一行字
notes: 草稿
"""


async def test_an_import_takes_the_good_entries_and_lists_the_bad_ones(
    api: Api, tmp_path: Path
) -> None:
    source = tmp_path / "knowledge.yaml"
    source.write_text(BAD_FILE, encoding="utf-8")
    report = await import_knowledge(source, api.service, by="admin")
    assert [str(problem) for problem in report.errors] == [
        f"{source}:5: answer: missing",
        f"{source}:9: tags[1]: too long (21 characters, at most 20)",
        f"{source}:10: author: unknown field (expected: question, answer, tags)",
        f"{source}:11: question: the same question is also on line 13; every such entry is"
        " rejected",
        f"{source}:13: question: the same question is also on line 11; every such entry is"
        " rejected",
        f"{source}:15: entries[5]: must be a mapping with question, answer and tags",
        f"{source}:16: notes: unknown section (expected: entries)",
    ]
    assert (report.counts.created, report.rejected) == (1, 5)
    assert await api.questions("") == ["上诉期限是多久？"]

    again = await import_knowledge(source, api.service, by="admin")
    assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, 1)

    source.write_text(BAD_FILE.replace("裁定10日。", "裁定10日，自送达之日起。"), encoding="utf-8")
    changed = await import_knowledge(source, api.service, by="admin")
    assert (changed.counts.created, changed.counts.updated) == (0, 1)
    (entry_id,) = [row["id"] for row in await api.pool.fetch("SELECT id FROM knowledge_entries")]
    revisions = await api.service.history(entry_id)
    assert [(r.version, r.action, r.by) for r in revisions] == [
        (1, RevisionAction.IMPORTED, "admin"),
        (2, RevisionAction.IMPORTED, "admin"),
    ]
    assert revisions[1].answer == "判决15日，裁定10日，自送达之日起。"


GOOD_ENTRY = "  - {question: 好问题, answer: 好答复}\n"


BROKEN_FILES = [
    (f"entries:\n{GOOD_ENTRY}  - question: [未闭合\n", 4, "YAML syntax"),
    (f"entries:\n{GOOD_ENTRY}entries: []\n", 3, "duplicate key 'entries'"),
    (f"questions:\n{GOOD_ENTRY}", 1, "the file must hold `entries:`"),
    ("entries: 好问题\n", 1, "the file must hold `entries:`"),
    ("", 1, "the file is empty"),
]


async def test_a_broken_file_imports_nothing(api: Api, tmp_path: Path) -> None:
    source = tmp_path / "knowledge.yaml"
    for text, line, message in BROKEN_FILES:
        source.write_text(text, encoding="utf-8")
        with pytest.raises(KnowledgeImportError) as caught:
            await import_knowledge(source, api.service, by="admin")
        (problem,) = caught.value.problems
        assert problem.startswith(f"{source}:{line}: "), problem
        assert message in problem
    with pytest.raises(KnowledgeImportError, match="cannot read"):
        await import_knowledge(tmp_path / "missing.yaml", api.service, by="admin")
    assert await api.questions("") == []


async def test_reindexing_restores_lost_terms(api: Api) -> None:
    await api.create("上诉期限是多久？", "15日。", ["上诉"])
    await api.pool.execute("DELETE FROM knowledge_terms")
    assert await api.questions("q=上诉") == []
    assert await api.service.reindex() == 1
    assert await api.questions("q=上诉") == ["上诉期限是多久？"]

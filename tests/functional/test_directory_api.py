"""The directory API against the real PostgreSQL: token required, numbers masked unless asked."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from console.sessions import SessionGuard
from directory.http import DirectoryApi
from directory.model import Court, Division
from directory.store import DirectoryData, DirectoryStore
from store.database import create_pool, migrate
from tests.directory_data import (
    CASE_NUMBER,
    CLERK_MOBILE,
    DIRECTORY,
    HEAD_MOBILE,
    JUDGE_MOBILE,
    OFFICE_PHONE,
    PARTY_PHONE,
)

TOKEN = "directory-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CASE_PATH = f"/api/directory/cases/chaoyang/{quote(CASE_NUMBER)}"
Client = TestClient[web.Request, web.Application]
HAIDIAN = DirectoryData(
    courts=[Court("haidian", "北京市海淀区人民法院")],
    divisions=[Division("hd-civil1", "haidian", "民一庭")],
)


# The API token only: console sessions and roles are tested in test_console.py.
GUARD = SessionGuard(lambda: None, lambda: TOKEN)


@pytest.fixture
async def store(database: dict[str, Any]) -> AsyncIterator[DirectoryStore]:
    pool: asyncpg.Pool = await create_pool(database)
    await migrate(pool)
    store = DirectoryStore(pool)
    await store.write(DIRECTORY)
    await store.write(HAIDIAN)
    yield store
    await pool.close()


async def serve(store: DirectoryStore | None) -> Client:
    app = web.Application()
    DirectoryApi(lambda: store, GUARD).add_routes(app)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
async def client(store: DirectoryStore) -> AsyncIterator[Client]:
    client = await serve(store)
    yield client
    await client.close()


ZHANG = {
    "court_id": "chaoyang",
    "division_id": "cy-civil1",
    "name": "张明",
    "mobile": "138-0000-0077",
    "office_phone": None,
    "assistant": {"name": "刘洋", "mobile": "13800000021"},
}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/directory/courts"),
        ("GET", "/api/directory/judges"),
        ("GET", "/api/directory/judges/cy-zhang"),
        ("GET", CASE_PATH),
        ("PUT", "/api/directory/judges/cy-zhang"),
        ("PUT", "/api/directory/divisions/cy-civil1"),
    ],
)
async def test_every_route_needs_the_api_token(client: Client, method: str, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = await client.request(method, path, headers=headers, json=ZHANG)
        assert response.status == 401
        assert (await response.json())["error"] == "unauthorized"


async def test_courts_list_their_divisions_with_numbers_masked(client: Client) -> None:
    response = await client.get("/api/directory/courts", headers=AUTH)
    assert response.status == 200
    text = await response.text()
    courts = json.loads(text)["courts"]
    assert [court["id"] for court in courts] == ["chaoyang", "haidian"]
    chaoyang = courts[0]
    assert chaoyang["supervision_office"] == {"name": "督查室", "phone": "010****9999"}
    (division,) = chaoyang["divisions"]
    assert division["office_phone"] == "010****0001"
    assert division["head_judge_id"] == "cy-li"
    assert division["clerk"] == {"name": "王内勤", "mobile": "138****0009"}
    for number in (OFFICE_PHONE, CLERK_MOBILE, "01065009999"):
        assert number not in text


async def test_case_shows_party_numbers_masked_and_logs_nothing(client: Client) -> None:
    with capture_logs() as logs:
        response = await client.get(CASE_PATH, headers=AUTH)
    assert response.status == 200
    assert await response.json() == {
        "court_id": "chaoyang",
        "case_number": CASE_NUMBER,
        "division_id": "cy-civil1",
        "judge_id": "cy-zhang",
        "party_phones": ["139****5678"],
    }
    assert logs == []


async def test_personal_view_shows_numbers_in_full_and_is_logged_masked(client: Client) -> None:
    with capture_logs() as logs:
        response = await client.get(CASE_PATH, headers=AUTH, params={"personal": "1"})
    assert response.status == 200
    assert (await response.json())["party_phones"] == [PARTY_PHONE]
    (entry,) = logs
    assert entry["event"] == "directory personal data shown"
    assert entry["path"] == f"/api/directory/cases/chaoyang/{CASE_NUMBER}"
    assert entry["numbers"] == ["139****5678"]
    assert PARTY_PHONE not in repr(logs)


async def test_personal_flag_must_be_0_or_1(client: Client) -> None:
    response = await client.get(CASE_PATH, headers=AUTH, params={"personal": "yes"})
    assert response.status == 422
    assert (await response.json())["error"] == "bad-field"


async def test_judges_of_one_court_or_all(client: Client) -> None:
    response = await client.get("/api/directory/judges", headers=AUTH, params={"court": "chaoyang"})
    judges = (await response.json())["judges"]
    assert [(judge["id"], judge["mobile"]) for judge in judges] == [
        ("cy-li", "138****0002"),
        ("cy-zhang", "138****0001"),
    ]
    full = await client.get("/api/directory/judges?personal=1", headers=AUTH)
    numbers = [judge["mobile"] for judge in (await full.json())["judges"]]
    assert numbers == [HEAD_MOBILE, JUDGE_MOBILE]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/directory/judges?court=atlantis", 404, "court-not-found"),
        ("/api/directory/judges/cy-nobody", 404, "judge-not-found"),
        (f"/api/directory/cases/chaoyang/{quote('(2026)京0105民初999号')}", 404, "case-not-found"),
        (f"/api/directory/cases/haidian/{quote(CASE_NUMBER)}", 404, "case-not-found"),
    ],
)
async def test_what_is_not_in_the_directory_is_a_404_with_a_code(
    client: Client, path: str, status: int, code: str
) -> None:
    response = await client.get(path, headers=AUTH)
    assert response.status == status
    assert (await response.json())["error"] == code


async def test_put_judge_inserts_then_replaces_and_answers_masked(
    client: Client, store: DirectoryStore
) -> None:
    new = {**ZHANG, "name": "孙新"}
    created = await client.put("/api/directory/judges/cy-sun", headers=AUTH, json=new)
    assert created.status == 201
    document = await created.json()
    assert document["id"] == "cy-sun"
    assert document["mobile"] == "138****0077"
    assert document["assistant"] == {"name": "刘洋", "mobile": "138****0021"}

    changed = {**new, "mobile": "13800000078", "assistant": None}
    replaced = await client.put("/api/directory/judges/cy-sun", headers=AUTH, json=changed)
    assert replaced.status == 200
    judge = await store.judge("cy-sun")
    assert judge is not None
    assert (judge.name, judge.mobile, judge.assistant) == ("孙新", "13800000078", None)


async def test_put_with_personal_view_is_logged_masked(client: Client) -> None:
    with capture_logs() as logs:
        response = await client.put(
            "/api/directory/judges/cy-zhang?personal=1", headers=AUTH, json=ZHANG
        )
    assert response.status == 200
    assert (await response.json())["mobile"] == "13800000077"
    shown = [entry for entry in logs if entry["event"] == "directory personal data shown"]
    assert shown[0]["numbers"] == ["138****0077", "138****0021"]
    assert "13800000077" not in repr(logs)


@pytest.mark.parametrize(
    ("change", "status", "code", "message"),
    [
        pytest.param(
            {"mobile": "138 0000 00x1"},
            422,
            "bad-field",
            "mobile: must be a phone number of 5 to 20 digits (an optional leading +)",
            id="bad-phone",
        ),
        pytest.param(
            {"mobile": 13800000077},
            422,
            "bad-field",
            "mobile: must be in quotes: read as a number, it would lose a leading 0",
            id="phone-as-number",
        ),
        pytest.param(
            {"assistant": {"mobile": "13800000021"}},
            422,
            "bad-field",
            "assistant.name: missing",
            id="assistant-without-name",
        ),
        pytest.param(
            {"nickname": "老张"},
            422,
            "bad-field",
            "nickname: unknown field (expected: id, court_id, division_id, name, mobile,"
            " office_phone, assistant)",
            id="unknown-field",
        ),
        pytest.param(
            {"id": "cy-other"}, 422, "bad-field", "id: must be the id of the URL", id="other-id"
        ),
        pytest.param(
            {"court_id": "atlantis", "division_id": None},
            422,
            "court-not-found",
            "court_id: unknown court 'atlantis'",
            id="unknown-court",
        ),
        pytest.param(
            {"division_id": "cy-civil9"},
            422,
            "division-not-found",
            "division_id: unknown division 'cy-civil9'",
            id="unknown-division",
        ),
        pytest.param(
            {"division_id": "hd-civil1"},
            422,
            "bad-reference",
            "division_id: division 'hd-civil1' is of court 'haidian', not 'chaoyang'",
            id="division-of-another-court",
        ),
    ],
)
async def test_put_judge_refuses_bad_fields_by_name(
    client: Client,
    store: DirectoryStore,
    change: dict[str, Any],
    status: int,
    code: str,
    message: str,
) -> None:
    response = await client.put(
        "/api/directory/judges/cy-zhang", headers=AUTH, json={**ZHANG, **change}
    )
    assert response.status == status
    body = await response.json()
    assert (body["error"], body["message"]) == (code, message)
    assert body["field"] == message.split(":")[0]
    judge = await store.judge("cy-zhang")
    assert judge is not None
    assert judge.mobile == JUDGE_MOBILE, "nothing written"


async def test_put_judge_refuses_moving_a_division_head_out(client: Client) -> None:
    li = {"court_id": "chaoyang", "division_id": None, "name": "李庭长", "mobile": HEAD_MOBILE}
    response = await client.put("/api/directory/judges/cy-li", headers=AUTH, json=li)
    assert response.status == 422
    body = await response.json()
    assert body["error"] == "bad-reference"
    assert body["message"] == (
        "division_id: division 'cy-civil1' names this judge as its head,"
        " so the judge must be in that division"
    )


@pytest.mark.parametrize("body", ["[1, 2]", "not json", '"text"'])
async def test_put_body_must_be_a_json_object(client: Client, body: str) -> None:
    response = await client.put(
        "/api/directory/judges/cy-zhang",
        headers={**AUTH, "Content-Type": "application/json"},
        data=body,
    )
    assert response.status == 400
    assert (await response.json())["error"] == "bad-json"


CIVIL1 = {
    "court_id": "chaoyang",
    "name": "民一庭",
    "office_phone": "010-65000055",
    "head_judge_id": "cy-li",
    "clerk": {"name": "王内勤", "mobile": CLERK_MOBILE},
}


async def test_put_division_replaces_it(client: Client, store: DirectoryStore) -> None:
    response = await client.put("/api/directory/divisions/cy-civil1", headers=AUTH, json=CIVIL1)
    assert response.status == 200
    assert (await response.json())["office_phone"] == "010****0055"
    division = await store.division("cy-civil1")
    assert division is not None
    assert division.office_phone == "01065000055"


async def test_put_division_inserts_a_new_one_without_head(
    client: Client, store: DirectoryStore
) -> None:
    body = {"court_id": "chaoyang", "name": "民二庭"}
    response = await client.put("/api/directory/divisions/cy-civil2", headers=AUTH, json=body)
    assert response.status == 201
    assert await store.division("cy-civil2") == Division("cy-civil2", "chaoyang", "民二庭")


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        pytest.param(
            {"head_judge_id": "cy-nobody"},
            "judge-not-found",
            "head_judge_id: unknown judge 'cy-nobody'",
            id="unknown-head",
        ),
        pytest.param(
            {"court_id": "atlantis"},
            "court-not-found",
            "court_id: unknown court 'atlantis'",
            id="unknown-court",
        ),
        pytest.param({"name": ""}, "bad-field", "name: missing", id="empty-name"),
        pytest.param(
            {"clerk": "王内勤"},
            "bad-field",
            "clerk: must be a mapping {name: …, mobile: …}",
            id="clerk-not-a-mapping",
        ),
    ],
)
async def test_put_division_refuses_bad_fields_by_name(
    client: Client, change: dict[str, Any], code: str, message: str
) -> None:
    response = await client.put(
        "/api/directory/divisions/cy-civil1", headers=AUTH, json={**CIVIL1, **change}
    )
    assert response.status == 422
    body = await response.json()
    assert (body["error"], body["message"]) == (code, message)


async def test_a_new_division_cannot_name_a_head_from_another_division(client: Client) -> None:
    body = {"court_id": "chaoyang", "name": "民二庭", "head_judge_id": "cy-zhang"}
    response = await client.put("/api/directory/divisions/cy-civil2", headers=AUTH, json=body)
    assert response.status == 422
    problem = await response.json()
    assert problem["error"] == "bad-reference"
    assert problem["message"] == (
        "head_judge_id: judge 'cy-zhang' is not in division 'cy-civil2' but in 'cy-civil1'"
    )


async def test_every_problem_is_listed_for_a_form(client: Client) -> None:
    body = {**ZHANG, "name": "", "mobile": "x", "office_phone": "y"}
    response = await client.put("/api/directory/judges/cy-zhang", headers=AUTH, json=body)
    problems = (await response.json())["problems"]
    assert [problem["field"] for problem in problems] == ["name", "mobile", "office_phone"]


async def test_before_the_switch_has_started_the_api_says_not_ready() -> None:
    client = await serve(None)
    try:
        response = await client.get("/api/directory/courts", headers=AUTH)
        assert response.status == 503
        assert (await response.json())["error"] == "not-ready"
    finally:
        await client.close()

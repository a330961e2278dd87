"""The API's OpenAPI document (console/openapi.yaml) against the switch's code: every /api/ route
is documented and nothing is documented that is not served, the document is valid OpenAPI 3.1,
every error code it lists is a string in the code that handles the route, and the documents that
pure functions build have the keys the document shows."""

from __future__ import annotations

import ast
import functools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NoReturn, cast

import pytest
import yaml
from aiohttp import web
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from agents.model import NO_ANSWER_REASON, AgentStatus, Seat, SeatState
from agents.policy import StatusRequest
from calls.model import Call, CallState
from console.board import (
    PlatformInfo,
    QueueInfo,
    agent_view,
    board_document,
    call_view,
)
from console.http import openapi_json
from console.model import Permission, Role, User
from console.sessions import SessionGuard, user_document
from directory.entries import Kind
from directory.http import (
    Numbers,
    case_document,
    court_document,
    division_document,
    judge_document,
)
from directory.model import CaseFile, Court, Division, Judge, Person
from hotline.http import StatusServer
from hotline.http import seat_document as hotline_seat_document
from ivr.model import IvrStep
from knowledge.http import KnowledgeApi, entry_document, found_document, revision_document
from knowledge.model import Entry, Found, Revision, RevisionAction
from routing.policy import WaitingEntry
from workorders.http import order_document
from workorders.model import (
    Category,
    EventKind,
    Handler,
    HandlerKind,
    Status,
    Urgency,
    WorkOrder,
)

if TYPE_CHECKING:
    from hotline.app import Hotline

REPO = Path(__file__).resolve().parents[2]
OPENAPI = REPO / "console" / "openapi.yaml"
METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
# What every handler calls for the refusals it shares: the guard's 401/403s, bad JSON.
# Refusals every package may return: the error shape, the session layer, and work-order
# refusals (the console files a work order from a call through the work-order service).
SHARED_SOURCES = (
    REPO / "hotline" / "api.py",
    REPO / "console" / "sessions.py",
    REPO / "workorders" / "errors.py",
    REPO / "workorders" / "http.py",
    REPO / "calls" / "consult.py",  # ConsultError codes, answered as they are by console/http.py
)
# Codes built rather than spelled out: directory/entries.py `_missing` answers an unknown
# reference with f"{kind}-not-found". Accepted while that f-string and the kind are there.
BUILT_CODES = {"division-not-found": ("directory", 'f"{kind}-not-found"', Kind.DIVISION)}
ENUMS: dict[str, type[StrEnum]] = {
    "Permission": Permission,
    "Role": Role,
    "AgentStatus": AgentStatus,
    "SeatState": SeatState,
    "StatusAction": StatusRequest,
    "CallState": CallState,
    "IvrStep": IvrStep,
    "WorkOrderCategory": Category,
    "Urgency": Urgency,
    "WorkOrderStatus": Status,
    "HandlerKind": HandlerKind,
    "WorkOrderEventKind": EventKind,
    "KnowledgeRevisionAction": RevisionAction,
}
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

Operation = tuple[str, str]  # (METHOD, path template)


@functools.cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    return loaded


def operations() -> Iterator[tuple[Operation, dict[str, Any]]]:
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield (method.upper(), path), operation


def api_operations() -> Iterator[tuple[Operation, dict[str, Any]]]:
    return ((key, operation) for key, operation in operations() if key[1].startswith("/api/"))


def pointer(reference: str) -> dict[str, Any]:
    assert reference.startswith("#/"), f"only local references: {reference}"
    node: Any = document()
    for part in reference[2:].split("/"):
        node = node[part]
    assert isinstance(node, dict)
    return node


def dereferenced(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = pointer(node["$ref"])
    return node


def codes_in(schema: dict[str, Any]) -> set[str]:
    """The `error` codes a response schema allows, through $ref, allOf, oneOf and anyOf."""
    codes: set[str] = set()
    if "$ref" in schema:
        codes |= codes_in(pointer(schema["$ref"]))
    codes |= set(schema.get("properties", {}).get("error", {}).get("enum", []))
    for combined in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(combined, []):
            codes |= codes_in(part)
    return codes


def error_codes(operation: dict[str, Any]) -> dict[str, set[str]]:
    """HTTP status → the error codes documented for it (JSON refusals only)."""
    found: dict[str, set[str]] = {}
    for status, response in operation["responses"].items():
        if int(status) < 400:
            continue
        content = dereferenced(response).get("content", {})
        if "application/json" in content:
            found[status] = codes_in(content["application/json"].get("schema", {}))
    return found


def flattened(schema: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(properties, required) of an object schema, through $ref and allOf."""
    schema = dereferenced(schema)
    properties, required = set(schema.get("properties", {})), set(schema.get("required", []))
    for part in schema.get("allOf", []):
        more_properties, more_required = flattened(part)
        properties |= more_properties
        required |= more_required
    return properties, required


class _Built(Exception):
    def __init__(self, app: web.Application) -> None:
        super().__init__("app built")
        self.app = app


async def served_routes(monkeypatch: pytest.MonkeyPatch) -> dict[Operation, str]:
    """Each route of the app as `StatusServer.start` builds it (stopped before it listens), and
    the knowledge base's (documented before it is mounted), with its handler's module."""

    def built(app: web.Application, **_options: object) -> NoReturn:
        raise _Built(app)

    monkeypatch.setattr(web, "AppRunner", built)
    server = StatusServer(cast("Hotline", SimpleNamespace(feed=None, seats=None)), "api-token")
    with pytest.raises(_Built) as stopped:
        await server.start("127.0.0.1:0")
    knowledge = web.Application()
    KnowledgeApi(lambda: None, SessionGuard(lambda: None, lambda: "")).add_routes(knowledge)
    routes: dict[Operation, str] = {}
    for app in (stopped.value.app, knowledge):
        for route in app.router.routes():
            # add_get serves HEAD too; the GET documents both.
            if route.method == "HEAD":
                continue
            key = (route.method, route.resource.canonical if route.resource else "")
            routes[key] = route.handler.__module__
    return routes


@functools.cache
def string_literals(package: str) -> frozenset[str]:
    """Every str constant in the package's code, and in the helpers every handler shares."""
    sources = [*sorted((REPO / package).rglob("*.py")), *SHARED_SOURCES]
    return frozenset(
        node.value
        for source in sources
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def refusals_spelled_out(source: Path) -> set[str]:
    """The codes of each `error(status, "code", …)` call with a literal code."""
    return {
        node.args[1].value
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "error"
        and len(node.args) > 1
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    }


# ---- routes ---------------------------------------------------------------------------------


async def test_every_api_route_is_documented(monkeypatch: pytest.MonkeyPatch) -> None:
    served = {key for key in await served_routes(monkeypatch) if key[1].startswith("/api/")}
    documented = {key for key, _operation in operations()}
    assert sorted(served - documented) == []


async def test_every_documented_operation_is_served(monkeypatch: pytest.MonkeyPatch) -> None:
    served = set(await served_routes(monkeypatch))
    documented = {key for key, _operation in operations()}
    assert sorted(documented - served) == []


# ---- the document itself --------------------------------------------------------------------


def test_document_is_valid_openapi_3_1() -> None:
    assert document()["openapi"].startswith("3.1.")
    assert document()["info"]["title"] == "12368 hotline switch API"
    validate(document(), cls=OpenAPIV31SpecValidator)


def test_served_json_is_the_yaml_document() -> None:
    # Read through importlib.resources, as the installed package serves it.
    assert json.loads(openapi_json()) == document()


def test_every_api_operation_says_what_it_needs_and_how_it_refuses() -> None:
    permissions = {permission.value for permission in Permission} | {"none"}
    problems = []
    for (method, path), operation in api_operations():
        where = f"{method} {path}"
        if not operation.get("summary"):
            problems.append(f"{where}: no summary")
        if operation.get("x-permission") not in permissions:
            problems.append(f"{where}: x-permission {operation.get('x-permission')!r}")
        codes = error_codes(operation)
        for status, listed in codes.items():
            if not listed:
                problems.append(f"{where}: {status} lists no error code")
        secured = operation.get("security", document()["security"]) != []
        if secured and "unauthorized" not in codes.get("401", set()):
            problems.append(f"{where}: signed-in only, yet no 401 unauthorized")
        if operation.get("x-permission", "none") != "none" and "forbidden" not in codes.get(
            "403", set()
        ):
            problems.append(f"{where}: needs a permission, yet no 403 forbidden")
    assert problems == []


# ---- error codes against the code -----------------------------------------------------------


async def test_documented_error_codes_are_strings_of_the_handling_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served = await served_routes(monkeypatch)
    missing = []
    for key, operation in api_operations():
        if key not in served:
            continue  # test_every_documented_operation_is_served says so
        package = served[key].partition(".")[0]
        for status, codes in error_codes(operation).items():
            for code in sorted(codes):
                if code in BUILT_CODES:
                    built_in, template, kind = BUILT_CODES[code]
                    sources = (REPO / built_in).rglob("*.py")
                    if f"{kind}-not-found" == code and any(
                        template in source.read_text(encoding="utf-8") for source in sources
                    ):
                        continue
                elif code in string_literals(package):
                    continue
                missing.append(f"{key[0]} {key[1]} {status} {code!r} (not in {package}/)")
    assert missing == []


async def test_every_refusal_the_handlers_spell_out_is_documented(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    modules = {module for module in (await served_routes(monkeypatch)).values()}
    sources = {REPO / f"{module.replace('.', '/')}.py" for module in modules} | set(SHARED_SOURCES)
    documented = {
        code
        for _key, operation in api_operations()
        for codes in error_codes(operation).values()
        for code in codes
    }
    spelled_out = {
        f"{source.relative_to(REPO)}: {code}"
        for source in sources
        for code in refusals_spelled_out(source)
        if code not in documented
    }
    assert sorted(spelled_out) == []


# ---- what the documents hold ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_documented_enum_is_the_code_enum(name: str) -> None:
    assert pointer(f"#/components/schemas/{name}")["enum"] == [m.value for m in ENUMS[name]]


def test_live_streams_document_the_events_they_send() -> None:
    sent = "".join(
        (REPO / "console" / name).read_text(encoding="utf-8") for name in ("live.py", "http.py")
    )
    streams = 0
    for (method, path), operation in api_operations():
        content = dereferenced(operation["responses"].get("200", {})).get("content", {})
        if "text/event-stream" not in content:
            continue
        streams += 1
        for event in content["text/event-stream"]["x-events"]:
            assert f'event="{event}"' in sent or f"event: {event}" in sent, (method, path, event)
    assert streams == 2


def _seat(**fields: Any) -> Seat:
    return Seat("high-01", "high", frozenset({"consultation"}), since=T0, **fields)


def _built_documents() -> list[Any]:
    """(schema name, a document as the code builds it) for each builder with a schema."""
    call = Call("call-1", "caller-1", "13912345678", "12368", T0, "high", CallState.CONNECTED)
    board = board_document(
        now=T0,
        scope=None,
        platforms=[PlatformInfo("high", "北京市高级人民法院", "hq")],
        queues=[QueueInfo("general", "综合咨询", 120)],
        seats=[_seat()],
        waiting=[],
        today=[],
        overdue_work_orders=None,
    )
    order = WorkOrder(
        id=7,
        court_id="high",
        case_number=None,
        category=Category.OTHER,
        urgency=Urgency.NORMAL,
        caller_number="13912345678",
        content="请回电",
        created_at=T0,
        due_at=T0 + timedelta(days=3),
        handler=Handler(HandlerKind.SUPERVISION_OFFICE, "督查室", "high", "01065550000"),
    )
    entry = Entry(1, "诉讼费怎么交？", "网上缴纳。", ("诉讼费",), "sup", T0, "sup", T0, 1, False, 0)
    assistant = Person("李助理", "13800000000")
    masked = Numbers(personal=False)
    built = [
        ("Seat", hotline_seat_document(_seat(), datetime.now(UTC))),
        ("BoardDocument", board),
        ("BoardPlatform", board["platforms"][0]),
        ("BoardQueue", board["queues"][0]),
        ("BoardSeat", board["seats"][0]),
        (
            "SeatDocument",
            agent_view(
                _seat(state=SeatState.TALKING, call_id="call-1"),
                call,
                now=T0,
                mask=True,
                long_call_s=900,
            ),
        ),
        ("LiveCall", call_view(call, mask=True)),
        ("User", user_document(User(3, "agent1", "王芳", Role.AGENT, "high", frozenset()))),
        ("WorkOrder", order_document(order, personal_data=False)),
        ("DirectoryCourt", court_document(Court("high", "高院", assistant, None), [], masked)),
        ("DirectoryDivision", division_document(Division("d1", "high", "民一庭"), masked)),
        (
            "DirectoryJudge",
            judge_document(Judge("j1", "high", "张明", assistant=assistant), masked),
        ),
        ("DirectoryCase", case_document(CaseFile("high", "(2024)京01民初1号", None, None), masked)),
        ("KnowledgeEntry", entry_document(entry)),
        ("KnowledgeFound", found_document(Found(entry, 3))),
        (
            "KnowledgeRevision",
            revision_document(
                Revision(1, 1, RevisionAction.CREATED, T0, "sup", "问", "答", ("标签",))
            ),
        ),
    ]
    return [pytest.param(name, document, id=name) for name, document in built]


@pytest.mark.parametrize(("name", "built"), _built_documents())
def test_built_document_has_the_documented_keys(name: str, built: dict[str, Any]) -> None:
    properties, required = flattened(pointer(f"#/components/schemas/{name}"))
    assert set(built) == required
    assert set(built) <= properties


def test_board_alerts_have_the_documented_keys() -> None:
    board = board_document(
        now=T0,
        scope=None,
        platforms=[],
        queues=[QueueInfo("general", "综合咨询", 120)],
        seats=[_seat(status=AgentStatus.PAUSED, pause_reason=NO_ANSWER_REASON)],
        waiting=[WaitingEntry("call-1", "general", "high", T0 - timedelta(minutes=5))],
        today=[],
        overdue_work_orders=2,
    )
    schema = pointer("#/components/schemas/BoardAlert")
    properties, required = flattened(schema)
    kinds = schema["properties"]["kind"]["enum"]
    assert sorted(alert["kind"] for alert in board["alerts"]) == sorted(kinds)
    for alert in board["alerts"]:
        assert required <= set(alert) <= properties, alert

"""The knowledge base on the switch's API: agents search it and use answers; supervisors edit it.

    GET    /api/knowledge?q=&tag=&limit=    search (knowledge-read)
    GET    /api/knowledge/{id}              one entry, archived ones too (knowledge-read)
    POST   /api/knowledge/{id}/used         an answer used on a call: its text (knowledge-read)
    POST   /api/knowledge                   {question, answer, tags}  (knowledge-edit)
    PUT    /api/knowledge/{id}              {question, answer, tags, version}  (knowledge-edit)
    DELETE /api/knowledge/{id}              archives it (knowledge-edit)
    GET    /api/knowledge/{id}/history      every change: who, when, what (knowledge-edit)

The editor recorded is always the signed-in principal; a body naming one is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from console.access import Guard
from console.model import Permission, Principal
from hotline.api import error, json_object
from knowledge import policy
from knowledge.errors import (
    DuplicateQuestion,
    EntryConflict,
    EntryNotFound,
    InvalidEntry,
    KnowledgeError,
)
from knowledge.model import Entry, Found, Revision
from knowledge.service import KnowledgeService

_BIGINT_MAX = 2**63 - 1


def entry_document(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "question": entry.question,
        "answer": entry.answer,
        "tags": list(entry.tags),
        "created_by": entry.created_by,
        "created_at": entry.created_at.isoformat(),
        "updated_by": entry.updated_by,
        "updated_at": entry.updated_at.isoformat(),
        "version": entry.version,
        "archived": entry.archived,
        "use_count": entry.use_count,
    }


def found_document(found: Found) -> dict[str, Any]:
    return {**entry_document(found.entry), "score": found.score}


def revision_document(revision: Revision) -> dict[str, Any]:
    return {
        "version": revision.version,
        "action": revision.action.value,
        "at": revision.at.isoformat(),
        "by": revision.by,
        "question": revision.question,
        "answer": revision.answer,
        "tags": list(revision.tags),
    }


def refusal(exc: KnowledgeError) -> web.Response:
    """The API's answer to a knowledge error: the error's code, its message naming the field."""
    match exc:
        case InvalidEntry():
            first = exc.problems[0]
            return error(
                422,
                exc.code,
                str(first),
                field=first.field,
                problems=[
                    {"field": problem.field, "message": problem.message} for problem in exc.problems
                ],
            )
        case EntryNotFound():
            return error(404, exc.code, str(exc))
        case EntryConflict():
            return error(409, exc.code, str(exc), current_version=exc.current_version)
        case DuplicateQuestion():
            return error(409, exc.code, str(exc), field="question", other_id=exc.other_id)
        case _:
            return error(409, exc.code, str(exc))


def _entry_id(request: web.Request) -> int:
    raw = request.match_info["entry_id"]
    # ASCII only: str.isdigit() also accepts digits such as "²" that int() refuses.
    if raw.isascii() and raw.isdigit() and len(raw) <= 19 and int(raw) <= _BIGINT_MAX:
        return int(raw)
    raise EntryNotFound(f"no knowledge entry {raw[:40]!r}")


class KnowledgeApi:
    def __init__(self, service_getter: Callable[[], KnowledgeService | None], guard: Guard) -> None:
        self._service_getter = service_getter
        self._guard = guard

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/knowledge", self._search)
        app.router.add_post("/api/knowledge", self._create)
        app.router.add_get("/api/knowledge/{entry_id}", self._get)
        app.router.add_put("/api/knowledge/{entry_id}", self._update)
        app.router.add_delete("/api/knowledge/{entry_id}", self._archive)
        app.router.add_post("/api/knowledge/{entry_id}/used", self._used)
        app.router.add_get("/api/knowledge/{entry_id}/history", self._history)

    async def _begin(
        self, request: web.Request, permission: Permission
    ) -> tuple[Principal, KnowledgeService] | web.Response:
        """The checks every route starts with: who is asking, may they, is the switch up."""
        principal = await self._guard(request, permission)
        if isinstance(principal, web.Response):
            return principal
        service = self._service_getter()
        if service is None:
            return error(503, "not-ready", "the switch is starting")
        return principal, service

    async def _search(self, request: web.Request) -> web.Response:
        begun = await self._begin(request, Permission.KNOWLEDGE_READ)
        if isinstance(begun, web.Response):
            return begun
        _principal, service = begun
        try:
            found = await service.search(policy.require_search(request.query))
        except KnowledgeError as exc:
            return refusal(exc)
        return web.json_response({"entries": [found_document(item) for item in found]})

    async def _get(self, request: web.Request) -> web.Response:
        begun = await self._begin(request, Permission.KNOWLEDGE_READ)
        if isinstance(begun, web.Response):
            return begun
        _principal, service = begun
        try:
            entry = await service.get(_entry_id(request))
        except KnowledgeError as exc:
            return refusal(exc)
        return web.json_response(entry_document(entry))

    async def _used(self, request: web.Request) -> web.Response:
        begun = await self._begin(request, Permission.KNOWLEDGE_READ)
        if isinstance(begun, web.Response):
            return begun
        _principal, service = begun
        try:
            entry = await service.use(_entry_id(request))
        except KnowledgeError as exc:
            return refusal(exc)
        # What the console pastes into a work order's content.
        return web.json_response(
            {"id": entry.id, "question": entry.question, "answer": entry.answer}
        )

    async def _history(self, request: web.Request) -> web.Response:
        begun = await self._begin(request, Permission.KNOWLEDGE_EDIT)
        if isinstance(begun, web.Response):
            return begun
        _principal, service = begun
        try:
            revisions = await service.history(_entry_id(request))
        except KnowledgeError as exc:
            return refusal(exc)
        return web.json_response({"revisions": [revision_document(r) for r in revisions]})

    async def _create(self, request: web.Request) -> web.Response:
        begun = await self._begin(request, Permission.KNOWLEDGE_EDIT)
        if isinstance(begun, web.Response):
            return begun
        principal, service = begun
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        try:
            entry = await service.create(policy.require_draft(body), principal.name)
        except KnowledgeError as exc:
            return refusal(exc)
        return web.json_response(entry_document(entry), status=201)

    async def _update(self, request: web.Request) -> web.Response:
        begun = await self._begin(request, Permission.KNOWLEDGE_EDIT)
        if isinstance(begun, web.Response):
            return begun
        principal, service = begun
        try:
            entry_id = _entry_id(request)
        except KnowledgeError as exc:
            return refusal(exc)
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        try:
            draft, version = policy.require_edit(body)
            entry = await service.update(entry_id, draft, version, principal.name)
        except KnowledgeError as exc:
            return refusal(exc)
        return web.json_response(entry_document(entry))

    async def _archive(self, request: web.Request) -> web.Response:
        begun = await self._begin(request, Permission.KNOWLEDGE_EDIT)
        if isinstance(begun, web.Response):
            return begun
        principal, service = begun
        try:
            entry = await service.archive(_entry_id(request), principal.name)
        except KnowledgeError as exc:
            return refusal(exc)
        return web.json_response(entry_document(entry))

"""The directory on the switch's API: read courts, judges and cases; edit one judge or division.

Reading needs the work-order right (a branch court's users see their own court only, HQ's every
court); editing is the admins'. Phone numbers are masked unless the request asks for
`?personal=1`, which needs the personal-data right; each such view is logged and audited (with
the numbers masked) so it can be reviewed.
An edit is checked as an import entry is (directory/entries.py) and replaces the whole entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import asyncpg
import structlog
from aiohttp import web

from console.model import AuditAction, Permission, Principal
from console.sessions import SessionGuard
from directory.entries import (
    DirectoryView,
    Problem,
    heads_of,
    read_division,
    read_judge,
    reference_problems,
)
from directory.model import CaseFile, Court, Division, Judge, Person
from directory.store import DirectoryStore
from hotline.api import error, json_object
from hotline.logs import mask_phone

log = structlog.get_logger(__name__)

_Identified = TypeVar("_Identified", Court, Division, Judge)


class Numbers:
    """Phone numbers as one response shows them: masked, or in full for a personal-data view."""

    def __init__(self, *, personal: bool) -> None:
        self.personal = personal
        self.shown: list[str] = []  # masked: what the audit log line may say

    def __call__(self, number: str | None) -> str | None:
        if number is None:
            return None
        if not self.personal:
            return mask_phone(number)
        self.shown.append(mask_phone(number))
        return number


def _person(person: Person | None, number_field: str, numbers: Numbers) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"name": person.name, number_field: numbers(person.mobile)}


def court_document(court: Court, divisions: Sequence[Division], numbers: Numbers) -> dict[str, Any]:
    return {
        "id": court.id,
        "name": court.name,
        "supervision_office": _person(court.supervision_office, "phone", numbers),
        "duty_judge_id": court.duty_judge_id,
        "divisions": [division_document(division, numbers) for division in divisions],
    }


def division_document(division: Division, numbers: Numbers) -> dict[str, Any]:
    return {
        "id": division.id,
        "court_id": division.court_id,
        "name": division.name,
        "office_phone": numbers(division.office_phone),
        "head_judge_id": division.head_judge_id,
        "clerk": _person(division.clerk, "mobile", numbers),
    }


def judge_document(judge: Judge, numbers: Numbers) -> dict[str, Any]:
    return {
        "id": judge.id,
        "court_id": judge.court_id,
        "division_id": judge.division_id,
        "name": judge.name,
        "mobile": numbers(judge.mobile),
        "office_phone": numbers(judge.office_phone),
        "assistant": _person(judge.assistant, "mobile", numbers),
    }


def case_document(case: CaseFile, numbers: Numbers) -> dict[str, Any]:
    return {
        "court_id": case.court_id,
        "case_number": case.case_number,
        "division_id": case.division_id,
        "judge_id": case.judge_id,
        "party_phones": [numbers(phone) for phone in case.party_phones],
    }


def _problems(problems: Sequence[Problem]) -> web.Response:
    """422 with the first problem's code; every problem listed for a form to show."""
    first = problems[0]
    return error(
        422,
        first.code,
        f"{first.field}: {first.message}" if first.field else first.message,
        field=first.field,
        problems=[
            {"field": problem.field, "code": problem.code, "message": problem.message}
            for problem in problems
        ],
    )


class DirectoryApi:
    def __init__(self, store: Callable[[], DirectoryStore | None], guard: SessionGuard) -> None:
        self._store = store
        self._guard = guard

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/directory/courts", self._courts)
        app.router.add_get("/api/directory/judges", self._judges)
        app.router.add_get("/api/directory/judges/{judge_id}", self._judge)
        app.router.add_put("/api/directory/judges/{judge_id}", self._put_judge)
        app.router.add_put("/api/directory/divisions/{division_id}", self._put_division)
        app.router.add_get("/api/directory/cases/{court_id}/{case_number}", self._case)

    async def _begin(
        self, request: web.Request, permission: Permission = Permission.WORK_ORDERS_VIEW
    ) -> tuple[DirectoryStore, Numbers, Principal] | web.Response:
        """The checks every route starts with: who asks and may they, `personal`, a started
        switch. Reading takes the work-order right (agents look judges up); changing it is the
        admins'; numbers in full need the personal-data right."""
        principal = await self._guard(request, permission)
        if isinstance(principal, web.Response):
            return principal
        personal = request.query.get("personal", "0")
        if personal not in ("0", "1"):
            return error(422, "bad-field", "personal: must be 1 (numbers in full) or 0")
        if personal == "1" and not self._guard.allows(principal, Permission.PERSONAL_DATA, None):
            return error(403, "forbidden", "not allowed: personal-data")
        store = self._store()
        if store is None:
            return error(503, "not-ready", "the switch is starting")
        return store, Numbers(personal=personal == "1"), principal

    async def _reply(
        self,
        request: web.Request,
        principal: Principal,
        document: Any,
        numbers: Numbers,
        status: int = 200,
    ) -> web.Response:
        if numbers.personal:
            log.info(
                "directory personal data shown",
                method=request.method,
                path=request.path,
                remote=request.remote,
                numbers=numbers.shown,
            )
            await self._guard.audit(
                principal,
                AuditAction.PERSONAL_DATA_VIEWED,
                request.path,
                {"numbers": numbers.shown},
                request=request,
            )
        return web.json_response(document, status=status)

    async def _courts(self, request: web.Request) -> web.Response:
        begun = await self._begin(request)
        if isinstance(begun, web.Response):
            return begun
        store, numbers, principal = begun
        by_court: dict[str, list[Division]] = {}
        for division in await store.divisions():
            by_court.setdefault(division.court_id, []).append(division)
        scope = self._guard.scope(principal)
        courts = [
            court_document(court, by_court.get(court.id, []), numbers)
            for court in await store.courts()
            if scope is None or court.id == scope
        ]
        return await self._reply(request, principal, {"courts": courts}, numbers)

    async def _judges(self, request: web.Request) -> web.Response:
        begun = await self._begin(request)
        if isinstance(begun, web.Response):
            return begun
        store, numbers, principal = begun
        scope = self._guard.scope(principal)
        court_id = request.query.get("court", scope)
        if scope is not None and court_id != scope:
            return error(404, "court-not-found", f"no court {court_id!r} you may see")
        if court_id is not None and await store.court(court_id) is None:
            return error(404, "court-not-found", f"no court {court_id!r} in the directory")
        judges = [judge_document(judge, numbers) for judge in await store.judges(court_id)]
        return await self._reply(request, principal, {"judges": judges}, numbers)

    async def _judge(self, request: web.Request) -> web.Response:
        begun = await self._begin(request)
        if isinstance(begun, web.Response):
            return begun
        store, numbers, principal = begun
        judge_id = request.match_info["judge_id"]
        judge = await store.judge(judge_id)
        if judge is None or not self._guard.allows(
            principal, Permission.WORK_ORDERS_VIEW, judge.court_id
        ):
            return error(404, "judge-not-found", f"no judge {judge_id!r} in the directory")
        return await self._reply(request, principal, judge_document(judge, numbers), numbers)

    async def _case(self, request: web.Request) -> web.Response:
        begun = await self._begin(request)
        if isinstance(begun, web.Response):
            return begun
        store, numbers, principal = begun
        court_id, case_number = request.match_info["court_id"], request.match_info["case_number"]
        allowed = self._guard.allows(principal, Permission.WORK_ORDERS_VIEW, court_id)
        case = await store.case_file(court_id, case_number) if allowed else None
        if case is None:
            return error(404, "case-not-found", f"no case {case_number} of court {court_id!r}")
        return await self._reply(request, principal, case_document(case, numbers), numbers)

    async def _put_judge(self, request: web.Request) -> web.Response:
        begun = await self._begin(request, Permission.DIRECTORY_EDIT)
        if isinstance(begun, web.Response):
            return begun
        store, numbers, principal = begun
        body = await _entry_body(request, request.match_info["judge_id"])
        if isinstance(body, web.Response):
            return body
        judge, problems = read_judge(body)
        if judge is None:
            return _problems(problems)
        division = await store.division(judge.division_id) if judge.division_id else None
        view = DirectoryView(
            courts=_by_id(await store.court(judge.court_id)),
            divisions=_by_id(division),
            heads=heads_of(await store.divisions_headed_by(judge.id)),
        )
        problems = reference_problems(judge, view)
        if problems:
            return _problems(problems)
        try:
            created = await store.upsert_judge(judge)
        except asyncpg.IntegrityConstraintViolationError as exc:
            # Only if the directory changed between the checks and the write.
            return error(409, "directory-conflict", f"the directory changed meanwhile: {exc}")
        log.info("directory judge saved", judge_id=judge.id, created=created)
        return await self._reply(
            request,
            principal,
            judge_document(judge, numbers),
            numbers,
            status=201 if created else 200,
        )

    async def _put_division(self, request: web.Request) -> web.Response:
        begun = await self._begin(request, Permission.DIRECTORY_EDIT)
        if isinstance(begun, web.Response):
            return begun
        store, numbers, principal = begun
        body = await _entry_body(request, request.match_info["division_id"])
        if isinstance(body, web.Response):
            return body
        division, problems = read_division(body)
        if division is None:
            return _problems(problems)
        head = await store.judge(division.head_judge_id) if division.head_judge_id else None
        view = DirectoryView(
            courts=_by_id(await store.court(division.court_id)), judges=_by_id(head)
        )
        problems = reference_problems(division, view)
        if problems:
            return _problems(problems)
        try:
            created = await store.upsert_division(division)
        except asyncpg.IntegrityConstraintViolationError as exc:
            return error(409, "directory-conflict", f"the directory changed meanwhile: {exc}")
        log.info("directory division saved", division_id=division.id, created=created)
        return await self._reply(
            request,
            principal,
            division_document(division, numbers),
            numbers,
            status=201 if created else 200,
        )


async def _entry_body(request: web.Request, entry_id: str) -> dict[str, Any] | web.Response:
    """The JSON object of an edit, with the id of its URL (a different `id` in it is refused)."""
    body = await json_object(request)
    if isinstance(body, web.Response):
        return body
    if body.setdefault("id", entry_id) != entry_id:
        return error(422, "bad-field", "id: must be the id of the URL", field="id")
    return body


def _by_id(*entries: _Identified | None) -> dict[str, _Identified]:
    return {entry.id: entry for entry in entries if entry is not None}

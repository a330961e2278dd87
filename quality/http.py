"""Quality work on the switch's API.

    POST /api/follow-ups/rounds                 {week, seed?} draw a week's sample (quality-review)
    GET  /api/follow-ups?state=open             the follow-ups to call (follow-ups)
    POST /api/follow-ups/{id}/attempts          {outcome, answers?, note?} one call (follow-ups)
    POST /api/follow-ups/{id}/call              {seat} click-to-call from the agent's softphone
    GET  /api/work-orders/{id}/grade            the grade of a closed order (quality-review)
    PUT  /api/work-orders/{id}/grade            {result, note} a supervisor's override

A branch court's users see and act on their own court's orders only. The litigant's number is
masked here: the follow-up call is placed from the console (never typed in).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from aiohttp import web

from agents.board import SeatBoard
from console.model import Permission, Principal
from console.policy import may_use_seat
from console.sessions import SessionGuard
from hotline.api import error, json_object
from hotline.logs import mask_phone
from quality.dialer import FollowUpDialer
from quality.model import (
    QUESTIONS,
    REASON_LABELS,
    Answer,
    Answers,
    AttemptOutcome,
    FailReason,
    FollowUpState,
    GradeResult,
)
from quality.service import QualityError, QualityService
from quality.store import FollowUpRow, GradeRow

ERROR_STATUS = {
    "no-carrier": 409,
    "seat-not-free": 409,
    "follow-up-calling": 409,
    "bad-week": 422,
    "bad-answers": 422,
    "note-required": 422,
    "round-exists": 409,
    "follow-up-not-found": 404,
    "follow-up-finished": 409,
    "follow-up-changed": 409,
    "grade-not-found": 404,
}
_BIGINT_MAX = 2**63 - 1


def follow_up_document(row: FollowUpRow) -> dict[str, Any]:
    answered = row.problem_solved is not None
    return {
        "id": row.id,
        "round_id": row.round_id,
        "work_order_id": row.work_order_id,
        "division": row.division_key,
        "court_id": row.court_id,
        "category": row.category,
        "caller": mask_phone(row.caller_number),
        "state": row.state,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
        "answers": {
            "judge_called": row.judge_called,
            "problem_solved": row.problem_solved,
            "satisfied": row.satisfied,
        }
        if answered
        else None,
        "note": row.note,
        "questions": QUESTIONS,
    }


def grade_document(row: GradeRow) -> dict[str, Any]:
    return {
        "work_order_id": row.work_order_id,
        "result": row.final,
        "computed": {
            "result": row.result,
            "reasons": [
                {"code": code, "label": REASON_LABELS[FailReason(code)]} for code in row.reasons
            ],
            "on_time": row.on_time,
            "substantive": row.substantive,
            "solved": row.solved,
        },
        "override": {
            "result": row.override_result,
            "note": row.override_note,
            "by": row.overridden_by,
        }
        if row.override_result
        else None,
        "graded_at": row.graded_at.isoformat(),
    }


def _id(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < int(text) <= _BIGINT_MAX else None


class QualityApi:
    def __init__(
        self,
        service: Callable[[], QualityService | None],
        dialer: Callable[[], FollowUpDialer | None],
        seats: SeatBoard,
        guard: SessionGuard,
    ) -> None:
        self._service = service
        self._dialer = dialer
        self._seats = seats
        self._guard = guard

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/api/follow-ups/rounds", self._draw)
        app.router.add_get("/api/follow-ups", self._list)
        app.router.add_post("/api/follow-ups/{id}/attempts", self._attempt)
        app.router.add_post("/api/follow-ups/{id}/call", self._call)
        app.router.add_get("/api/work-orders/{id}/grade", self._grade)
        app.router.add_put("/api/work-orders/{id}/grade", self._override)

    async def _allowed(
        self, request: web.Request, permission: Permission
    ) -> tuple[Principal, QualityService] | web.Response:
        return await self._guard.with_service(request, permission, self._service)

    @staticmethod
    def _refused(exc: QualityError) -> web.Response:
        return error(ERROR_STATUS.get(exc.code, 409), exc.code, str(exc))

    async def _draw(self, request: web.Request) -> web.Response:
        """Every court's sample at once: only a user who sees every court (or the token)."""
        allowed = await self._allowed(request, Permission.QUALITY_REVIEW)
        if isinstance(allowed, web.Response):
            return allowed
        principal, service = allowed
        if self._guard.scope(principal) is not None:
            return error(403, "forbidden", "the weekly sample covers every court: HQ draws it")
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        try:
            week = date.fromisoformat(str(body.get("week")))
        except ValueError:
            return error(422, "bad-field", "week: the Monday it starts, YYYY-MM-DD")
        seed = body.get("seed")
        if seed is not None and (
            not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= _BIGINT_MAX
        ):
            return error(422, "bad-field", "seed: a whole number, or leave it out")
        try:
            drawn = await service.draw(week, seed=seed, by=principal.name)
        except QualityError as exc:
            return self._refused(exc)
        return web.json_response(
            {
                "round_id": drawn.round_id,
                "week": drawn.week_start.isoformat(),
                "seed": drawn.seed,
                "sampled": drawn.sampled,
            },
            status=201,
        )

    async def _list(self, request: web.Request) -> web.Response:
        allowed = await self._allowed(request, Permission.FOLLOW_UPS)
        if isinstance(allowed, web.Response):
            return allowed
        principal, service = allowed
        state = request.query.get("state")
        if state is not None and state not in set(FollowUpState):
            known = ", ".join(FollowUpState)
            return error(422, "bad-field", f"state: one of {known}")
        rows = await service.follow_ups(state=state)
        return web.json_response(
            [
                follow_up_document(row)
                for row in rows
                if self._guard.allows(principal, Permission.FOLLOW_UPS, row.court_id)
            ]
        )

    async def _follow_up_of(
        self, request: web.Request, principal: Principal, service: QualityService
    ) -> FollowUpRow | web.Response:
        """The follow-up in the path, if it is of a court this user may work for."""
        follow_up_id = _id(request.match_info["id"])
        found = await service.follow_up(follow_up_id) if follow_up_id else None
        if found is None or not self._guard.allows(
            principal, Permission.FOLLOW_UPS, found.court_id
        ):
            return error(404, "follow-up-not-found", "no such follow-up of your court")
        return found

    async def _attempt(self, request: web.Request) -> web.Response:
        allowed = await self._allowed(request, Permission.FOLLOW_UPS)
        if isinstance(allowed, web.Response):
            return allowed
        principal, service = allowed
        found = await self._follow_up_of(request, principal, service)
        if isinstance(found, web.Response):
            return found
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        try:
            outcome = AttemptOutcome(str(body.get("outcome")))
        except ValueError:
            return error(422, "bad-field", f"outcome: one of {', '.join(AttemptOutcome)}")
        answers = None
        given = body.get("answers")
        if given is not None:
            if not isinstance(given, dict):
                return error(422, "bad-field", "answers: an object of three answers")
            try:
                answers = Answers(*(Answer(str(given.get(name))) for name in QUESTIONS))
            except ValueError:
                names = ", ".join(QUESTIONS)
                return error(422, "bad-field", f"answers: {names}, each yes, no or unknown")
        note = body.get("note")
        if note is not None and (not isinstance(note, str) or len(note) > 2000):
            return error(422, "bad-field", "note: text of at most 2000 characters")
        try:
            row = await service.record_attempt(found.id, outcome, answers, note, principal.name)
        except QualityError as exc:
            return self._refused(exc)
        return web.json_response(follow_up_document(row))

    async def _call(self, request: web.Request) -> web.Response:
        """Click-to-call: the agent's softphone rings (`{"seat": "high-01"}`), then the
        litigant's phone; the conversation is recorded. An unanswered try counts as an attempt;
        once the litigant answered, the agent records the answers (`…/attempts`)."""
        allowed = await self._allowed(request, Permission.FOLLOW_UPS)
        if isinstance(allowed, web.Response):
            return allowed
        principal, service = allowed
        dialer = self._dialer()
        if dialer is None:
            return error(503, "not-ready", "the switch is starting")
        found = await self._follow_up_of(request, principal, service)
        if isinstance(found, web.Response):
            return found
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        seat_id = body.get("seat")
        seat = self._seats.get(seat_id) if isinstance(seat_id, str) else None
        user = principal.user
        if seat is None or (
            user is not None and not may_use_seat(user, seat.seat_id, seat.platform_id)
        ):
            return error(422, "bad-field", "seat: a seat you work at")
        try:
            call = await dialer.start(found.id, seat.seat_id)
        except QualityError as exc:
            return self._refused(exc)
        return web.json_response(
            {"follow_up_id": found.id, "seat": seat.seat_id, "call_id": call.call_id},
            status=202,
        )

    async def _grade_of(
        self, request: web.Request
    ) -> tuple[Principal, QualityService, GradeRow] | web.Response:
        allowed = await self._allowed(request, Permission.QUALITY_REVIEW)
        if isinstance(allowed, web.Response):
            return allowed
        principal, service = allowed
        order_id = _id(request.match_info["id"])
        row = await service.grade(order_id) if order_id else None
        if row is None or not self._guard.allows(
            principal, Permission.QUALITY_REVIEW, row.court_id
        ):
            return error(404, "grade-not-found", "no grade of a closed order of your court")
        return principal, service, row

    async def _grade(self, request: web.Request) -> web.Response:
        found = await self._grade_of(request)
        if isinstance(found, web.Response):
            return found
        return web.json_response(grade_document(found[2]))

    async def _override(self, request: web.Request) -> web.Response:
        found = await self._grade_of(request)
        if isinstance(found, web.Response):
            return found
        principal, service, row = found
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        try:
            result = GradeResult(str(body.get("result")))
        except ValueError:
            return error(422, "bad-field", "result: pass or fail")
        note = body.get("note")
        if not isinstance(note, str) or len(note) > 2000:
            return error(422, "bad-field", "note: why, in at most 2000 characters")
        try:
            updated = await service.override(row.work_order_id, result, note, principal.name)
        except QualityError as exc:
            return self._refused(exc)
        return web.json_response(grade_document(updated))

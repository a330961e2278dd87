"""The supervisor's API: listen to, whisper on or barge into a seat's call from their softphone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from agents.board import SeatBoard
from console.model import AuditAction, Permission
from console.policy import may_use_seat
from console.sessions import SessionGuard
from hotline.api import error, json_object
from supervision.model import Mode, Session
from supervision.service import SupervisionError, SupervisionService

_ERROR_STATUS = {"seat-not-on-call": 409, "phone-not-available": 409, "supervision-failed": 502}


def session_document(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "seat": session.seat_id,
        "call_id": session.call_id,
        "mode": session.mode.value,
        "phone_seat": session.phone_seat,
        "state": session.state.value,
    }


class SupervisionApi:
    def __init__(
        self,
        service: Callable[[], SupervisionService | None],
        seats: SeatBoard,
        guard: SessionGuard,
    ) -> None:
        self._service = service
        self._seats = seats
        self._guard = guard

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/supervisions", self._list)
        app.router.add_post("/api/seats/{seat_id}/supervise", self._start)
        app.router.add_delete("/api/supervisions/{session_id}", self._stop)

    async def _list(self, request: web.Request) -> web.Response:
        principal = await self._guard(request, Permission.CALL_SUPERVISE)
        if isinstance(principal, web.Response):
            return principal
        service = self._service()
        sessions = service.sessions() if service else []
        return web.json_response(
            [
                session_document(session)
                for session in sessions
                if self._guard.allows(principal, Permission.CALL_SUPERVISE, self._platform(session))
            ]
        )

    def _platform(self, session: Session) -> str | None:
        seat = self._seats.get(session.seat_id)
        return seat.platform_id if seat else None

    async def _start(self, request: web.Request) -> web.Response:
        """Body: `mode` (listen, whisper, barge) and, for the token or a supervisor with several
        softphones, `phone_seat`; a signed-in supervisor's own listed seat otherwise."""
        principal = await self._guard(request, Permission.CALL_SUPERVISE)
        if isinstance(principal, web.Response):
            return principal
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        seat_id = request.match_info["seat_id"]
        seat = self._seats.get(seat_id)
        if seat is None or not self._guard.allows(
            principal, Permission.CALL_SUPERVISE, seat.platform_id
        ):
            return error(404, "seat-not-found", f"no seat {seat_id} you may supervise")
        try:
            mode = Mode(str(body.get("mode")))
        except ValueError:
            choices = ", ".join(m.value for m in Mode)
            return error(422, "bad-field", f"mode: must be one of {choices}")
        phone = body.get("phone_seat")
        user = principal.user
        if phone is None and user is not None and len(user.seats) == 1:
            phone = next(iter(user.seats))
        if not isinstance(phone, str) or not phone:
            return error(422, "bad-field", "phone_seat: the softphone (a seat id) to ring")
        phone_seat = self._seats.get(phone)
        if user is not None and (
            phone_seat is None or not may_use_seat(user, phone, phone_seat.platform_id)
        ):
            return error(403, "forbidden", f"phone_seat: {phone} is not your softphone")
        service = self._service()
        if service is None:
            return error(503, "not-ready", "the switch is starting")
        try:
            session = await service.start(seat_id, mode, phone)
        except SupervisionError as exc:
            return error(_ERROR_STATUS.get(exc.code, 409), exc.code, str(exc))
        await self._guard.audit(
            principal,
            AuditAction.CALL_SUPERVISED,
            seat_id,
            {"mode": mode.value, "call_id": session.call_id, "phone_seat": phone},
            request=request,
        )
        return web.json_response(session_document(session), status=201)

    async def _stop(self, request: web.Request) -> web.Response:
        principal = await self._guard(request, Permission.CALL_SUPERVISE)
        if isinstance(principal, web.Response):
            return principal
        service = self._service()
        session_id = request.match_info["session_id"]
        found = (
            next((s for s in service.sessions() if s.id == session_id), None) if service else None
        )
        if (
            service is None
            or found is None
            or not self._guard.allows(principal, Permission.CALL_SUPERVISE, self._platform(found))
        ):
            return error(404, "supervision-not-found", f"no supervision {session_id}")
        await service.stop(session_id)
        return web.json_response({"id": session_id, "state": "ended"})

"""What the agent on a call does to it: hold, transfer (blind, or after consulting a seat of
another queue or the consulting judge). Only the agent on the call, or the API token."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from calls.consult import ConsultError, consult_target
from calls.model import CallState, ConsultKind
from console.model import Permission, Principal
from console.policy import may_use_seat
from console.sessions import SessionGuard
from hotline.api import error, json_object

if TYPE_CHECKING:
    from hotline.app import Hotline


async def call_for(
    hotline: Hotline, guard: SessionGuard, request: web.Request, permission: Permission
) -> tuple[Principal, Any] | web.Response:
    """The live call, if this principal is on it (its seat is theirs) or supervises it."""
    principal = await guard(request, permission)
    if isinstance(principal, web.Response):
        return principal
    call_id = request.match_info["call_id"]
    calls = hotline.calls
    call = calls.call(call_id) if calls else None
    if call is None:
        return error(404, "call-not-found", f"no live call {call_id}")
    user = principal.user
    if user is not None:
        seat = hotline.seats.get(call.seat_id) if call.seat_id else None
        on_it = seat is not None and may_use_seat(user, seat.seat_id, seat.platform_id)
        platform = seat.platform_id if seat else call.home_platform
        if not on_it and not guard.allows(principal, Permission.CALLS_VIEW, platform):
            return error(404, "call-not-found", f"no live call {call_id}")
    return principal, call


class CallActionsApi:
    def __init__(self, hotline: Hotline, guard: SessionGuard) -> None:
        self._hotline = hotline
        self._guard = guard

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/api/calls/{call_id}/hold", self._hold)
        app.router.add_post("/api/calls/{call_id}/resume", self._hold)
        app.router.add_post("/api/calls/{call_id}/transfer", self._transfer)
        app.router.add_post("/api/calls/{call_id}/consult", self._consult)
        app.router.add_post("/api/calls/{call_id}/consult/complete", self._consult_end)
        app.router.add_post("/api/calls/{call_id}/consult/cancel", self._consult_end)

    async def _own_connected_call(self, request: web.Request) -> Any:
        """The connected call this agent is on (or the token's), or the refusal."""
        found = await call_for(self._hotline, self._guard, request, Permission.CALL_ACT)
        if isinstance(found, web.Response):
            return found
        principal, call = found
        user = principal.user
        seat = self._hotline.seats.get(call.seat_id) if call.seat_id else None
        if user is not None and (
            seat is None or not may_use_seat(user, seat.seat_id, seat.platform_id)
        ):
            return error(403, "not-your-call", "only the agent on the call does this")
        return call

    async def _hold(self, request: web.Request) -> web.Response:
        """The agent on the call puts the caller on hold (music) or takes them off it; the
        seat's live stream shows the result."""
        call = await self._own_connected_call(request)
        if isinstance(call, web.Response):
            return call
        holding = request.path.endswith("/hold")
        if call.state is not CallState.CONNECTED or call.held == holding:
            state = "on hold" if call.held else "not on hold"
            return error(409, "call-not-holdable", f"the call is {call.state.value}, {state}")
        calls = self._hotline.calls
        assert calls is not None
        calls.hold(call.id, held=holding)
        return web.json_response({"call_id": call.id, "held": holding}, status=202)

    async def _transfer(self, request: web.Request) -> web.Response:
        """A blind transfer to another queue: the agent is let go at once, the caller waits
        there with their first place in line (`{"queue": "complaint"}`)."""
        call = await self._own_connected_call(request)
        if isinstance(call, web.Response):
            return call
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        queue_id = body.get("queue")
        queues = {queue.id for queue in self._hotline.holder.current.queues}
        if not isinstance(queue_id, str) or queue_id not in queues:
            return error(422, "bad-field", f"queue: one of {', '.join(sorted(queues))}")
        if not call.can_hand_over:
            return error(409, "call-not-transferable", f"the call is {call.state.value}")
        calls = self._hotline.calls
        assert calls is not None
        calls.transfer(call.id, queue_id)
        return web.json_response({"call_id": call.id, "queue": queue_id}, status=202)

    async def _consult(self, request: web.Request) -> web.Response:
        """Consult before handing over (咨询转接): the caller hears music while a free seat of
        another queue or a consulting judge rings, then the agent talks to them alone
        (`{"kind": "judge", "target": "high-zhou"}`; `"blind": true` puts the caller through
        the moment they answer)."""
        call = await self._own_connected_call(request)
        if isinstance(call, web.Response):
            return call
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        kinds = ", ".join(kind.value for kind in ConsultKind)
        try:
            kind = ConsultKind(str(body.get("kind")))
        except ValueError:
            return error(422, "bad-field", f"kind: one of {kinds}")
        target_id = body.get("target")
        if not isinstance(target_id, str) or not target_id:
            return error(422, "bad-field", "target: the queue id or the judge's directory id")
        blind = body.get("blind", False)
        if not isinstance(blind, bool):
            return error(422, "bad-field", "blind: true or false")
        if not call.can_hand_over:
            return error(409, "call-not-transferable", f"the call is {call.state.value}")
        hotline = self._hotline
        calls, router = hotline.calls, hotline.router
        if calls is None or router is None:
            return error(503, "not-ready", "the switch is starting")
        try:
            target = await consult_target(
                call,
                kind,
                target_id,
                hotline.consult_settings,
                directory=hotline.directory,
                seats=router,
            )
        except ConsultError as exc:
            status = 422 if exc.code.endswith("-not-found") else 409
            return error(status, exc.code, str(exc))
        calls.consult(call.id, target, blind=blind)
        return web.json_response(
            {"call_id": call.id, "consult": {"kind": kind.value, "target": target_id}},
            status=202,
        )

    async def _consult_end(self, request: web.Request) -> web.Response:
        """Hand the caller to the one consulted (`…/complete`, once they answered), or let
        them go and take the caller back (`…/cancel`)."""
        call = await self._own_connected_call(request)
        if isinstance(call, web.Response):
            return call
        completing = request.path.endswith("/complete")
        consult = call.consult
        if consult is None or (completing and not consult.answered):
            state = "not answered yet" if consult is not None else "none under way"
            return error(409, "no-consultation", f"consultation: {state}")
        calls = self._hotline.calls
        assert calls is not None
        if completing:
            calls.complete_consult(call.id)
        else:
            calls.cancel_consult(call.id)
        return web.json_response(
            {"call_id": call.id, "consult": "complete" if completing else "cancel"}, status=202
        )

"""The console on the web: sign-in, the pages, the live streams and the agent's call actions."""

from __future__ import annotations

import asyncio
import functools
import json
from datetime import datetime, timedelta
from importlib import resources
from typing import TYPE_CHECKING, Any

import asyncpg
import yaml
from aiohttp import web

from calls.consult import consulting_judges
from console.board import (
    PlatformInfo,
    QueueInfo,
    agent_view,
    board_document,
    caller_shown,
    next_board_change,
)
from console.call_actions import CallActionsApi, call_for
from console.errors import LoginFailed, LoginThrottled
from console.live import Cached, LiveFeed, event_stream
from console.model import ROLE_LABELS, Permission, Principal
from console.policy import ROLE_PERMISSIONS, may_use_seat
from console.sessions import (
    COOKIE,
    SessionGuard,
    same_origin,
    user_document,
)
from hotline.api import error, json_object
from hotline.logs import mask_phone
from workorders.errors import WorkOrderError
from workorders.http import ERROR_STATUS as WORK_ORDER_STATUS
from workorders.http import category_and_urgency, text_field
from workorders.model import CATEGORY_LABELS, Category
from workorders.service import NewWorkOrder

if TYPE_CHECKING:
    from hotline.app import Hotline

PAGES = {
    "/login": "login.html",
    "/console": "agent.html",
    "/wallboard": "wallboard.html",
    "/admin": "admin.html",
}
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}

# The pages load only their own scripts and styles and talk only to this server.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self';"
    " img-src 'self' data:; media-src 'self'; connect-src 'self'; form-action 'self';"
    " frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _static_file(name: str) -> bytes | None:
    if not name or "/" in name or name.startswith("."):
        return None
    entry = resources.files("console").joinpath("static", name)
    return entry.read_bytes() if entry.is_file() else None


@functools.cache
def openapi_json() -> bytes:
    """console/openapi.yaml as the JSON the API serves, read and converted once."""
    text = resources.files("console").joinpath("openapi.yaml").read_text(encoding="utf-8")
    return json.dumps(yaml.safe_load(text), ensure_ascii=False).encode()


class ConsoleApi:
    def __init__(self, hotline: Hotline, guard: SessionGuard, feed: LiveFeed) -> None:
        self._hotline = hotline
        self._guard = guard
        self._feed = feed
        self._figures = Cached(feed, self._fetch_figures)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self._root)
        for path in PAGES:
            app.router.add_get(path, self._page)
        app.router.add_get("/static/{name}", self._static)
        app.router.add_post("/api/login", self._login)
        app.router.add_post("/api/logout", self._logout)
        app.router.add_get("/api/me", self._me)
        app.router.add_get("/api/live/board", self._live_board)
        app.router.add_get("/api/live/seats/{seat_id}", self._live_seat)
        app.router.add_get("/api/calls/{call_id}/screen-pop", self._screen_pop)
        app.router.add_post("/api/calls/{call_id}/work-order", self._call_work_order)
        CallActionsApi(self._hotline, self._guard).add_routes(app)
        app.router.add_get("/api/openapi.json", self._openapi)

    # ---- pages -------------------------------------------------------------------------------
    async def _root(self, _request: web.Request) -> web.Response:
        raise web.HTTPFound("/console")

    async def _page(self, request: web.Request) -> web.Response:
        body = _static_file(PAGES[request.path])
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=body, content_type="text/html", charset="utf-8", headers=PAGE_HEADERS
        )

    async def _static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        kind = STATIC_TYPES.get(name[name.rfind(".") :]) if "." in name else None
        body = _static_file(name) if kind else None
        if body is None or kind is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=body,
            content_type=kind,
            charset="utf-8",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
        )

    async def _openapi(self, _request: web.Request) -> web.Response:
        # The API's description holds no data, so anyone may read it. Parsing the YAML takes a
        # while: off the event loop, once (then cached).
        body = await asyncio.to_thread(openapi_json)
        return web.Response(body=body, content_type="application/json", charset="utf-8")

    # ---- signing in and out ------------------------------------------------------------------
    async def _login(self, request: web.Request) -> web.Response:
        # A cross-site form cannot send JSON without a preflight, and the Origin must be ours.
        if request.content_type != "application/json" or not same_origin(request):
            return error(403, "csrf-failed", "sign in from the console's own page (JSON)")
        service = self._guard.service
        if service is None:
            return error(503, "not-ready", "the switch is starting")
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not username.strip():
            return error(422, "bad-field", "username: required")
        if not isinstance(password, str) or not password or len(password) > 256:
            return error(422, "bad-field", "password: required")
        try:
            cookie, session, user = await service.login(
                username.strip().lower(), password, self._guard.client(request)
            )
        except LoginThrottled as exc:
            return error(
                429,
                exc.code,
                str(exc),
                retry_after_s=exc.retry_after_s,
            )
        except LoginFailed as exc:
            return error(401, exc.code, "用户名或密码错误 (wrong username or password)")
        response = web.json_response(
            {"user": user_document(user), "csrf_token": session.csrf_token}
        )
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=int((session.expires_at - session.created_at).total_seconds()),
            path="/",
            httponly=True,
            secure=service.settings.secure_cookie,
            samesite="Strict",
        )
        return response

    async def _logout(self, request: web.Request) -> web.Response:
        principal = await self._guard.signed_in(request)
        if isinstance(principal, web.Response):
            return principal
        service = self._guard.service
        if service is not None:
            await service.logout(principal, self._guard.client(request))
        response = web.json_response({"signed_out": True})
        response.del_cookie(COOKIE, path="/")
        return response

    async def _me(self, request: web.Request) -> web.Response:
        principal = await self._guard.principal(request)
        if principal is None or principal.user is None:
            return error(401, "unauthorized", "not signed in")
        user = principal.user
        config = self._hotline.holder.current
        seats = [
            {"id": seat.id, "platform": seat.platform}
            for seat in config.seats
            if may_use_seat(user, seat.id, seat.platform)
        ]
        return web.json_response(
            {
                "user": user_document(user) | {"role_label": ROLE_LABELS[user.role]},
                "csrf_token": self._guard.csrf_token(request),
                "permissions": sorted(p.value for p in ROLE_PERMISSIONS[user.role]),
                "seats": seats,
                "pause_reasons": list(config.agents.pause_reasons),
                "long_call_s": config.console.long_call_minutes * 60,
                "platforms": [{"id": p.id, "name": p.name} for p in config.platforms],
                "queues": [{"id": q.id, "name": q.name} for q in config.queues],
                "consulting_judges": [
                    {"id": judge.id, "name": judge.name}
                    for judge in await self._consulting_judges()
                ],
                "categories": [
                    {"id": category.value, "label": CATEGORY_LABELS[category]}
                    for category in Category
                ],
            }
        )

    async def _consulting_judges(self) -> list[Any]:
        try:
            return await consulting_judges(self._hotline.consult_settings, self._hotline.directory)
        except (OSError, asyncpg.PostgresError):
            return []  # the page works without them; consulting a judge is refused then

    # ---- live streams ------------------------------------------------------------------------
    async def _fetch_figures(self) -> tuple[list[Any], int | None]:
        service = self._guard.service
        hotline = self._hotline
        if service is None:
            return [], None
        config = hotline.holder.current
        zone = config.hours.zone
        now = datetime.now(zone)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        try:
            days = await service.queue_days(
                midnight, midnight + timedelta(days=1), config.console.service_level_s
            )
            overdue = None
            if hotline.work_orders is not None:
                overdue = (await hotline.work_orders.figures()).overdue
        except (OSError, asyncpg.PostgresError):
            return [], None
        return days, overdue

    def _queues(self) -> dict[str, QueueInfo]:
        return {
            queue.id: QueueInfo(queue.id, queue.name, queue.max_wait_s)
            for queue in self._hotline.holder.current.queues
        }

    async def _live_board(self, request: web.Request) -> web.StreamResponse:
        principal = await self._guard(request, Permission.CALLS_VIEW)
        if isinstance(principal, web.Response):
            return principal
        scope = self._guard.scope(principal)
        hotline = self._hotline
        clock = hotline.clock

        async def build() -> dict[str, Any]:
            config = hotline.holder.current
            days, overdue = await self._figures.get()
            return board_document(
                now=clock(),
                scope=scope,
                platforms=[PlatformInfo(p.id, p.name, p.kind.value) for p in config.platforms],
                queues=self._queues().values(),
                seats=hotline.seats.seats(),
                waiting=hotline.router.waiting() if hotline.router else [],
                today=days,
                overdue_work_orders=overdue if scope is None else None,
                supervised={
                    session.seat_id: (session.id, session.mode.value)
                    for session in (hotline.supervision.sessions() if hotline.supervision else [])
                },
            )

        def next_change() -> datetime | None:
            waiting = hotline.router.waiting() if hotline.router else []
            return next_board_change(waiting, self._queues(), clock())

        return await event_stream(
            request,
            self._feed,
            build,
            event="board",
            next_change=next_change,
            clock=clock,
            still_allowed=self._still_signed_in(request),
        )

    def _seat_allowed(self, principal: Principal, seat_id: str) -> str | None:
        """The seat's platform if this principal may follow the seat, else None."""
        seat = self._hotline.seats.get(seat_id)
        if seat is None:
            return None
        user = principal.user
        if user is None:
            return seat.platform_id
        if may_use_seat(user, seat_id, seat.platform_id) or self._guard.allows(
            principal, Permission.CALLS_VIEW, seat.platform_id
        ):
            return seat.platform_id
        return None

    async def _live_seat(self, request: web.Request) -> web.StreamResponse:
        principal = await self._guard(request, Permission.SEAT_STATUS_OWN)
        if isinstance(principal, web.Response):
            return principal
        seat_id = request.match_info["seat_id"]
        if self._seat_allowed(principal, seat_id) is None:
            return error(404, "seat-not-found", f"no seat {seat_id} you may follow")
        hotline = self._hotline
        clock = hotline.clock

        async def build() -> dict[str, Any] | None:
            seat = hotline.seats.get(seat_id)
            if seat is None:
                return None
            config = hotline.holder.current
            call = hotline.calls.call(seat.call_id) if hotline.calls and seat.call_id else None
            document = agent_view(
                seat,
                call,
                now=clock(),
                mask=config.console.mask_caller_number,
                long_call_s=config.console.long_call_minutes * 60,
            )
            if call is not None and call.contact_id is not None and hotline.urgent is not None:
                document["contact"] = await self._contact(call.contact_id, full=False)
            return document

        return await event_stream(
            request,
            self._feed,
            build,
            event="seat",
            clock=clock,
            still_allowed=self._still_signed_in(request),
        )

    def _still_signed_in(self, request: web.Request) -> Any:
        guard = self._guard
        cookie = request.cookies.get(COOKIE, "")

        async def check() -> bool:
            if guard.bearer_ok(request):
                return True
            service = guard.service
            return service is not None and await service.authenticate(cookie) is not None

        return check

    async def _contact(self, contact_id: int, *, full: bool) -> dict[str, Any] | None:
        urgent = self._hotline.urgent
        contact = await urgent.describe(contact_id) if urgent else None
        if contact is None:
            return None
        return {
            "id": contact.id,
            "outcome": contact.outcome,
            "case_number": contact.case_number,
            "steps": [
                {
                    "step": step.step_no,
                    "role": step.role,
                    "name": step.name,
                    "number": step.number if full else mask_phone(step.number),
                    "answered": step.answered_at is not None,
                    "outcome": step.outcome,
                }
                for step in contact.steps
            ],
        }

    # ---- the screen pop and the call's work order --------------------------------------------
    async def _call_for(
        self, request: web.Request, permission: Permission
    ) -> tuple[Principal, Any] | web.Response:
        return await call_for(self._hotline, self._guard, request, permission)

    async def _screen_pop(self, request: web.Request) -> web.Response:
        found = await self._call_for(request, Permission.CALL_ACT)
        if isinstance(found, web.Response):
            return found
        _principal, call = found
        service = self._guard.service
        work_orders = self._hotline.work_orders
        mask = self._hotline.holder.current.console.mask_caller_number
        earlier: list[dict[str, Any]] = []
        orders: list[dict[str, Any]] = []
        if call.caller_number and service is not None:
            for row in await service.calls_of_caller(call.caller_number, call.id):
                earlier.append(row)
            if work_orders is not None:
                for order in await work_orders.of_caller(call.caller_number):
                    orders.append(
                        {
                            "id": order.id,
                            "status": order.status.value,
                            "category": order.category.value,
                            "urgency": order.urgency.value,
                            "court_id": order.court_id,
                            "case_number": order.case_number,
                            "content": order.content,
                            "created_at": order.created_at.isoformat(),
                            "due_at": order.due_at.isoformat(),
                            "handler": order.handler.name,
                            "reply": order.reply,
                            "replied_at": order.replied_at.isoformat()
                            if order.replied_at
                            else None,
                            "open": order.is_open,
                        }
                    )
        ivr = call.ivr
        case = ivr.verified_case if ivr else None
        return web.json_response(
            {
                "call_id": call.id,
                "caller": caller_shown(call.caller_number, mask=mask),
                "home_platform": call.home_platform,
                "queue": call.queue.queue_id if call.queue else None,
                "ivr_path": list(ivr.visited) if ivr else [],
                "case": {"court_id": case[0], "case_number": case[1]} if case else None,
                "started_at": call.started_at.isoformat(),
                "earlier_calls": earlier,
                "work_orders": orders,
            }
        )

    async def _call_work_order(self, request: web.Request) -> web.Response:
        """A work order for the caller on this call: the number comes from the call itself."""
        found = await self._call_for(request, Permission.WORK_ORDERS_EDIT)
        if isinstance(found, web.Response):
            return found
        principal, call = found
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        work_orders = self._hotline.work_orders
        if work_orders is None:
            return error(503, "not-ready", "the switch is starting")
        if not call.caller_number:
            return error(422, "no-caller-number", "the caller's number is withheld")
        kind = category_and_urgency(body)
        if isinstance(kind, web.Response):
            return kind
        try:
            court_id = text_field(body, "court_id") or ""
            case_number = text_field(body, "case_number", required=False)
            content = text_field(body, "content") or ""
        except ValueError as exc:
            return error(422, "bad-field", str(exc))
        by = principal.name if principal.user is None else f"{principal.name}@{call.seat_id}"
        try:
            created = await work_orders.create(
                NewWorkOrder(
                    court_id=court_id,
                    case_number=case_number,
                    category=kind[0],
                    urgency=kind[1],
                    caller_number=call.caller_number,
                    content=content,
                    by=by,
                    call_id=call.id,
                )
            )
        except WorkOrderError as exc:
            return error(WORK_ORDER_STATUS.get(exc.code, 409), exc.code, str(exc))
        order = created.order
        return web.json_response(
            {
                "id": order.id,
                "status": order.status.value,
                "handler": order.handler.name,
                "due_at": order.due_at.isoformat(),
                "follow_up": created.follow_up,
            },
            status=200 if created.follow_up else 201,
        )

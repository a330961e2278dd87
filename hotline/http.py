"""The switch's web server: the JSON API (live calls, seats, status changes, urgent contacts,
work orders, the directory) and the web console. Every route but /healthz and the pages asks the
session layer (`console.sessions.SessionGuard`): a signed-in user with the role for it, or the
API token."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import asyncpg
import structlog
from aiohttp import web

from agents.model import Seat, StatusSource
from agents.policy import AgentError, StatusRequest
from console.admin import AdminApi
from console.board import seat_view
from console.http import ConsoleApi
from console.live import LiveFeed
from console.model import AuditAction, Permission, Principal
from console.policy import may_use_seat
from console.sessions import SessionGuard
from directory.http import DirectoryApi
from hotline.api import error, json_object
from hotline.logs import mask_phone
from hotline.metrics import Snapshot, call_counts, counts, render, seat_counts
from knowledge.http import KnowledgeApi
from quality.http import QualityApi
from recordings.http import RecordingsApi
from reports.http import ReportsApi
from supervision.http import SupervisionApi
from urgent.service import UrgentError
from urgent.store import ContactRow
from workorders.http import WorkOrderApi

log = structlog.get_logger(__name__)

if TYPE_CHECKING:
    from hotline.app import Hotline


def seat_document(seat: Seat, now: datetime) -> dict[str, Any]:
    """A seat as the API shows it: the wallboard's view, plus the unanswered offers in a row."""
    return seat_view(seat, now) | {"consecutive_no_answers": seat.consecutive_no_answers}


def status_document(hotline: Hotline) -> dict[str, Any]:
    calls = hotline.calls.live_calls() if hotline.calls else []
    waiting = hotline.router.waiting() if hotline.router else []
    now = hotline.clock()
    return {
        "ari_connected": bool(hotline.events and hotline.events.connected),
        "config_errors": hotline.holder.last_errors,
        "calls": [
            {
                "id": call.id,
                "state": call.state.value,
                "caller_channel": call.caller_channel_id,
                "ivr_node": call.ivr.node if call.ivr else None,
                "ivr_step": call.ivr.step.value if call.ivr else None,
                "caller": mask_phone(call.caller_number) if call.caller_number else "",
                "home_platform": call.home_platform,
                "queue": call.queue.queue_id if call.queue else None,
                "seat": call.seat_id,
                "started_at": call.started_at.isoformat(),
                "connected_at": call.connected_at.isoformat() if call.connected_at else None,
            }
            for call in calls
        ],
        "waiting": [
            {
                "call_id": entry.call_id,
                "queue": entry.queue_id,
                "home_platform": entry.home_platform,
                "priority": entry.priority,
                "queued_at": entry.queued_at.isoformat(),
            }
            for entry in waiting
        ],
        "seats": [seat_document(seat, now) for seat in hotline.seats.seats()],
    }


# HTTP status for each refusal code of a status change.
_AGENT_ERROR_STATUS = {
    "seat-not-found": 404,
    "not-logged-in": 409,
    "unknown-pause-reason": 422,
}


_URGENT_ERROR_STATUS = {
    "urgent-not-configured": 409,
    "call-not-found": 404,
    "call-not-connected": 409,
    "case-not-found": 404,
    "no-contact-number": 422,
    "urgent-too-many-at-once": 429,
    "urgent-case-rate-limited": 429,
    "urgent-caller-rate-limited": 429,
}


class StatusServer:
    def __init__(self, hotline: Hotline, api_token: str) -> None:
        self._hotline = hotline
        self._guard = SessionGuard(
            lambda: hotline.console, lambda: api_token, lambda: hotline.hq_platform
        )
        self._runner: web.AppRunner | None = None

    async def start(self, listen: str) -> str:
        host, _, port = listen.rpartition(":")
        app = web.Application(client_max_size=16 * 1024)
        app.router.add_get("/api/status", self._status)
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/api/seats", self._seats)
        app.router.add_post("/api/seats/{seat_id}/status", self._set_status)
        app.router.add_post("/api/seats/{seat_id}/platform", self._serve_platform)
        app.router.add_post("/api/calls/{call_id}/urgent-contact", self._urgent_contact)
        app.router.add_get("/api/urgent-contacts/{contact_id}", self._urgent_steps)
        WorkOrderApi(lambda: self._hotline.work_orders, self._guard).add_routes(app)
        DirectoryApi(lambda: self._hotline.directory, self._guard).add_routes(app)
        ConsoleApi(self._hotline, self._guard, self._hotline.feed or LiveFeed()).add_routes(app)
        AdminApi(self._hotline, self._guard).add_routes(app)
        KnowledgeApi(lambda: self._hotline.knowledge, self._guard).add_routes(app)
        SupervisionApi(
            lambda: self._hotline.supervision, self._hotline.seats, self._guard
        ).add_routes(app)
        ReportsApi(
            lambda: self._hotline.pool,
            lambda: self._hotline.holder.current,
            lambda: self._hotline.clock(),
            self._guard,
        ).add_routes(app)
        QualityApi(
            lambda: self._hotline.quality,
            lambda: self._hotline.follow_up_calls,
            self._hotline.seats,
            self._guard,
        ).add_routes(app)
        RecordingsApi(
            lambda: self._hotline.recordings, self._seat_platform, self._guard
        ).add_routes(app)
        app.router.add_get("/healthz", self._health)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, int(port))
        await site.start()
        bound = self._runner.addresses[0][1] if self._runner.addresses else port
        return f"http://{host}:{bound}"

    async def stop(self) -> None:
        if self._hotline.feed is not None:
            self._hotline.feed.close()  # live streams end first, or shutdown waits for them
        if self._runner:
            await self._runner.cleanup()

    async def _everywhere(self, request: web.Request) -> Principal | web.Response:
        """The whole switch's view: the token, or a user of every platform who may see calls."""
        principal = await self._guard(request, Permission.CALLS_VIEW)
        if isinstance(principal, web.Response):
            return principal
        if self._guard.scope(principal) is not None:
            return error(403, "forbidden", "the whole switch's status is for HQ and admins")
        return principal

    async def _status(self, request: web.Request) -> web.Response:
        principal = await self._everywhere(request)
        if isinstance(principal, web.Response):
            return principal
        document = status_document(self._hotline)
        document["callbacks_today"] = await self._callbacks_today()
        document["work_orders"] = await self._work_orders_now()
        return web.json_response(document)

    async def _metrics(self, request: web.Request) -> web.Response:
        """Prometheus scrapes this with the API token (`authorization: {credentials: …}`)."""
        principal = await self._everywhere(request)
        if isinstance(principal, web.Response):
            return principal
        hotline = self._hotline
        seats = hotline.seats.seats()
        seat_states, seat_statuses = seat_counts(
            (seat.state for seat in seats), (seat.status for seat in seats)
        )
        queues = [queue.id for queue in hotline.holder.current.queues]
        waiting = hotline.router.waiting() if hotline.router else []
        live = hotline.calls.live_calls() if hotline.calls else []
        pending = failed = overdue = None
        try:
            if hotline.outbox is not None:
                backlog = await hotline.outbox.backlog()
                pending, failed = backlog.pending + backlog.sending, backlog.failed
            if hotline.work_orders is not None:
                overdue = (await hotline.work_orders.figures()).overdue
        except (OSError, asyncpg.PostgresError):
            log.warning("metrics: the database did not answer")
        snapshot = Snapshot(
            calls_by_state=call_counts(call.state for call in live),
            waiting_by_queue=counts((entry.queue_id for entry in waiting), queues),
            seats_by_state=seat_states,
            seats_by_status=seat_statuses,
            ari_connected=bool(hotline.events and hotline.events.connected),
            loop_lag_s=hotline.loop_lag.last_s,
            loop_lag_max_s=hotline.loop_lag.max_s,
            sms_pending=pending,
            sms_failed=failed,
            work_orders_overdue=overdue,
            supervisions=len(hotline.supervision.sessions()) if hotline.supervision else 0,
        )
        return web.Response(
            text=render(snapshot),
            content_type="text/plain",
            charset="utf-8",
            headers={"Cache-Control": "no-store"},
        )

    async def _work_orders_now(self) -> dict[str, Any] | None:
        """Work orders waiting for a reply and the SMS not delivered yet."""
        work_orders, outbox = self._hotline.work_orders, self._hotline.outbox
        if work_orders is None or outbox is None:
            return None
        try:
            figures = await work_orders.figures()
            backlog = await outbox.backlog()
        except (OSError, asyncpg.PostgresError) as exc:
            return {"error": f"the database did not answer: {exc}"}
        return {
            "dispatched": figures.dispatched,
            "overdue": figures.overdue,
            "escalated": figures.escalated,
            "replied": figures.replied,
            "sms_pending": backlog.pending + backlog.sending,
            "sms_failed": backlog.failed,
        }

    async def _callbacks_today(self) -> dict[str, Any] | None:
        """Today's callback list in the court's time zone: abandoned, reached back, the rate."""
        callbacks = self._hotline.callbacks
        if callbacks is None:
            return None
        zone = self._hotline.holder.current.hours.zone
        now = datetime.now(zone)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        try:
            figures = await callbacks.figures(midnight, midnight + timedelta(days=1))
        except (OSError, asyncpg.PostgresError) as exc:
            return {"error": f"the database did not answer: {exc}"}
        return {
            "abandoned": figures.abandoned,
            "abandoned_reached": figures.abandoned_reached,
            "callback_rate": figures.callback_rate,
            "open": figures.open,
        }

    async def _seats(self, request: web.Request) -> web.Response:
        principal = await self._everywhere(request)
        if isinstance(principal, web.Response):
            return principal
        now = self._hotline.clock()
        return web.json_response([seat_document(seat, now) for seat in self._hotline.seats.seats()])

    async def _seat_principal(self, request: web.Request, seat_id: str) -> Principal | web.Response:
        """An agent acts on their own seat; a supervisor on any seat of their platform."""
        principal = await self._guard(request, Permission.SEAT_STATUS_OWN)
        if isinstance(principal, web.Response):
            return principal
        seat = self._hotline.seats.get(seat_id)
        user = principal.user
        if user is None or (seat is not None and may_use_seat(user, seat_id, seat.platform_id)):
            return principal
        platform = seat.platform_id if seat is not None else None
        if seat is None or not self._guard.allows(principal, Permission.SEAT_STATUS_ANY, platform):
            return error(404, "seat-not-found", f"no seat {seat_id} you may change")
        return principal

    async def _set_status(self, request: web.Request) -> web.Response:
        seat_id = request.match_info["seat_id"]
        principal = await self._seat_principal(request, seat_id)
        if isinstance(principal, web.Response):
            return principal
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        action, reason = body.get("action"), body.get("reason")
        try:
            wanted = StatusRequest(str(action))
        except ValueError:
            choices = ", ".join(r.value for r in StatusRequest)
            return error(422, "bad-action", f"action: must be one of {choices}, not {action!r}")
        if reason is not None and not isinstance(reason, str):
            return error(422, "bad-reason", "reason: must be a string")
        agents = self._hotline.agents
        if agents is None:
            return error(503, "not-ready", "the switch is starting")
        try:
            seat = agents.request(seat_id, wanted, reason=reason, source=StatusSource.API)
        except AgentError as exc:
            return error(_AGENT_ERROR_STATUS.get(exc.code, 409), exc.code, str(exc))
        user = principal.user
        if user is not None and not may_use_seat(user, seat_id, seat.platform_id):
            # Someone else's seat: a supervisor's act, kept for review.
            await self._guard.audit(
                principal,
                AuditAction.SEAT_STATUS_CHANGED,
                seat_id,
                {"action": wanted.value, "reason": reason},
                request=request,
            )
        return web.json_response(seat_document(seat, self._hotline.clock()))

    async def _serve_platform(self, request: web.Request) -> web.Response:
        """HQ pulls a branch seat into HQ's queues (`{"platform": "high"}`) or gives it back
        (`{"platform": null}`); only those who see every court may, and it is audited."""
        principal = await self._guard(request, Permission.SEAT_STATUS_ANY)
        if isinstance(principal, web.Response):
            return principal
        if self._guard.scope(principal) is not None:
            return error(403, "forbidden", "only HQ moves seats between platforms")
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        platform = body.get("platform")
        known = {p.id for p in self._hotline.holder.current.platforms}
        if platform is not None and platform not in known:
            return error(422, "bad-field", f"platform: no platform {platform!r}, or null")
        seat_id = request.match_info["seat_id"]
        seat = self._hotline.seats.serve_platform(seat_id, platform)
        if seat is None:
            return error(404, "seat-not-found", f"no seat {seat_id}")
        if self._hotline.router is not None:
            self._hotline.router.wake()
        await self._guard.audit(
            principal,
            AuditAction.SEAT_STATUS_CHANGED,
            seat_id,
            {"serving_platform": seat.routing_platform},
            request=request,
        )
        return web.json_response(seat_document(seat, self._hotline.clock()))

    async def _urgent_contact(self, request: web.Request) -> web.Response:
        """An agent asks the switch to ring the judge of a case for the caller on this call.

        Only a court and case number are taken, never a number: what is rung comes from the
        directory.
        """
        principal = await self._guard(request, Permission.CALL_ACT)
        if isinstance(principal, web.Response):
            return principal
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        fields = {}
        for name in ("court_id", "case_number", "seat"):
            value = body.get(name)
            if not isinstance(value, str) or not value.strip() or len(value) > 100:
                return error(422, "bad-field", f"{name}: must be a non-empty string")
            fields[name] = value.strip()
        urgent = self._hotline.urgent
        if urgent is None:
            return error(503, "not-ready", "the switch is starting")
        call_id = request.match_info["call_id"]
        call = self._hotline.calls.call(call_id) if self._hotline.calls else None
        if call is not None and call.seat_id != fields["seat"]:
            return error(403, "not-your-call", f"seat: {fields['seat']} is not on call {call_id}")
        seat = self._hotline.seats.get(fields["seat"])
        user = principal.user
        if user is not None and (
            seat is None or not may_use_seat(user, seat.seat_id, seat.platform_id)
        ):
            return error(403, "not-your-call", f"seat: {fields['seat']} is not yours")
        try:
            contact_id = await urgent.start(
                call_id, fields["court_id"], fields["case_number"], fields["seat"]
            )
        except UrgentError as exc:
            return error(_URGENT_ERROR_STATUS.get(exc.code, 409), exc.code, str(exc))
        return web.json_response({"contact_id": contact_id, "call_id": call_id}, status=201)

    async def _urgent_steps(self, request: web.Request) -> web.Response:
        """Each number rung so far, its outcome and timing; numbers in full only with `?personal=1`
        for those allowed to see personal data (and that view is audited)."""
        principal = await self._guard(request, Permission.CALL_ACT)
        if isinstance(principal, web.Response):
            return principal
        urgent = self._hotline.urgent
        if urgent is None:
            return error(503, "not-ready", "the switch is starting")
        raw = request.match_info["contact_id"]
        if not (raw.isascii() and raw.isdigit() and len(raw) < 19):
            return error(404, "contact-not-found", f"no urgent contact {raw}")
        contact = await urgent.describe(int(raw))
        if contact is None or not self._may_see_contact(principal, contact):
            return error(404, "contact-not-found", f"no urgent contact {raw}")
        full = request.query.get("personal") == "1"
        if full:
            if not self._guard.allows(principal, Permission.PERSONAL_DATA, None):
                return error(403, "forbidden", "not allowed: personal-data")
            await self._guard.audit(
                principal,
                AuditAction.PERSONAL_DATA_VIEWED,
                f"urgent-contact:{contact.id}",
                request=request,
            )
        return web.json_response(
            {
                "id": contact.id,
                "call_id": contact.call_id,
                "court_id": contact.court_id,
                "case_number": contact.case_number,
                "outcome": contact.outcome,
                "started_at": contact.started_at.isoformat(),
                "ended_at": contact.ended_at.isoformat() if contact.ended_at else None,
                "steps": [
                    {
                        "step": step.step_no,
                        "role": step.role,
                        "name": step.name,
                        "number": step.number if full else mask_phone(step.number),
                        "dialled_at": step.dialled_at.isoformat(),
                        "answered_at": step.answered_at.isoformat() if step.answered_at else None,
                        "ended_at": step.ended_at.isoformat() if step.ended_at else None,
                        "outcome": step.outcome,
                    }
                    for step in contact.steps
                ],
            }
        )

    def _may_see_contact(self, principal: Principal, contact: ContactRow) -> bool:
        """The agent whose seat started it, or whoever sees that court's calls."""
        user = principal.user
        if user is None or self._guard.allows(principal, Permission.CALLS_VIEW, contact.court_id):
            return True
        seat = self._hotline.seats.get(contact.initiated_by)
        return seat is not None and may_use_seat(user, seat.seat_id, seat.platform_id)

    def _seat_platform(self, seat_id: str) -> str | None:
        seat = self._hotline.seats.get(seat_id)
        return seat.platform_id if seat is not None else None

    async def _health(self, _request: web.Request) -> web.Response:
        connected = bool(self._hotline.events and self._hotline.events.connected)
        return web.json_response({"ari_connected": connected}, status=200 if connected else 503)

"""A small read-only status API on loopback: live calls and seats, for `hotline status`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from hotline.logs import mask_phone

if TYPE_CHECKING:
    from hotline.app import Hotline


def status_document(hotline: Hotline) -> dict[str, Any]:
    calls = hotline.calls.live_calls() if hotline.calls else []
    waiting = hotline.router.waiting() if hotline.router else []
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
                "queued_at": entry.queued_at.isoformat(),
            }
            for entry in waiting
        ],
        "seats": [
            {
                "id": seat.seat_id,
                "platform": seat.platform_id,
                "registered": seat.registered,
                "status": seat.status.value,
                "state": seat.state.value,
                "call_id": seat.call_id,
                "since": seat.since.isoformat(),
                "calls_answered": seat.calls_answered,
            }
            for seat in hotline.seats.seats()
        ],
    }


class StatusServer:
    def __init__(self, hotline: Hotline) -> None:
        self._hotline = hotline
        self._runner: web.AppRunner | None = None

    async def start(self, listen: str) -> str:
        host, _, port = listen.rpartition(":")
        app = web.Application()
        app.router.add_get("/api/status", self._status)
        app.router.add_get("/healthz", self._health)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, int(port))
        await site.start()
        return f"http://{listen}"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _status(self, _request: web.Request) -> web.Response:
        return web.json_response(status_document(self._hotline))

    async def _health(self, _request: web.Request) -> web.Response:
        connected = bool(self._hotline.events and self._hotline.events.connected)
        return web.json_response({"ari_connected": connected}, status=200 if connected else 503)

"""Recordings on the switch's API: heard or downloaded only by those allowed, every time audited.

    GET /api/calls/{call_id}/recordings             the call's recordings (recordings-listen)
    GET /api/recordings/{name}/audio                the file to play in the page (audited)
    GET /api/recordings/{name}/audio?download=1     the file as an attachment (audited)

A branch court's supervisor hears its own court's calls: those for the court, or answered by its
seats. Nothing is served when the audit entry cannot be written. Each hearing checks the file
against the SHA-256 taken when it was filed; an altered one is served flagged
(`X-Recording-Integrity: altered`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import asyncpg
import structlog
from aiohttp import web

from console.model import AuditAction, Permission, Principal
from console.sessions import SessionGuard
from hotline.api import error
from hotline.logs import mask_phone
from recordings.service import RecordingService
from recordings.store import RecordingRow

log = structlog.get_logger(__name__)

# Recording names are the switch's own: a call id, `-2`…, `-message`.
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MEDIA_TYPES = {"wav": "audio/wav", "gsm": "audio/x-gsm", "ulaw": "audio/basic"}


def recording_document(row: RecordingRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "call_id": row.call_id,
        "kind": row.kind,
        "state": row.state,
        "started_at": row.started_at.isoformat(),
        "ended_at": row.ended_at.isoformat() if row.ended_at else None,
        "duration_ms": row.duration_ms,
        "size_bytes": row.size_bytes,
        "sha256": row.sha256,
        "integrity": row.integrity,
        "audio": f"/api/recordings/{row.name}/audio" if row.state == "stored" else None,
        # Numbers masked, as everywhere in the console.
        "parties": {
            "caller": mask_phone(row.caller_number) if row.caller_number else None,
            "seat": row.seat_id,
            "contact": (
                {"role": row.contact_role, "number": mask_phone(row.contact_number)}
                if row.contact_role and row.contact_number
                else None
            ),
        },
    }


class RecordingsApi:
    def __init__(
        self,
        service: Callable[[], RecordingService | None],
        seat_platform: Callable[[str], str | None],
        guard: SessionGuard,
    ) -> None:
        self._service = service
        self._seat_platform = seat_platform
        self._guard = guard

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/calls/{call_id}/recordings", self._of_call)
        app.router.add_get("/api/recordings/{name}/audio", self._audio)

    def _may_hear(self, principal: Principal, row: RecordingRow) -> bool:
        """The call's own court, or the court of the seat that answered it; a recording of no
        known court (a seat since removed, no home court) is for HQ's users only."""
        seat_platform = self._seat_platform(row.seat_id) if row.seat_id is not None else None
        platforms = {p for p in (row.home_platform, seat_platform) if p}
        if not platforms:
            return self._guard.scope(principal) is None
        return any(
            self._guard.allows(principal, Permission.RECORDINGS_LISTEN, platform)
            for platform in platforms
        )

    async def _allowed(
        self, request: web.Request
    ) -> tuple[Principal, RecordingService] | web.Response:
        return await self._guard.with_service(request, Permission.RECORDINGS_LISTEN, self._service)

    async def _of_call(self, request: web.Request) -> web.Response:
        allowed = await self._allowed(request)
        if isinstance(allowed, web.Response):
            return allowed
        principal, service = allowed
        call_id = request.match_info["call_id"]
        rows = [row for row in await service.of_call(call_id) if self._may_hear(principal, row)]
        return web.json_response(
            {"call_id": call_id, "recordings": [recording_document(row) for row in rows]}
        )

    async def _audio(self, request: web.Request) -> web.StreamResponse:
        allowed = await self._allowed(request)
        if isinstance(allowed, web.Response):
            return allowed
        principal, service = allowed
        name = request.match_info["name"]
        download = request.query.get("download", "0")
        if download not in ("0", "1"):
            return error(422, "bad-field", "download: 0 or 1")
        row = await service.get(name) if NAME.fullmatch(name) else None
        # Someone not allowed learns nothing, not even that it exists.
        if row is None or not self._may_hear(principal, row):
            return error(404, "recording-not-found", f"no recording {name} you may hear")
        # Checked on every hearing: an altered file is still served (it is evidence of its
        # own), but flagged in the answer, the row, the log and the audit entry.
        found = await service.verify(row)
        path = service.file_of(row)
        if path is None:
            return error(409, "recording-not-stored", f"recording {name}: no file ({found})")
        action = (
            AuditAction.RECORDING_DOWNLOADED if download == "1" else AuditAction.RECORDING_PLAYED
        )
        try:
            await self._guard.audit(
                principal,
                action,
                name,
                {"call_id": row.call_id, "integrity": found.value},
                request=request,
            )
        except (OSError, asyncpg.PostgresError):
            log.exception("audit entry not written; recording not served", recording=name)
            return error(503, "audit-unavailable", "the access cannot be audited now; try again")
        disposition = "attachment" if download == "1" else "inline"
        return web.FileResponse(
            path,
            headers={
                "Content-Type": MEDIA_TYPES.get(row.format, "application/octet-stream"),
                "Content-Disposition": f'{disposition}; filename="{name}.{row.format}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
                "X-Recording-Integrity": found.value,
                "X-Recording-SHA256": row.sha256 or "",
            },
        )

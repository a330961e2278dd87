"""The contract every web handler uses to ask "may this request do that?".

A handler calls `await guard(request, Permission.X)` (or `guard(request, X, platform=...)` for data
that belongs to one platform) and gets either the `Principal` or the refusal to return as-is
(401 not signed in, 403 not allowed, 403 CSRF). `console.sessions.SessionGuard` is the one
implementation; feature packages depend on this protocol rather than on the session layer.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

from aiohttp import web

from console.model import Permission, Principal


class Guard(Protocol):
    def __call__(
        self, request: web.Request, permission: Permission, *, platform: str | None = None
    ) -> Awaitable[Principal | web.Response]: ...

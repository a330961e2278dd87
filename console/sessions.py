"""The session layer every handler goes through: who is asking, may they, and CSRF for cookies.

Two ways in: `Authorization: Bearer <api token>` (scripts and the CLI; never a cookie, so no CSRF
risk) or the console's session cookie. A cookie-signed request that changes anything must carry
the session's CSRF token in `X-CSRF-Token`, and its Origin, when the browser sends one, must be
this server.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from aiohttp import web

from console.model import AuditAction, Permission, Principal, User
from console.policy import allowed, scope_of
from console.service import ConsoleService
from hotline.api import error

S = TypeVar("S")

COOKIE = "hotline_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Kept on the request once found, so a handler and its guard look the session up once.
_LOOKED_UP = web.RequestKey("console_looked_up", bool)
_PRINCIPAL = web.RequestKey("console_principal", Principal)
_CSRF = web.RequestKey("console_csrf", str)


def client_of(request: web.Request, trusted_proxies: Collection[str] = ()) -> str:
    """The client's address: the peer's, or, when the peer is one of our own reverse proxies,
    the last address that proxy put in X-Forwarded-For (earlier entries are the client's word
    and could be forged). Login throttling counts failures per this address."""
    peer = request.remote or ""
    if peer in trusted_proxies:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            return forwarded[:64]
    return peer


def same_origin(request: web.Request) -> bool:
    """No Origin (a same-origin GET, a non-browser client) passes; otherwise it must be us."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin in (f"{request.scheme}://{request.host}", f"https://{request.host}")


class SessionGuard:
    def __init__(
        self,
        service: Callable[[], ConsoleService | None],
        api_token: Callable[[], str],
        hq_platform: Callable[[], str | None] = lambda: None,
    ) -> None:
        self._service = service
        self._api_token = api_token
        self._hq_platform = hq_platform

    def client(self, request: web.Request) -> str:
        service = self._service()
        trusted = service.settings.trusted_proxies if service is not None else ()
        return client_of(request, trusted)

    @property
    def hq_platform(self) -> str | None:
        return self._hq_platform()

    def allows(self, principal: Principal, permission: Permission, platform: str | None) -> bool:
        return allowed(principal, permission, platform, self._hq_platform())

    def scope(self, principal: Principal) -> str | None:
        """The one court a viewer is limited to, or None for every court."""
        return scope_of(principal.user, self._hq_platform())

    @property
    def service(self) -> ConsoleService | None:
        return self._service()

    def bearer_ok(self, request: web.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        expected = self._api_token()
        return (
            scheme.lower() == "bearer"
            and bool(expected)
            and hmac.compare_digest(token.encode(), expected.encode())
        )

    async def principal(self, request: web.Request) -> Principal | None:
        """Who is asking, or None; does not check permissions or CSRF."""
        if request.get(_LOOKED_UP):
            return request.get(_PRINCIPAL)
        request[_LOOKED_UP] = True
        found: Principal | None = None
        if self.bearer_ok(request):
            found = Principal(None)
        else:
            service = self._service()
            cookie = request.cookies.get(COOKIE, "")
            if service is not None and cookie:
                live = await service.authenticate(cookie)
                if live is not None:
                    session, user = live
                    found = Principal(user, session.id)
                    request[_CSRF] = session.csrf_token
        if found is not None:
            request[_PRINCIPAL] = found
        return found

    @staticmethod
    def csrf_token(request: web.Request) -> str:
        """The signed-in session's CSRF token (after `principal()` found the session)."""
        token: str = request.get(_CSRF, "")
        return token

    async def signed_in(self, request: web.Request) -> Principal | web.Response:
        """Whoever asks, signed in or with the token, CSRF-checked; no permission asked."""
        principal = await self.principal(request)
        if principal is None:
            return error(401, "unauthorized", "sign in, or send 'Authorization: Bearer <token>'")
        if principal.user is not None and request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            expected = self.csrf_token(request)
            if not (
                sent and expected and hmac.compare_digest(sent.encode(), expected.encode())
            ) or not same_origin(request):
                return error(
                    403, "csrf-failed", f"{CSRF_HEADER}: missing or wrong for this session"
                )
        return principal

    async def __call__(
        self, request: web.Request, permission: Permission, *, platform: str | None = None
    ) -> Principal | web.Response:
        principal = await self.signed_in(request)
        if isinstance(principal, web.Response):
            return principal
        if not self.allows(principal, permission, platform):
            return error(403, "forbidden", f"not allowed: {permission.value}")
        return principal

    async def with_service(
        self, request: web.Request, permission: Permission, service: Callable[[], S | None]
    ) -> tuple[Principal, S] | web.Response:
        """The principal, if allowed, and the service behind the API, once the switch has it
        (503 while it is starting)."""
        principal = await self(request, permission)
        if isinstance(principal, web.Response):
            return principal
        ready = service()
        if ready is None:
            return error(503, "not-ready", "the switch is starting")
        return principal, ready

    async def audit(
        self,
        principal: Principal,
        action: AuditAction,
        target: str,
        detail: dict[str, Any] | None = None,
        *,
        request: web.Request | None = None,
    ) -> None:
        service = self._service()
        if service is not None:
            client = self.client(request) if request is not None else ""
            await service.audit(principal, action, target, detail, client=client)


def user_document(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "platform": user.platform,
        "seats": sorted(user.seats),
        "disabled": user.disabled,
    }

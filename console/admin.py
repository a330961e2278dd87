"""The admin's API: the live config and its reload, and console accounts.

A reload that fails any check changes nothing and answers with every error (file:line: field:
message); a good one applies to new calls. Both are audited, as are account changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from config.loader import load_config_apart
from config.yaml_positions import ConfigError
from console.errors import ConsoleError, UserExists, UserInvalid, UserNotFound
from console.model import AuditAction, Permission, Role
from console.sessions import SessionGuard, user_document
from hotline.api import error, json_object

if TYPE_CHECKING:
    from hotline.app import Hotline

_USER_ERROR_STATUS = {UserInvalid.code: 422, UserExists.code: 409, UserNotFound.code: 404}


class AdminApi:
    def __init__(self, hotline: Hotline, guard: SessionGuard) -> None:
        self._hotline = hotline
        self._guard = guard

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/config", self._config)
        app.router.add_post("/api/config/check", self._check)
        app.router.add_post("/api/config/reload", self._reload)
        app.router.add_get("/api/users", self._users)
        app.router.add_post("/api/users", self._add_user)
        app.router.add_put("/api/users/{username}", self._change_user)
        app.router.add_post("/api/users/{username}/password", self._set_password)

    # ---- the config --------------------------------------------------------------------------
    def _summary(self) -> dict[str, Any]:
        holder = self._hotline.holder
        config = holder.current
        return {
            "path": str(holder.path),
            "name": config.hotline.name,
            "platforms": len(config.platforms),
            "seats": len(config.seats),
            "queues": len(config.queues),
            "prompts": len(config.prompts.items),
            "last_errors": holder.last_errors,
        }

    async def _config(self, request: web.Request) -> web.Response:
        principal = await self._guard(request, Permission.CONFIG_RELOAD)
        if isinstance(principal, web.Response):
            return principal
        return web.json_response(self._summary())

    async def _check(self, request: web.Request) -> web.Response:
        """Validate the file as it is now, without applying it."""
        principal = await self._guard(request, Permission.CONFIG_RELOAD)
        if isinstance(principal, web.Response):
            return principal
        try:
            await load_config_apart(self._hotline.holder.path)
        except ConfigError as exc:
            return web.json_response(
                {"valid": False, "errors": [str(issue) for issue in exc.issues]}
            )
        return web.json_response({"valid": True, "errors": []})

    async def _reload(self, request: web.Request) -> web.Response:
        principal = await self._guard(request, Permission.CONFIG_RELOAD)
        if isinstance(principal, web.Response):
            return principal
        applied = await self._hotline.reload()
        errors = self._hotline.holder.last_errors
        await self._guard.audit(
            principal,
            AuditAction.CONFIG_RELOADED if applied else AuditAction.CONFIG_RELOAD_REFUSED,
            str(self._hotline.holder.path),
            {"errors": errors[:20]},
            request=request,
        )
        if not applied:
            return error(
                422,
                "config-refused",
                "the file has errors; the switch keeps the last good config",
                errors=errors,
            )
        return web.json_response({"applied": True, **self._summary()})

    # ---- accounts ----------------------------------------------------------------------------
    async def _users(self, request: web.Request) -> web.Response:
        principal = await self._guard(request, Permission.USERS_MANAGE)
        if isinstance(principal, web.Response):
            return principal
        service = self._guard.service
        if service is None:
            return error(503, "not-ready", "the switch is starting")
        return web.json_response([user_document(user) for user in await service.users()])

    async def _user_body(self, request: web.Request) -> tuple[Any, dict[str, Any]] | web.Response:
        principal = await self._guard(request, Permission.USERS_MANAGE)
        if isinstance(principal, web.Response):
            return principal
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        return principal, body

    @staticmethod
    def _fields(body: dict[str, Any]) -> dict[str, Any] | web.Response:
        display_name = body.get("display_name")
        if not isinstance(display_name, str):
            return error(422, "bad-field", "display_name: required text")
        try:
            role = Role(str(body.get("role")))
        except ValueError:
            choices = ", ".join(r.value for r in Role)
            return error(422, "bad-field", f"role: must be one of {choices}")
        platform = body.get("platform")
        if platform is not None and not isinstance(platform, str):
            return error(422, "bad-field", "platform: a platform id, or null for every platform")
        seats = body.get("seats", [])
        if not isinstance(seats, list) or not all(isinstance(s, str) for s in seats):
            return error(422, "bad-field", "seats: a list of seat ids")
        disabled = body.get("disabled", False)
        if not isinstance(disabled, bool):
            return error(422, "bad-field", "disabled: true or false")
        return {
            "display_name": display_name,
            "role": role,
            "platform": platform,
            "seats": seats,
            "disabled": disabled,
        }

    async def _add_user(self, request: web.Request) -> web.Response:
        begun = await self._user_body(request)
        if isinstance(begun, web.Response):
            return begun
        principal, body = begun
        fields = self._fields(body)
        if isinstance(fields, web.Response):
            return fields
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            return error(422, "bad-field", "username, password: required text")
        service = self._guard.service
        if service is None:
            return error(503, "not-ready", "the switch is starting")
        unknown = self._unknown_seats(fields["seats"])
        if unknown:
            return error(422, "user-invalid", f"seats: no seat {', '.join(unknown)} in the config")
        try:
            user = await service.add_user(
                username,
                fields["display_name"],
                fields["role"],
                password,
                platform=fields["platform"],
                seats=fields["seats"],
            )
        except ConsoleError as exc:
            return error(_USER_ERROR_STATUS.get(exc.code, 409), exc.code, str(exc))
        await self._guard.audit(
            principal, AuditAction.USER_CHANGED, username, {"created": True}, request=request
        )
        return web.json_response(user_document(user), status=201)

    async def _change_user(self, request: web.Request) -> web.Response:
        begun = await self._user_body(request)
        if isinstance(begun, web.Response):
            return begun
        principal, body = begun
        fields = self._fields(body)
        if isinstance(fields, web.Response):
            return fields
        service = self._guard.service
        if service is None:
            return error(503, "not-ready", "the switch is starting")
        username = request.match_info["username"]
        if (
            principal.user is not None
            and principal.user.username == username
            and (fields["disabled"] or fields["role"] is not Role.ADMIN)
        ):
            return error(409, "user-self-lockout", "an admin cannot disable or demote themselves")
        unknown = self._unknown_seats(fields["seats"])
        if unknown:
            return error(422, "user-invalid", f"seats: no seat {', '.join(unknown)} in the config")
        try:
            user = await service.update_user(username, **fields)
        except ConsoleError as exc:
            return error(_USER_ERROR_STATUS.get(exc.code, 409), exc.code, str(exc))
        await self._guard.audit(
            principal,
            AuditAction.USER_CHANGED,
            username,
            {
                "role": user.role.value,
                "platform": user.platform,
                "seats": sorted(user.seats),
                "disabled": user.disabled,
            },
            request=request,
        )
        return web.json_response(user_document(user))

    async def _set_password(self, request: web.Request) -> web.Response:
        begun = await self._user_body(request)
        if isinstance(begun, web.Response):
            return begun
        principal, body = begun
        password = body.get("password")
        if not isinstance(password, str):
            return error(422, "bad-field", "password: required text")
        service = self._guard.service
        if service is None:
            return error(503, "not-ready", "the switch is starting")
        username = request.match_info["username"]
        try:
            await service.set_password(username, password)
        except ConsoleError as exc:
            return error(_USER_ERROR_STATUS.get(exc.code, 409), exc.code, str(exc))
        await self._guard.audit(
            principal, AuditAction.USER_CHANGED, username, {"password": "changed"}, request=request
        )
        return web.json_response({"username": username, "password_changed": True})

    def _unknown_seats(self, seats: list[str]) -> list[str]:
        known = {seat.id for seat in self._hotline.holder.current.seats}
        return [seat for seat in seats if seat not in known]

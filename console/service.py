"""Signing in and out, finding the user behind a session cookie, and writing the audit log."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

import structlog

from console import passwords
from console.board import QueueDay
from console.config import ConsoleSection
from console.errors import LoginFailed, LoginThrottled, UserExists, UserInvalid, UserNotFound
from console.model import AuditAction, Principal, Role, Session, User
from console.policy import login_wait
from console.store import AuditEntry, ConsoleStore
from hotline.logs import mask_personal_data

log = structlog.get_logger(__name__)

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")

# How stale a session's last-seen time may get before a request writes it again.
TOUCH_EVERY = timedelta(minutes=1)


def session_key(cookie_value: str) -> str:
    """What the database keeps of a session cookie: its SHA-256, never the value."""
    return hashlib.sha256(cookie_value.encode()).hexdigest()


def check_user_fields(
    username: str,
    display_name: str,
    role: Role,
    platform: str | None,
    seats: Collection[str],
    platforms: Collection[str],
) -> None:
    if not USERNAME.fullmatch(username):
        raise UserInvalid("username: 2 to 32 of a-z 0-9 . _ - (starting with a letter or digit)")
    if not 1 <= len(display_name.strip()) <= 40:
        raise UserInvalid("display_name: must be 1 to 40 characters")
    if platform is not None and platform not in platforms:
        raise UserInvalid(f"platform: no platform {platform!r} in the config")
    if seats and role is Role.ADMIN:
        raise UserInvalid("seats: an admin works at no seat")
    if role is Role.AGENT and platform is None:
        raise UserInvalid("platform: an agent belongs to one platform")


class ConsoleService:
    def __init__(
        self,
        store: ConsoleStore,
        settings: Callable[[], ConsoleSection],
        clock: Callable[[], datetime],
        platforms: Callable[[], Collection[str]],
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._platforms = platforms

    @property
    def settings(self) -> ConsoleSection:
        return self._settings()

    # ---- users -------------------------------------------------------------------------------
    async def add_user(
        self,
        username: str,
        display_name: str,
        role: Role,
        password: str,
        *,
        platform: str | None = None,
        seats: Collection[str] = (),
    ) -> User:
        check_user_fields(username, display_name, role, platform, seats, self._platforms())
        password_hash = await asyncio.to_thread(passwords.hash_password, password)
        user = await self._store.insert_user(
            username,
            display_name.strip(),
            role,
            platform,
            frozenset(seats),
            password_hash,
            self._clock(),
        )
        if user is None:
            raise UserExists(f"username: {username!r} is taken")
        return user

    async def update_user(
        self,
        username: str,
        *,
        display_name: str,
        role: Role,
        platform: str | None,
        seats: Collection[str],
        disabled: bool,
    ) -> User:
        check_user_fields(username, display_name, role, platform, seats, self._platforms())
        updated = await self._store.update_user(
            username,
            display_name=display_name.strip(),
            role=role,
            platform=platform,
            seats=frozenset(seats),
            disabled=disabled,
        )
        if updated is None:
            raise UserNotFound(f"no user {username!r}")
        return updated

    async def set_password(self, username: str, password: str) -> None:
        password_hash = await asyncio.to_thread(passwords.hash_password, password)
        if not await self._store.set_password(username, password_hash, self._clock()):
            raise UserNotFound(f"no user {username!r}")

    async def users(self) -> list[User]:
        return await self._store.users()

    async def has_users(self) -> bool:
        return await self._store.count_users() > 0

    # ---- sessions ----------------------------------------------------------------------------
    async def login(self, username: str, password: str, client: str) -> tuple[str, Session, User]:
        """A new session: (the cookie's value, the session, the user); throttled per name and
        per address, and every failure is counted and audited."""
        settings = self.settings
        now = self._clock()
        throttle = settings.throttle
        recent = await self._store.failures_since(
            username, client, now - max(throttle.window, throttle.lockout)
        )
        wait = max(
            (login_wait(times, now, throttle) or timedelta(0) for times in recent.values()),
            default=timedelta(0),
        )
        if wait > timedelta(0):
            await self._audit_raw(
                "-", None, AuditAction.LOGIN_FAILED, username, {"throttled": True}, client
            )
            raise LoginThrottled(wait)
        found = await self._store.user_with_hash(username) if USERNAME.fullmatch(username) else None
        if found is None:
            await asyncio.to_thread(passwords.dummy_verify, password)
            ok, user = False, None
        else:
            user, password_hash = found
            ok = await asyncio.to_thread(passwords.verify_password, password_hash, password)
            ok = ok and not user.disabled
        if not ok or user is None:
            await self._store.add_failure(username[:64], client, now)
            await self._audit_raw("-", None, AuditAction.LOGIN_FAILED, username[:64], {}, client)
            raise LoginFailed("wrong username or password")
        await self._store.clear_failures(username)
        cookie_value = secrets.token_urlsafe(32)
        session = Session(
            id=session_key(cookie_value),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + settings.session_length,
            last_seen_at=now,
        )
        await self._store.insert_session(session, client)
        await self.audit(
            Principal(user, session.id), AuditAction.LOGIN, user.username, client=client
        )
        log.info("console sign-in", user=user.username, role=user.role.value)
        return cookie_value, session, user

    async def authenticate(self, cookie_value: str) -> tuple[Session, User] | None:
        """The live session and its user, or None (unknown, expired, idle too long, disabled)."""
        if not cookie_value or len(cookie_value) > 100:
            return None
        found = await self._store.session_with_user(session_key(cookie_value))
        if found is None:
            return None
        session, user = found
        now = self._clock()
        if user.disabled or now >= session.expires_at:
            await self._store.delete_session(session.id)
            return None
        if now - session.last_seen_at >= self.settings.idle_limit:
            await self._store.delete_session(session.id)
            return None
        if now - session.last_seen_at >= TOUCH_EVERY:
            await self._store.touch_session(session.id, now)
        return session, user

    async def logout(self, principal: Principal, client: str) -> None:
        if principal.session_id is None:
            return
        await self._store.delete_session(principal.session_id)
        await self.audit(principal, AuditAction.LOGOUT, principal.name, client=client)

    async def tidy(self) -> None:
        """Expired sessions and old failed logins go (called now and then by the app)."""
        now = self._clock()
        await self._store.delete_expired_sessions(now)
        await self._store.delete_failures_before(now - timedelta(days=1))

    # ---- audit -------------------------------------------------------------------------------
    async def audit(
        self,
        principal: Principal,
        action: AuditAction,
        target: str,
        detail: dict[str, Any] | None = None,
        *,
        client: str = "",
    ) -> None:
        role = principal.user.role.value if principal.user else None
        await self._audit_raw(principal.name, role, action, target, detail or {}, client)

    async def _audit_raw(
        self,
        actor: str,
        role: str | None,
        action: AuditAction,
        target: str,
        detail: dict[str, Any],
        client: str,
    ) -> None:
        masked = dict(mask_personal_data(None, "audit", dict(detail)))
        await self._store.audit(self._clock(), actor, role, action.value, target, masked, client)
        log.info("audit", actor=actor, action=action.value, target=target)

    async def audit_entries(
        self, *, since: datetime | None = None, action: str | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        return await self._store.audit_entries(since=since, action=action, limit=limit)

    # ---- what the console shows ----------------------------------------------------------------
    async def queue_days(
        self, since: datetime, until: datetime, service_level_s: int
    ) -> list[QueueDay]:
        return await self._store.queue_days(since, until, service_level_s)

    async def calls_of_caller(self, caller_number: str, except_call: str) -> list[dict[str, Any]]:
        return await self._store.calls_of_caller(caller_number, except_call)

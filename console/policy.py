"""Pure decisions of the console: what a role may do, where, and when a login must wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import assert_never

from console.model import Permission, Principal, Role, User

P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.AGENT: frozenset(
        {
            P.SEAT_STATUS_OWN,
            P.CALL_ACT,
            P.WORK_ORDERS_VIEW,
            P.WORK_ORDERS_EDIT,
            P.KNOWLEDGE_READ,
            P.FOLLOW_UPS,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            P.SEAT_STATUS_OWN,
            P.SEAT_STATUS_ANY,
            P.CALLS_VIEW,
            P.CALL_ACT,
            P.CALL_SUPERVISE,
            P.WORK_ORDERS_VIEW,
            P.WORK_ORDERS_EDIT,
            P.PERSONAL_DATA,
            P.RECORDINGS_LISTEN,
            P.FOLLOW_UPS,
            P.QUALITY_REVIEW,
            P.REPORTS_VIEW,
            P.KNOWLEDGE_READ,
            P.KNOWLEDGE_EDIT,
        }
    ),
    Role.JUDGE: frozenset({P.SEAT_STATUS_OWN, P.CALL_ACT, P.WORK_ORDERS_VIEW, P.KNOWLEDGE_READ}),
    Role.ADMIN: frozenset(Permission),
}


def role_allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def platform_allows(user: User, platform: str | None, hq_platform: str | None = None) -> bool:
    """A branch court's user sees only that court's data; HQ's users (and those of no platform)
    see every court's, as the HQ platform serves them all. `platform` None: data of no court."""
    match user.role:
        case Role.ADMIN:
            return True
        case Role.AGENT | Role.SUPERVISOR | Role.JUDGE:
            return (
                user.platform is None
                or platform is None
                or platform == user.platform
                or (hq_platform is not None and user.platform == hq_platform)
            )
        case _:
            assert_never(user.role)


def scope_of(user: User | None, hq_platform: str | None) -> str | None:
    """The one court whose data a viewer is limited to, or None for every court."""
    if user is None or user.role is Role.ADMIN or user.platform == hq_platform:
        return None
    return user.platform


def allowed(
    principal: Principal,
    permission: Permission,
    platform: str | None = None,
    hq_platform: str | None = None,
) -> bool:
    """The service token may do everything; a user what their role allows on their platform."""
    user = principal.user
    if user is None:
        return True
    if user.disabled:
        return False
    return role_allows(user.role, permission) and platform_allows(user, platform, hq_platform)


def may_use_seat(user: User, seat_id: str, seat_platform: str) -> bool:
    """The seats a user works at: those listed for them, or, for an agent or a consulting judge
    with none listed, any seat of their platform. Supervisors and admins act on other seats
    through SEAT_STATUS_ANY, which is audited."""
    if not allowed(Principal(user), Permission.SEAT_STATUS_OWN, seat_platform):
        return False
    if user.seats:
        return seat_id in user.seats
    return user.role in (Role.AGENT, Role.JUDGE)


@dataclass(frozen=True)
class Throttle:
    """Failed logins allowed per window, per user name and per client address, then a lockout."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


def login_wait(failures: list[datetime], now: datetime, throttle: Throttle) -> timedelta | None:
    """How long a login must wait after these failed attempts (newest last), or None to go ahead."""
    recent = [at for at in failures if now - at < throttle.window]
    if len(recent) < throttle.max_failures:
        return None
    free_at = recent[-1] + throttle.lockout
    return free_at - now if free_at > now else None

"""Who may do what in the console, on which platform, and when a login must wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.model import Permission, Principal, Role, User
from console.policy import Throttle, allowed, login_wait, may_use_seat

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def user(role: Role, platform: str | None, seats: tuple[str, ...] = (), **extra: bool) -> User:
    return User(1, "someone", "某人", role, platform, frozenset(seats), **extra)


AGENT = user(Role.AGENT, "chaoyang")
BRANCH_SUPERVISOR = user(Role.SUPERVISOR, "chaoyang")
HQ_SUPERVISOR = user(Role.SUPERVISOR, None)
JUDGE = user(Role.JUDGE, "high", ("high-09",))
ADMIN = user(Role.ADMIN, None)


@pytest.mark.parametrize(
    ("who", "permission", "platform", "expected"),
    [
        (AGENT, Permission.SEAT_STATUS_OWN, "chaoyang", True),
        (AGENT, Permission.SEAT_STATUS_OWN, "haidian", False),
        (AGENT, Permission.SEAT_STATUS_ANY, "chaoyang", False),
        (AGENT, Permission.CALLS_VIEW, "chaoyang", False),
        (AGENT, Permission.PERSONAL_DATA, None, False),
        (AGENT, Permission.KNOWLEDGE_READ, None, True),
        (AGENT, Permission.KNOWLEDGE_EDIT, None, False),
        (BRANCH_SUPERVISOR, Permission.CALLS_VIEW, "chaoyang", True),
        (BRANCH_SUPERVISOR, Permission.CALLS_VIEW, "haidian", False),
        (BRANCH_SUPERVISOR, Permission.SEAT_STATUS_ANY, "chaoyang", True),
        (BRANCH_SUPERVISOR, Permission.CONFIG_RELOAD, None, False),
        (BRANCH_SUPERVISOR, Permission.RECORDINGS_LISTEN, "chaoyang", True),
        (BRANCH_SUPERVISOR, Permission.RECORDINGS_LISTEN, "haidian", False),
        (AGENT, Permission.RECORDINGS_LISTEN, "chaoyang", False),
        (JUDGE, Permission.RECORDINGS_LISTEN, "high", False),
        (AGENT, Permission.FOLLOW_UPS, "chaoyang", True),
        (AGENT, Permission.QUALITY_REVIEW, "chaoyang", False),
        (BRANCH_SUPERVISOR, Permission.QUALITY_REVIEW, "chaoyang", True),
        (BRANCH_SUPERVISOR, Permission.QUALITY_REVIEW, "haidian", False),
        (HQ_SUPERVISOR, Permission.CALLS_VIEW, "haidian", True),
        (HQ_SUPERVISOR, Permission.USERS_MANAGE, None, False),
        (JUDGE, Permission.CALL_ACT, "high", True),
        (JUDGE, Permission.WORK_ORDERS_EDIT, "high", False),
        (ADMIN, Permission.USERS_MANAGE, None, True),
        (ADMIN, Permission.CALLS_VIEW, "haidian", True),
    ],
)
def test_roles_and_platforms_decide_what_a_user_may_do(
    who: User, permission: Permission, platform: str | None, expected: bool
) -> None:
    assert allowed(Principal(who), permission, platform) is expected


def test_the_api_token_may_do_everything_and_a_disabled_user_nothing() -> None:
    assert all(allowed(Principal(None), permission, "haidian") for permission in Permission)
    disabled = user(Role.ADMIN, None, disabled=True)
    assert not any(allowed(Principal(disabled), permission) for permission in Permission)


@pytest.mark.parametrize(
    ("who", "seat", "platform", "expected"),
    [
        (AGENT, "chaoyang-01", "chaoyang", True),  # no list: any seat of the court
        (AGENT, "haidian-01", "haidian", False),
        (user(Role.AGENT, "chaoyang", ("chaoyang-02",)), "chaoyang-01", "chaoyang", False),
        (user(Role.AGENT, "chaoyang", ("chaoyang-02",)), "chaoyang-02", "chaoyang", True),
        (JUDGE, "high-09", "high", True),
        (JUDGE, "high-01", "high", False),
        # A supervisor acts on others' seats through SEAT_STATUS_ANY (audited), not as theirs…
        (BRANCH_SUPERVISOR, "chaoyang-01", "chaoyang", False),
        # …unless a seat is listed as their own.
        (user(Role.SUPERVISOR, "chaoyang", ("chaoyang-09",)), "chaoyang-09", "chaoyang", True),
        (ADMIN, "high-01", "high", False),
    ],
)
def test_the_seats_a_user_works_at(who: User, seat: str, platform: str, expected: bool) -> None:
    assert may_use_seat(who, seat, platform) is expected


THROTTLE = Throttle(max_failures=3, window=timedelta(minutes=10), lockout=timedelta(minutes=5))


@pytest.mark.parametrize(
    ("minutes_ago", "wait"),
    [
        ([], None),
        ([3, 2], None),  # below the limit
        ([3, 2, 1], timedelta(minutes=4)),  # locked out for 5 min after the last failure
        ([9, 8, 6], None),  # the lockout after the last one is over
        ([30, 20, 1, 1], None),  # two fell out of the window
        ([9.5, 9, 0], timedelta(minutes=5)),
    ],
)
def test_a_login_waits_after_too_many_recent_failures(
    minutes_ago: list[float], wait: timedelta | None
) -> None:
    failures = [T0 - timedelta(minutes=m) for m in minutes_ago]
    assert login_wait(failures, T0, THROTTLE) == wait


def test_behind_our_own_proxy_the_forwarded_address_is_the_client() -> None:
    from aiohttp.test_utils import make_mocked_request

    from console.sessions import client_of

    forwarded = {"X-Forwarded-For": "203.0.113.9, 10.0.0.7"}
    request = make_mocked_request("POST", "/api/login", headers=forwarded).clone(remote="192.0.2.1")
    assert client_of(request) == "192.0.2.1", "an untrusted peer's header is ignored"
    assert client_of(request, ["192.0.2.1"]) == "10.0.0.7", "the proxy's entry, not the first"


def test_trusted_proxies_must_be_addresses() -> None:
    from pydantic import ValidationError

    from console.config import ConsoleSection

    assert ConsoleSection(trusted_proxies=["10.0.0.2", "::1"]).trusted_proxies == [
        "10.0.0.2",
        "::1",
    ]
    with pytest.raises(ValidationError, match="trusted_proxies"):
        ConsoleSection(trusted_proxies=["proxy.court"])

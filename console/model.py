"""Who is asking: console users, their roles, what each role may do, and the audit trail's acts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"  # of one platform, or of all when the user has no platform
    JUDGE = "judge"  # a consulting judge who takes transferred calls (case judges use links)
    ADMIN = "admin"


ROLE_LABELS = {
    Role.AGENT: "话务员",
    Role.SUPERVISOR: "班长",
    Role.JUDGE: "咨询法官",
    Role.ADMIN: "管理员",
}


class Permission(StrEnum):
    SEAT_STATUS_OWN = "seat-status-own"  # log in to a seat, go available or pause it
    SEAT_STATUS_ANY = "seat-status-any"  # pause or release someone else's seat
    CALLS_VIEW = "calls-view"  # the live board: calls, queues, seats
    CALL_ACT = "call-act"  # urgent contact, transfer, hold on a call one is on
    CALL_SUPERVISE = "call-supervise"  # listen to, whisper on, barge into a seat's call
    WORK_ORDERS_VIEW = "work-orders-view"
    WORK_ORDERS_EDIT = "work-orders-edit"  # create, close, reopen
    PERSONAL_DATA = "personal-data"  # numbers in full (audited)
    RECORDINGS_LISTEN = "recordings-listen"  # play or download a call's recording (audited)
    FOLLOW_UPS = "follow-ups"  # call litigants back on sampled work orders, record the answers
    QUALITY_REVIEW = "quality-review"  # draw the weekly sample, review and override grades
    REPORTS_VIEW = "reports-view"  # daily, weekly and monthly reports
    KNOWLEDGE_READ = "knowledge-read"
    KNOWLEDGE_EDIT = "knowledge-edit"
    DIRECTORY_EDIT = "directory-edit"
    CONFIG_RELOAD = "config-reload"
    USERS_MANAGE = "users-manage"


class AuditAction(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login-failed"
    LOGOUT = "logout"
    PERSONAL_DATA_VIEWED = "personal-data-viewed"
    RECORDING_PLAYED = "recording-played"
    RECORDING_DOWNLOADED = "recording-downloaded"
    CONFIG_RELOADED = "config-reloaded"
    CONFIG_RELOAD_REFUSED = "config-reload-refused"
    SEAT_STATUS_CHANGED = "seat-status-changed"
    CALL_SUPERVISED = "call-supervised"  # a supervisor listened, whispered or barged in
    USER_CHANGED = "user-changed"


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role
    platform: str | None  # None: every platform (an HQ supervisor, an admin)
    seats: frozenset[str]  # the seats an agent may log in to; empty: any seat of the platform
    disabled: bool = False


@dataclass(frozen=True)
class Principal:
    """The one making a request: a signed-in user, or the service token (scripts, the CLI)."""

    user: User | None
    session_id: str | None = None

    @property
    def is_service(self) -> bool:
        return self.user is None

    @property
    def name(self) -> str:
        return self.user.username if self.user else "api-token"


@dataclass(frozen=True)
class Session:
    id: str  # the cookie value's hash, never the value itself
    user_id: int
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime

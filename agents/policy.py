"""Pure rules for what an agent may do with their status, and when the switch pauses a seat."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from agents.model import NO_ANSWER_REASON, AgentStatus


class StatusRequest(enum.StrEnum):
    LOGIN = "login"
    LOGOUT = "logout"
    PAUSE = "pause"
    RESUME = "resume"


class AgentError(Exception):
    """A status request that cannot be carried out; `code` is stable for the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class StatusDecision:
    status: AgentStatus
    reason: str | None
    changed: bool


DEFAULT_PAUSE_REASON = "break"


def decide_status(
    current: AgentStatus,
    current_reason: str | None,
    request: StatusRequest,
    reason: str | None,
    allowed_reasons: frozenset[str],
) -> StatusDecision:
    """The status after `request`; raises AgentError when the request makes no sense now."""
    match request:
        case StatusRequest.LOGIN:
            target, target_reason = AgentStatus.AVAILABLE, None
        case StatusRequest.LOGOUT:
            target, target_reason = AgentStatus.LOGGED_OUT, None
        case StatusRequest.PAUSE:
            if current is AgentStatus.LOGGED_OUT:
                raise AgentError("not-logged-in", "log in before pausing")
            target_reason = reason or DEFAULT_PAUSE_REASON
            if target_reason not in allowed_reasons and target_reason != NO_ANSWER_REASON:
                raise AgentError(
                    "unknown-pause-reason",
                    f"pause reason {target_reason!r} is not one of {sorted(allowed_reasons)}",
                )
            target = AgentStatus.PAUSED
        case StatusRequest.RESUME:
            if current is AgentStatus.LOGGED_OUT:
                raise AgentError("not-logged-in", "log in before resuming")
            target, target_reason = AgentStatus.AVAILABLE, None
    changed = (target, target_reason) != (current, current_reason)
    return StatusDecision(target, target_reason, changed)


def pauses_for_no_answer(consecutive_no_answers: int, limit: int) -> bool:
    """After `limit` offers in a row went unanswered the seat is paused (0: never)."""
    return limit > 0 and consecutive_no_answers >= limit


@dataclass(frozen=True)
class FeatureCodes:
    login: str = "*21"
    logout: str = "*22"
    pause: str = "*23"
    resume: str = "*24"


@dataclass(frozen=True)
class FeatureRequest:
    request: StatusRequest
    reason: str | None = None


def parse_feature_code(
    dialled: str, codes: FeatureCodes, pause_reasons: tuple[str, ...]
) -> FeatureRequest:
    """What a seat asked for by dialling `dialled` on its softphone. Raises AgentError.

    Pause may be followed by one digit: the reason's place in `pause_reasons` (1 = first).
    """
    exact = {
        codes.login: StatusRequest.LOGIN,
        codes.logout: StatusRequest.LOGOUT,
        codes.resume: StatusRequest.RESUME,
    }
    if dialled in exact:
        return FeatureRequest(exact[dialled])
    if dialled == codes.pause:
        return FeatureRequest(StatusRequest.PAUSE, pause_reasons[0] if pause_reasons else None)
    suffix = dialled.removeprefix(codes.pause)
    if suffix != dialled and len(suffix) == 1 and suffix.isdigit():
        index = int(suffix)
        if 1 <= index <= len(pause_reasons):
            return FeatureRequest(StatusRequest.PAUSE, pause_reasons[index - 1])
        raise AgentError(
            "unknown-pause-reason",
            f"pause reason {index} is not configured (1-{len(pause_reasons)})",
        )
    raise AgentError("unknown-feature-code", f"{dialled!r} is not a feature code")

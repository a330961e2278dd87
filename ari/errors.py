"""Errors raised by the ARI client and event stream, each with a stable code for logs and APIs."""

from __future__ import annotations


class AriError(Exception):
    """Root of the errors Asterisk's answers (or its silence) cause; misuse raises ValueError."""

    code: str = "ari-error"

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        asterisk_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.status = status
        self.asterisk_message = asterisk_message


class AriNotFound(AriError, LookupError):
    code = "ari-not-found"


class AriConflict(AriError):
    code = "ari-conflict"


class AriPreconditionFailed(AriConflict):
    """412: the resource exists but is in a state that forbids the operation."""

    code = "ari-precondition-failed"


class AriUnprocessable(AriError, ValueError):
    code = "ari-unprocessable"


class AriUnavailable(AriError):
    code = "ari-unavailable"


class AriUnauthorized(AriError):
    code = "ari-unauthorized"


class AriProtocolError(AriError, ValueError):
    """Asterisk sent something we cannot understand (an event, in this class's case)."""

    code = "ari-bad-event"


class AriBadResponse(AriProtocolError):
    code = "ari-bad-response"

"""The console's refusals, each with a stable code the API returns."""

from __future__ import annotations

from datetime import timedelta


class ConsoleError(Exception):
    code = "console-error"


class UserInvalid(ConsoleError, ValueError):
    code = "user-invalid"


class UserExists(ConsoleError):
    code = "user-exists"


class UserNotFound(ConsoleError, LookupError):
    code = "user-not-found"


class LoginFailed(ConsoleError):
    """Wrong name or password; deliberately does not say which."""

    code = "login-failed"


class LoginThrottled(ConsoleError):
    code = "login-throttled"

    def __init__(self, wait: timedelta) -> None:
        self.retry_after_s = max(1, int(wait.total_seconds() + 0.999))
        super().__init__(f"too many failed logins; try again in {self.retry_after_s} s")

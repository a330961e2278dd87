"""Local stand-ins for the hotline's real peers: Debian packages, Asterisk 22, PostgreSQL 15.

Everything here is standard-library only, so it runs with the system python3 before the
project's virtualenv exists.
"""


class SandboxError(RuntimeError):
    """A sandbox step failed; the message says what and, where known, why."""


__all__ = ["SandboxError"]

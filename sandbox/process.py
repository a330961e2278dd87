"""Running external commands for the sandbox, with progress lines and readable failures."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence

from sandbox import SandboxError


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def tail(text: str, lines: int = 20) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def require_root(action: str) -> None:
    if os.geteuid() != 0:
        raise SandboxError(f"must run as root to {action}")


def run(
    args: Sequence[str],
    *,
    what: str,
    timeout: float | None = 120,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run a command to completion and return its stdout; raise SandboxError if it fails."""
    full_env = None if env is None else {**os.environ, **env}
    try:
        completed = subprocess.run(
            list(args),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=full_env,
            check=False,
        )
    except FileNotFoundError as exc:
        raise SandboxError(f"{what}: {args[0]} is not installed ({exc})") from exc
    except subprocess.TimeoutExpired as exc:
        raise SandboxError(f"{what}: no answer within {timeout} s") from exc
    if completed.returncode != 0:
        output = tail(completed.stdout + "\n" + completed.stderr)
        raise SandboxError(f"{what} failed (exit {completed.returncode}):\n{output}")
    return completed.stdout

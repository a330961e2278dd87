"""Making sure the Debian packages the sandbox needs are installed, and finding the apt mirror."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from sandbox import SandboxError
from sandbox.process import progress, require_root, tail

REQUIRED_PACKAGES: tuple[str, ...] = (
    "mmdebstrap",
    "sip-tester",
    "espeak-ng",
    "sox",
    "postgresql",
    "python3-venv",
    "ca-certificates",
    # Headless browser tests of the console and the judge's reply page (Playwright drives
    # /usr/bin/chromium), and a small CJK font so screenshots show Chinese, not empty boxes.
    "chromium",
    "fonts-wqy-microhei",
)

# Output of apt when it could not reach the mirror at all, as opposed to a broken package.
_UNREACHABLE = re.compile(
    r"Could not resolve|Temporary failure resolving|Failed to fetch|Could not connect|"
    r"Connection failed|Network is unreachable|Unable to connect",
)

_APT_ENV = {"DEBIAN_FRONTEND": "noninteractive"}


def is_installed(package: str) -> bool:
    completed = subprocess.run(
        ["dpkg-query", "-W", "-f=${db:Status-Status}", package],
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.returncode == 0 and completed.stdout.strip() == "installed"


def missing_packages(packages: tuple[str, ...] = REQUIRED_PACKAGES) -> list[str]:
    return [package for package in packages if not is_installed(package)]


def ensure_packages(packages: tuple[str, ...] = REQUIRED_PACKAGES) -> list[str]:
    """Install whichever of `packages` are missing; return the ones that were installed."""
    missing = missing_packages(packages)
    if not missing:
        return []
    require_root(f"install Debian packages ({', '.join(missing)})")
    progress(f"debian packages: installing {', '.join(missing)} (about a minute)...")
    _apt(["apt-get", "update"], "apt-get update")
    _apt(["apt-get", "install", "-y", *missing], "apt-get install")
    still_missing = missing_packages(tuple(missing))
    if still_missing:
        raise SandboxError(f"apt-get reported success but these are missing: {still_missing}")
    return missing


def _apt(args: list[str], what: str) -> None:
    completed = subprocess.run(
        args,
        capture_output=True,
        text=True,
        env={**os.environ, **_APT_ENV},
        check=False,
    )
    output = completed.stdout + "\n" + completed.stderr
    # apt-get update exits 0 even when every source failed; the W:/E: lines tell.
    if completed.returncode != 0 or _UNREACHABLE.search(output):
        if _UNREACHABLE.search(output):
            raise SandboxError(f"the Debian package registry is unreachable: {tail(output, 8)}")
        raise SandboxError(f"{what} failed (exit {completed.returncode}): {tail(output, 8)}")


def debian_mirror(
    sources_dir: Path = Path("/etc/apt/sources.list.d"),
    sources_list: Path = Path("/etc/apt/sources.list"),
) -> str:
    """The main Debian archive this machine's apt uses (never the security archive)."""
    candidates: list[tuple[str, str]] = []  # (uri, suite)
    for path in sorted(sources_dir.glob("*.sources")):
        candidates.extend(_deb822_sources(path.read_text(encoding="utf-8")))
    lists = [sources_list, *sorted(sources_dir.glob("*.list"))]
    for path in lists:
        if path.is_file():
            candidates.extend(_one_line_sources(path.read_text(encoding="utf-8")))
    for uri, suite in candidates:
        if "security" not in suite and "security" not in uri:
            return uri.rstrip("/")
    raise SandboxError(
        "no Debian mirror found in the apt sources "
        f"({sources_dir}/*.sources URIs: lines or {sources_list} deb lines)"
    )


def _deb822_sources(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "deb").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        suites = fields.get("suites", "")
        found.extend((uri, suites) for uri in fields.get("uris", "").split())
    return found


def _one_line_sources(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for line in text.splitlines():
        line = re.sub(r"\[[^]]*\]", " ", line.split("#", 1)[0])
        words = line.split()
        if len(words) >= 3 and words[0] == "deb":
            found.append((words[1], words[2]))
    return found

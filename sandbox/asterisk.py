"""A real Asterisk 22 for development and tests: a Debian-unstable root run with chroot.

Debian 12 ships no Asterisk, so `build_root` bootstraps a sid root holding it once and keeps
it in a cache dir. `AsteriskInstance` runs an isolated Asterisk inside that shared root: each
instance owns /srv/hotline/<name>/ (config, run, spool, logs, db), so a developer's instance
and the test suite's can run at the same time on different ports.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sandbox import SandboxError
from sandbox.asterisk_config import (
    DEFAULT_MODULE_DIR,
    AsteriskSettings,
    CarrierTrunk,
    InstanceLayout,
    SeatAccount,
    render_config,
)
from sandbox.debian import debian_mirror
from sandbox.process import progress, require_root, run, tail

__all__ = [
    "DEFAULT_ROOT",
    "AsteriskInstance",
    "AsteriskSettings",
    "CarrierTrunk",
    "ChrootPath",
    "SeatAccount",
    "build_root",
]

DEFAULT_ROOT = Path(os.environ.get("HOTLINE_ASTERISK_ROOT", "/var/cache/hotline/asterisk-root"))
MARKER = ".hotline-root-ok"
ROOT_PACKAGES = ("asterisk", "asterisk-modules", "asterisk-core-sounds-en-gsm")


def build_root(root: Path = DEFAULT_ROOT) -> Path:
    """Return a Debian-sid root with Asterisk 22 at `root`, building it if not already there."""
    if (root / MARKER).is_file():
        refresh_hosts(root)
        return root
    require_root("build the Asterisk sandbox")
    if shutil.which("mmdebstrap") is None:
        raise SandboxError("mmdebstrap is not installed; run `python3 -m sandbox debs` first")
    mirror = debian_mirror()
    partial = root.with_suffix(".partial")
    if partial.exists():
        shutil.rmtree(partial)
    root.parent.mkdir(parents=True, exist_ok=True)
    progress(
        f"asterisk sandbox: building Debian-unstable root with Asterisk 22 at {root} "
        "(about 30 s)..."
    )
    started = time.monotonic()
    args = [
        "mmdebstrap",
        "--variant=apt",
        f"--include={','.join(ROOT_PACKAGES)}",
        "--components=main",
        # The mirror's sid Release file is routinely past its Valid-Until date.
        '--aptopt=Acquire::Check-Valid-Until "false"',
        "sid",
        str(partial),
        f"deb {mirror} sid main",
    ]
    completed = subprocess.run(args, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        output = completed.stdout + "\n" + completed.stderr
        shutil.rmtree(partial, ignore_errors=True)
        if any(
            sign in output
            for sign in (
                "Could not resolve",
                "Failed to fetch",
                "Could not connect",
                "Unable to connect",
            )
        ):
            raise SandboxError(f"the Debian package registry is unreachable: {tail(output, 8)}")
        raise SandboxError(f"mmdebstrap failed (exit {completed.returncode}):\n{tail(output)}")
    version = run(
        ["chroot", str(partial), "dpkg-query", "-W", "-f=${Version}", "asterisk"],
        what="reading the Asterisk version in the new root",
    ).strip()
    (partial / MARKER).write_text(version + "\n", encoding="utf-8")
    if root.exists():
        # A root without the marker is a broken earlier build.
        shutil.rmtree(root)
    partial.rename(root)
    refresh_hosts(root)
    progress(
        f"asterisk sandbox: root ready with Asterisk {version} "
        f"in {time.monotonic() - started:.0f} s"
    )
    return root


def refresh_hosts(root: Path) -> None:
    # Without the host's /etc/hosts Asterisk looks up its own hostname on every call; with no
    # network those lookups stall and it stops answering INVITEs under load.
    shutil.copyfile("/etc/hosts", root / "etc" / "hosts")


def asterisk_version(root: Path = DEFAULT_ROOT) -> str:
    marker = root / MARKER
    return marker.read_text(encoding="utf-8").strip() if marker.is_file() else ""


def make_hold_music(moh: Path) -> None:
    """The default music-on-hold class: a short, quiet, repeating melody (8 kHz WAV)."""
    if any(moh.glob("*.wav")):
        return
    if shutil.which("sox") is None:
        raise SandboxError("sox is not installed; run `python3 -m sandbox debs` first")
    # A slow plucked C-major arpeggio, quiet, with a rest before it repeats.
    notes = ("C4", "E4", "G4", "C5", "G4", "E4")
    telephone_wav = ["-r", "8000", "-c", "1", "-b", "16"]
    work = moh / ".making"
    work.mkdir(exist_ok=True)
    try:
        parts: list[str] = []
        for index, note in enumerate(notes):
            part = str(work / f"{index}.wav")
            pluck = ["synth", "0.55", "pluck", note, "fade", "0", "0.55", "0.25"]
            run(["sox", "-n", *telephone_wav, part, *pluck], what="making hold music")
            parts.append(part)
        rest = str(work / "rest.wav")
        run(["sox", "-n", *telephone_wav, rest, "trim", "0", "1.2"], what="making hold music")
        target = str(moh / "hotline-hold.wav")
        run(["sox", *parts, rest, target, "gain", "-n", "-14"], what="making hold music")
    finally:
        shutil.rmtree(work, ignore_errors=True)


@dataclass(frozen=True)
class ChrootPath:
    """One location seen two ways: `inner` for Asterisk and ARI, `host` for the controller."""

    inner: PurePosixPath
    host: Path


class AsteriskInstance:
    """One isolated Asterisk process inside the shared root."""

    def __init__(self, name: str, settings: AsteriskSettings, root: Path = DEFAULT_ROOT) -> None:
        self.layout = InstanceLayout(name)
        self.name = name
        self.settings = settings
        self.root = root
        self._process: subprocess.Popen[bytes] | None = None

    # ---- paths

    def host_path(self, inner: str | PurePosixPath) -> Path:
        inner_path = PurePosixPath(inner)
        if not inner_path.is_absolute():
            raise SandboxError(f"{inner!r} is not an absolute path inside the root")
        return self.root.joinpath(*inner_path.parts[1:])

    def _dir(self, kind: str) -> ChrootPath:
        inner = self.layout.dir(kind)
        return ChrootPath(inner, self.host_path(inner))

    @property
    def base_dir(self) -> ChrootPath:
        return ChrootPath(self.layout.base, self.host_path(self.layout.base))

    @property
    def recording_dir(self) -> ChrootPath:
        inner = self.layout.recording_dir
        return ChrootPath(inner, self.host_path(inner))

    @property
    def prompts_dir(self) -> ChrootPath:
        return self._dir("prompts")

    @property
    def moh_dir(self) -> ChrootPath:
        return self._dir("moh")

    @property
    def log_dir(self) -> ChrootPath:
        return self._dir("log")

    @property
    def console_log(self) -> Path:
        return self._dir("log").host / "console.log"

    @property
    def pid_file(self) -> Path:
        return self._dir("run").host / "asterisk.pid"

    # ---- install

    def install(self) -> None:
        """Render the config for the current settings and prepare the instance's dirs."""
        require_root("install an Asterisk sandbox instance")
        build_root(self.root)
        uid, gid = self._asterisk_ids()
        base = self.base_dir.host
        base.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        base.mkdir(mode=0o750, exist_ok=True)
        os.chown(base, 0, gid)
        for kind in self.layout.dir_kinds:
            self._dir(kind).host.mkdir(mode=0o750, exist_ok=True)
        self.recording_dir.host.mkdir(mode=0o750, exist_ok=True)
        render_config(self.settings, self.layout, self._dir("etc").host, self._module_dir())
        make_hold_music(self.moh_dir.host)
        # Not recursive over everything: recordings pile up, and Asterisk owns what it wrote.
        owned = [self._dir(kind).host for kind in self.layout.dir_kinds]
        owned += [self.recording_dir.host, *self._dir("etc").host.iterdir()]
        owned += list(self.moh_dir.host.iterdir())
        for path in owned:
            os.chown(path, uid, gid, follow_symlinks=False)

    def _asterisk_ids(self) -> tuple[int, int]:
        passwd = self.root / "etc" / "passwd"
        for line in passwd.read_text(encoding="utf-8").splitlines():
            fields = line.split(":")
            if fields[0] == "asterisk" and len(fields) > 3:
                return int(fields[2]), int(fields[3])
        raise SandboxError(f"no asterisk user in {passwd}; the root is incomplete, rebuild it")

    def _module_dir(self) -> str:
        found = sorted(self.root.glob("usr/lib/*/asterisk/modules"))
        if not found:
            return DEFAULT_MODULE_DIR
        return "/" + str(found[0].relative_to(self.root))

    # ---- process control

    def _asterisk_args(self, *extra: str) -> list[str]:
        return ["chroot", str(self.root), "asterisk", "-C", str(self.layout.asterisk_conf), *extra]

    def start(self, timeout: float = 30) -> None:
        """Start Asterisk with freshly rendered config and wait until ARI answers."""
        if self.is_running():
            progress(f"asterisk sandbox: instance {self.name} was still running; restarting it")
            self.stop()
        self.install()
        refresh_hosts(self.root)
        self._check_ports_free()
        progress(
            f"asterisk sandbox: starting instance {self.name} "
            f"(SIP {self.settings.sip_address}:{self.settings.sip_port}, "
            f"ARI 127.0.0.1:{self.settings.http_port})..."
        )
        started = time.monotonic()
        # Truncated per start so a failure report shows this run only.
        with self.console_log.open("wb") as log:
            self._process = subprocess.Popen(
                self._asterisk_args("-U", "asterisk", "-G", "asterisk", "-f"),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = started + timeout
        while True:
            exit_code = self._process.poll()
            if exit_code is not None:
                self._process = None
                raise SandboxError(
                    f"Asterisk instance {self.name} exited with code {exit_code} during start; "
                    f"{self.console_log}:\n{self._log_tail()}"
                )
            if self._ari_ready():
                # ARI can answer while later modules (PJSIP transports) are still loading.
                self.cli("core waitfullybooted", timeout=max(deadline - time.monotonic(), 1))
                break
            if time.monotonic() > deadline:
                log_tail = self._log_tail()
                self.stop()
                raise SandboxError(
                    f"Asterisk instance {self.name}: ARI did not answer on port "
                    f"{self.settings.http_port} within {timeout} s; log:\n{log_tail}"
                )
            time.sleep(0.2)
        progress(
            f"asterisk sandbox: instance {self.name} ready in {time.monotonic() - started:.1f} s"
        )

    def _check_ports_free(self) -> None:
        checks = (
            (socket.SOCK_STREAM, "127.0.0.1", self.settings.http_port, "ARI HTTP"),
            (socket.SOCK_DGRAM, self.settings.sip_address, self.settings.sip_port, "SIP UDP"),
            (socket.SOCK_STREAM, self.settings.sip_address, self.settings.sip_port, "SIP TCP"),
        )
        for kind, address, port, label in checks:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            with socket.socket(family, kind) as probe:
                if kind == socket.SOCK_STREAM:
                    # Asterisk sets it too; without it our own ARI probes in TIME_WAIT count.
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind((address, port))
                except OSError as exc:
                    raise SandboxError(
                        f"{label} port {address}:{port} for Asterisk instance {self.name} is "
                        f"already in use ({exc.strerror}); another instance or program holds it"
                    ) from exc

    def _ari_ready(self) -> bool:
        credentials = f"{self.settings.ari_username}:{self.settings.ari_password}"
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.settings.http_port}/ari/asterisk/info",
            headers={"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()},
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                return bool(response.status == 200)
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                raise SandboxError(
                    f"Asterisk instance {self.name}: ARI on port {self.settings.http_port} "
                    "rejects our credentials; is another instance using that port?"
                ) from exc
            return False
        except (urllib.error.URLError, OSError):
            return False

    def _log_tail(self) -> str:
        texts = []
        for path in (self.console_log, self.log_dir.host / "messages.log"):
            if path.is_file():
                texts.append(tail(path.read_text(encoding="utf-8", errors="replace"), 15))
        return "\n".join(texts) or "(no log output)"

    def _running_pid(self) -> int | None:
        if self._process is not None:
            if self._process.poll() is None:
                return self._process.pid
            self._process = None
        try:
            pid = int(self.pid_file.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return None
        # Guard against a recycled pid: it must be an Asterisk using this instance's config.
        if str(self.layout.asterisk_conf).encode() in cmdline and any(
            part.endswith(b"asterisk") for part in cmdline
        ):
            return pid
        return None

    def is_running(self) -> bool:
        return self._running_pid() is not None

    def stop(self, timeout: float = 10) -> None:
        """Stop gracefully (`core stop now`), then by signal if Asterisk does not go."""
        pid = self._running_pid()
        if pid is None:
            return
        with contextlib.suppress(SandboxError):
            self.cli("core stop now", timeout=timeout)
        if self._wait_gone(pid, timeout):
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            self._signal(pid, sig)
            if self._wait_gone(pid, 5):
                return
        raise SandboxError(f"Asterisk instance {self.name} (pid {pid}) survived SIGKILL")

    def _signal(self, pid: int, sig: signal.Signals) -> None:
        try:
            # Only a group we started (pid leads its own session) is signalled as a group.
            if os.getpgid(pid) == pid and pid != os.getpgrp():
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        except ProcessLookupError:
            pass

    def _wait_gone(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        process = self._process
        while time.monotonic() < deadline:
            if process is not None and process.pid == pid:
                if process.poll() is not None:
                    self._process = None
                    return True
            elif not Path(f"/proc/{pid}").exists():
                return True
            time.sleep(0.1)
        return False

    def cli(self, command: str, timeout: float = 15) -> str:
        """Run one Asterisk CLI command in this instance and return its output."""
        if not self.is_running():
            raise SandboxError(f"Asterisk instance {self.name} is not running")
        return run(
            self._asterisk_args("-rx", command),
            what=f"asterisk -rx {command!r} in instance {self.name}",
            timeout=timeout,
        )

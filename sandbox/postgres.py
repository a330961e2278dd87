"""A private PostgreSQL 15 cluster for development and tests, owned by this project alone.

It listens on 127.0.0.1 at its own port with its own socket dir, so it neither needs nor
disturbs the machine's main cluster. initdb refuses to run as root, so as root every server
command runs as the `postgres` OS user.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
from pathlib import Path

from sandbox import SandboxError
from sandbox.process import progress, run, tail

PG_BIN = Path(os.environ.get("HOTLINE_PG_BIN", "/usr/lib/postgresql/15/bin"))
ROLE = "hotline"
DATABASE = "hotline"
SETTINGS_FILE = "hotline.conf"


class LocalCluster:
    def __init__(self, data_dir: Path, port: int, secrets_path: Path | None = None) -> None:
        if not 1024 <= port <= 65535:
            raise SandboxError(f"PostgreSQL port {port} must be within 1024..65535")
        self.data_dir = data_dir.resolve()
        self.port = port
        self.secrets_path = secrets_path or self.data_dir.parent / "postgres-password"
        self.socket_dir = self.data_dir.parent / f"{self.data_dir.name}-socket"
        # The server's OS user: `postgres` when we are root, else whoever runs us.
        self.os_user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        # Unix socket paths are limited to 107 bytes.
        if len(str(self.socket_dir / f".s.PGSQL.{port}.lock")) > 100:
            raise SandboxError(f"{self.socket_dir} is too long a path for a Unix socket")

    # ---- helpers

    def _as_owner(self, args: list[str]) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", self.os_user, "--", *args]
        return args

    def _owner_ids(self) -> tuple[int, int]:
        try:
            entry = pwd.getpwnam(self.os_user)
        except KeyError as exc:
            raise SandboxError(
                f"OS user {self.os_user!r} is missing; install PostgreSQL 15 "
                "(`python3 -m sandbox debs`)"
            ) from exc
        return entry.pw_uid, entry.pw_gid

    def _pg(self, tool: str) -> str:
        path = PG_BIN / tool
        if not path.is_file():
            raise SandboxError(
                f"{path} not found; install PostgreSQL 15 (`python3 -m sandbox debs`)"
            )
        return str(path)

    def _owned_dir(self, path: Path, mode: int) -> None:
        uid, gid = self._owner_ids()
        path.mkdir(mode=mode, exist_ok=True)
        os.chown(path, uid, gid)
        path.chmod(mode)

    # ---- lifecycle

    def ensure(self) -> None:
        """Create the cluster, role and database if absent; refresh its settings."""
        parent = self.data_dir.parent
        parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        self._owned_dir(self.socket_dir, 0o755)
        if not (self.data_dir / "PG_VERSION").is_file():
            self._create()
        self._write_settings(self.data_dir)
        if not self.secrets_path.is_file():
            # The cluster survived but its password file did not: issue a new password.
            password = secrets.token_urlsafe(24)
            self._execute_sql(f"ALTER ROLE {ROLE} PASSWORD '{password}'")
            self._save_password(password)

    def _create(self) -> None:
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise SandboxError(
                f"{self.data_dir} exists but holds no PostgreSQL cluster; move it away first"
            )
        progress(f"postgres sandbox: creating a PostgreSQL 15 cluster in {self.data_dir}...")
        partial = self.data_dir.with_name(self.data_dir.name + ".partial")
        if partial.exists():
            shutil.rmtree(partial)
        self._owned_dir(partial, 0o700)
        run(
            self._as_owner(
                [
                    self._pg("initdb"),
                    "-D",
                    str(partial),
                    "-U",
                    self.os_user,
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--auth-local=peer",
                    "--auth-host=scram-sha-256",
                    "--no-instructions",
                ]
            ),
            what="initdb",
        )
        self._write_settings(partial)
        password = secrets.token_urlsafe(24)
        # Single-user mode: provisioning needs no running server and opens no port.
        self._single_user_sql(
            partial,
            [
                f"CREATE ROLE {ROLE} LOGIN PASSWORD '{password}'",
                f"CREATE DATABASE {DATABASE} OWNER {ROLE}",
            ],
        )
        self._save_password(password)
        if self.data_dir.exists():
            self.data_dir.rmdir()
        # Renamed only once complete: a data dir that exists is a usable cluster.
        partial.rename(self.data_dir)

    def _write_settings(self, data_dir: Path) -> None:
        settings = (
            "# Written by sandbox/postgres.py on every ensure(); edit the code, not this file.\n"
            "listen_addresses = '127.0.0.1'\n"
            f"port = {self.port}\n"
            f"unix_socket_directories = '{self.socket_dir}'\n"
            "password_encryption = 'scram-sha-256'\n"
            "# A sandbox: losing the last transactions in a crash is fine, slow tests are not.\n"
            "synchronous_commit = off\n"
        )
        uid, gid = self._owner_ids()
        target = data_dir / SETTINGS_FILE
        target.write_text(settings, encoding="utf-8")
        os.chown(target, uid, gid)
        main_conf = data_dir / "postgresql.conf"
        include = f"include_if_exists = '{SETTINGS_FILE}'"
        text = main_conf.read_text(encoding="utf-8")
        if include not in text:
            main_conf.write_text(text + f"\n{include}\n", encoding="utf-8")

    def _single_user_sql(self, data_dir: Path, statements: list[str]) -> None:
        completed = subprocess.run(
            self._as_owner([self._pg("postgres"), "--single", "-D", str(data_dir), "postgres"]),
            input="".join(f"{statement};\n" for statement in statements),
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        output = completed.stdout + completed.stderr
        if completed.returncode != 0 or "ERROR:" in output:
            # The statements hold a password: show PostgreSQL's complaint, not our input.
            errors = [line for line in output.splitlines() if "ERROR" in line or "FATAL" in line]
            raise SandboxError("provisioning the PostgreSQL cluster failed: " + "\n".join(errors))

    def _execute_sql(self, statement: str) -> None:
        if self.is_running():
            completed = subprocess.run(
                self._as_owner(
                    [
                        self._pg("psql"),
                        "-h",
                        str(self.socket_dir),
                        "-p",
                        str(self.port),
                        "-d",
                        "postgres",
                        "-v",
                        "ON_ERROR_STOP=1",
                        "-q",
                    ]
                ),
                input=statement + ";\n",
                capture_output=True,
                text=True,
                check=False,
                timeout=30,
            )
            if completed.returncode != 0:
                raise SandboxError(f"psql failed: {tail(completed.stderr, 5)}")
        else:
            self._single_user_sql(self.data_dir, [statement])

    def _save_password(self, password: str) -> None:
        self.secrets_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.secrets_path.with_name(self.secrets_path.name + ".new")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(password + "\n")
        temporary.replace(self.secrets_path)

    def start(self, timeout: float = 15) -> None:
        """Start the cluster (creating it first if needed) and wait until it accepts logins."""
        self.ensure()
        if self.is_running():
            return
        self._check_port_free()
        log = self.data_dir / "server.log"
        completed = subprocess.run(
            self._as_owner(
                [
                    self._pg("pg_ctl"),
                    "start",
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    str(max(int(timeout), 1)),
                    "-s",
                ]
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            log_tail = tail(log.read_text(encoding="utf-8", errors="replace"), 10)
            raise SandboxError(
                f"PostgreSQL in {self.data_dir} did not start on port {self.port}: "
                f"{tail(completed.stderr, 5)}\n{log_tail}"
            )

    def _check_port_free(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", self.port))
            except OSError as exc:
                raise SandboxError(
                    f"port 127.0.0.1:{self.port} for PostgreSQL is already in use ({exc.strerror})"
                ) from exc

    def stop(self, timeout: float = 30) -> None:
        if not self.is_running():
            return
        run(
            self._as_owner(
                [
                    self._pg("pg_ctl"),
                    "stop",
                    "-D",
                    str(self.data_dir),
                    "-m",
                    "fast",
                    "-w",
                    "-t",
                    str(max(int(timeout), 1)),
                    "-s",
                ]
            ),
            what=f"stopping PostgreSQL in {self.data_dir}",
            timeout=timeout + 5,
        )

    def is_running(self) -> bool:
        if not (self.data_dir / "PG_VERSION").is_file():
            return False
        completed = subprocess.run(
            self._as_owner([self._pg("pg_ctl"), "status", "-D", str(self.data_dir)]),
            capture_output=True,
            text=True,
            check=False,
        )
        return completed.returncode == 0

    def connect_params(self) -> dict[str, str | int]:
        """Parameters for asyncpg.connect()/create_pool(); includes the password."""
        try:
            password = self.secrets_path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SandboxError(
                f"no PostgreSQL password at {self.secrets_path}; run ensure() or start() first"
            ) from exc
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "user": ROLE,
            "database": DATABASE,
            "password": password,
        }

"""The local stack for development and tests: Asterisk in its sandbox and a private PostgreSQL."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from secrets import randbelow, token_urlsafe
from typing import Any

from config.schema import HotlineConfig
from config.secrets import SecretStore
from console.model import Role
from console.service import ConsoleService
from hotline.settings import Locations
from ivr.prompts import build_prompts
from sandbox.asterisk import (
    AsteriskInstance,
    AsteriskSettings,
    CarrierTrunk,
    SeatAccount,
    build_root,
)
from sandbox.postgres import LocalCluster


def ensure_secrets(config: HotlineConfig, secrets: SecretStore) -> list[str]:
    """Generate every missing `secret:` value the config refers to; returns their names."""
    references = [
        config.asterisk.ari_password,
        config.hotline.api_token,
        config.work_orders.link_secret,
        *(seat.password for seat in config.seats),
    ]
    if config.database.password:
        references.append(config.database.password)
    return [str(reference) for reference in references if secrets.ensure(reference)]


def asterisk_settings(config: HotlineConfig, secrets: SecretStore) -> AsteriskSettings:
    return AsteriskSettings(
        app=config.hotline.app,
        sip_address=config.asterisk.sip_address,
        sip_port=config.asterisk.sip_port,
        http_port=config.asterisk.http_port,
        ari_username=config.asterisk.ari_username,
        ari_password=secrets.resolve(config.asterisk.ari_password),
        numbers=tuple(config.routed_numbers()),
        carriers=tuple(
            CarrierTrunk(c.name, c.address, c.outbound) for c in config.asterisk.carriers
        ),
        seats=tuple(
            SeatAccount(seat.id, secrets.resolve(seat.password), seat.name) for seat in config.seats
        ),
    )


@dataclass
class LocalStack:
    asterisk: AsteriskInstance
    postgres: LocalCluster | None  # None when HOTLINE_DATABASE_URL names another server
    locations: Locations

    def database(self) -> dict[str, Any] | None:
        return dict(self.postgres.connect_params()) if self.postgres else None

    def stop(self) -> None:
        self.asterisk.stop()
        if self.postgres:
            self.postgres.stop()


LOCAL_POSTGRES_PORT = 54368


def local_cluster(
    var_dir: Path, secrets: SecretStore, instance: str = "run", port: int = LOCAL_POSTGRES_PORT
) -> LocalCluster:
    """The private PostgreSQL cluster `hotline run --sandbox` keeps under the var dir."""
    return LocalCluster(
        var_dir / f"postgres-{instance}", port, secrets.directory / f"postgres-{instance}"
    )


def progress(message: str) -> None:
    print(f"hotline: {message}", file=sys.stderr, flush=True)


def start_local_stack(
    config: HotlineConfig,
    config_dir: Path,
    secrets: SecretStore,
    var_dir: Path,
    *,
    recordings_store_dir: Path,
    instance: str = "run",
    postgres_port: int = LOCAL_POSTGRES_PORT,
    with_postgres: bool = True,
) -> LocalStack:
    """Bring up PostgreSQL and Asterisk (the sandbox is built on first use), prompts in place."""
    created = ensure_secrets(config, secrets)
    if created:
        progress(f"generated {len(created)} secrets in {secrets.directory}")
    postgres = None
    if with_postgres:
        progress("starting PostgreSQL")
        postgres = local_cluster(var_dir, secrets, instance, postgres_port)
        postgres.ensure()
        postgres.start()
    try:
        build_root()
        asterisk = AsteriskInstance(instance, asterisk_settings(config, secrets))
        asterisk.install()
        progress("building prompts (espeak-ng Mandarin)")
        build_prompts(config.prompts, asterisk.prompts_dir.host, base_dir=config_dir)
        progress("starting Asterisk")
        asterisk.start()
    except BaseException:
        if postgres:
            postgres.stop()
        raise
    locations = Locations(
        prompts_dir=asterisk.prompts_dir.host,
        prompts_asterisk_dir=str(asterisk.prompts_dir.inner),
        recordings_spool_dir=asterisk.recording_dir.host,
        recordings_store_dir=recordings_store_dir,
    )
    return LocalStack(asterisk, postgres, locations)


# The sandbox's console accounts: (username, name, role, platform or None = every platform).
SANDBOX_ACCOUNTS = (
    ("admin", "管理员", "admin", None),
    ("banzhang", "值班班长", "supervisor", None),
    ("zuoxi", "坐席话务员", "agent", "hq"),
)


async def ensure_sandbox_accounts(
    console: ConsoleService, config: HotlineConfig, secrets: SecretStore
) -> list[tuple[str, Path]]:
    """On a sandbox with no console account yet: an admin, an HQ supervisor and an agent of the
    HQ platform, each with a generated password in the secrets dir (never printed)."""
    if await console.has_users():
        return []
    hq = next(p.id for p in config.platforms if p.kind.value == "hq")
    created = []
    secrets.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for username, name, role, platform in SANDBOX_ACCOUNTS:
        path = secrets.directory / f"console-{username}"
        if not path.exists():
            # Letters, digits and a sign: always passes the console's password rule.
            password = f"{token_urlsafe(12)}-{randbelow(90) + 10}"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(password + "\n")
        password = path.read_text(encoding="utf-8").strip()
        await console.add_user(
            username, name, Role(role), password, platform=hq if platform == "hq" else None
        )
        created.append((username, path))
    return created

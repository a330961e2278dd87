"""The local stack for development and tests: Asterisk in its sandbox and a private PostgreSQL."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.schema import HotlineConfig
from config.secrets import SecretStore
from hotline.app import Locations
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

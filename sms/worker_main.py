"""Run SMS delivery on its own, without the switch: `python -m sms.worker_main --help`.

For a deployment that sends SMS from a separate process, and for the recovery test that kills
one. The database URL comes from HOTLINE_DATABASE_URL (it holds a password: not on the command
line, where `ps` shows it); the gateway secret from a file (mode 0600).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import structlog
from pydantic import ValidationError

from config.schema import SecretReference
from config.secrets import SecretMissingError, SecretStore
from hotline.logs import configure_logging
from sms.config import SmsSection
from sms.gateway import gateway_from_config
from sms.service import DeliverySettings, SmsDelivery
from store.database import StoreError, create_pool, migrate

log = structlog.get_logger(__name__)

DATABASE_URL_VARIABLE = "HOTLINE_DATABASE_URL"


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sms.worker_main", description="Deliver the SMS outbox to an HTTP gateway."
    )
    parser.add_argument("--gateway-url", required=True)
    parser.add_argument("--secret-file", required=True, type=Path)
    parser.add_argument("--timeout-s", type=float, default=5.0)
    parser.add_argument("--lease-s", type=int, default=60)
    parser.add_argument("--max-attempts", type=int, default=8)
    parser.add_argument("--backoff-first-s", type=float, default=5.0)
    parser.add_argument("--backoff-max-s", type=float, default=600.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--stop-grace-s", type=float, default=5.0)
    return parser.parse_args(argv)


async def run(arguments: argparse.Namespace, database_url: str) -> None:
    secret_file: Path = arguments.secret_file.resolve()
    section = SmsSection(
        gateway="http",
        url=arguments.gateway_url,
        secret=SecretReference(f"secret:{secret_file.name}"),
        timeout_s=arguments.timeout_s,
        lease_s=arguments.lease_s,
        max_attempts=arguments.max_attempts,
        backoff_first_s=arguments.backoff_first_s,
        backoff_max_s=arguments.backoff_max_s,
        workers=arguments.workers,
        batch=arguments.batch,
    )
    gateway = gateway_from_config(section, SecretStore(secret_file.parent))
    # The listener holds one connection; each worker's batch settles over a few more.
    pool = await create_pool({"dsn": database_url}, max_size=2 + 2 * section.workers)
    try:
        await migrate(pool)
        delivery = SmsDelivery(pool, gateway, DeliverySettings.from_section(section))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, stop.set)
        await delivery.start()
        log.info("sms delivery running", gateway_url=section.url, workers=section.workers)
        await stop.wait()
        await delivery.stop(arguments.stop_grace_s)
    finally:
        await gateway.close()
        await pool.close()


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    configure_logging(json=True)
    database_url = os.environ.get(DATABASE_URL_VARIABLE)
    if not database_url:
        print(f"error: set {DATABASE_URL_VARIABLE} to the PostgreSQL URL", file=sys.stderr)
        return 2
    try:
        asyncio.run(run(arguments, database_url))
    except ValidationError as exc:
        # Field and message only: pydantic's own text repeats the input, a URL included.
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "sms"
            print(f"error: {where}: {error['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        return 2
    except (SecretMissingError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

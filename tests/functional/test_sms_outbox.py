"""The SMS outbox on a real PostgreSQL against the test SMS sink: messages leave only with their
transaction, are retried through outages, refused for good when the gateway says so, shared by
several workers without being sent twice, and survive a worker process killed mid-delivery."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import pytest

from sms.gateway import HttpGateway, SmsGateway
from sms.model import DeliveryResult, OutboxMessage
from sms.outbox import enqueue
from sms.policy import RetryPolicy
from sms.service import DeliverySettings, SmsDelivery, utc_now
from store.database import create_pool, migrate
from tests.conftest import REPO
from tests.sms_sink import SINK_SECRET, SmsSink
from tests.support import eventually, fetch

FAST_RETRY = RetryPolicy(
    max_attempts=20, first_delay=timedelta(seconds=0.1), max_delay=timedelta(seconds=0.5)
)
# idle_check_s stays at its production value: a message goes out because a notification or a
# timer woke a worker, never because a poll happened to come by.
SETTINGS = DeliverySettings(workers=2, batch=10, lease_s=2, retry=FAST_RETRY)
GATEWAY_TIMEOUT_S = 1.0


def key(number: int) -> str:
    return f"work-order-{number}-dispatch"


def message(number: int) -> OutboxMessage:
    return OutboxMessage(
        idempotency_key=key(number),
        to=f"1381234{number:04d}",
        text=f"工单 {number}：请今天回电当事人。",
        kind="dispatch",
        reference=f"work-order:{number}",
    )


class RolledBack(Exception):
    """Raised inside a caller's transaction to undo it."""


async def enqueue_committed(pool: asyncpg.Pool, messages: Iterable[OutboxMessage]) -> None:
    async with pool.acquire() as connection, connection.transaction():
        for each in messages:
            assert await enqueue(connection, each, utc_now())


async def enqueue_rolled_back(pool: asyncpg.Pool, queued: OutboxMessage) -> None:
    """Queue a message, then fail the caller's transaction as a failing work order would."""
    async with pool.acquire() as connection, connection.transaction():
        assert await enqueue(connection, queued, utc_now())
        raise RolledBack


async def outbox(database: dict[str, Any]) -> dict[str, asyncpg.Record]:
    rows = await fetch(database, "SELECT * FROM sms_outbox ORDER BY id")
    return {row["idempotency_key"]: row for row in rows}


async def settled(
    database: dict[str, Any], expected: dict[str, str], seconds: float = 10
) -> dict[str, asyncpg.Record]:
    """The outbox rows once each key in `expected` has reached its state there."""
    rows: dict[str, asyncpg.Record] = {}
    try:
        async with asyncio.timeout(seconds):
            while True:
                rows = await outbox(database)
                if all(k in rows and rows[k]["state"] == s for k, s in expected.items()):
                    return rows
                await asyncio.sleep(0.05)
    except TimeoutError:
        states = {k: row["state"] for k, row in rows.items()}
        raise AssertionError(f"not settled within {seconds}s: {states}") from None


@dataclass
class CountingGateway:
    """One controller's gateway, counting what it sent."""

    inner: HttpGateway
    sent: int = 0

    async def send(self, outbound: OutboxMessage) -> DeliveryResult:
        self.sent += 1
        return await self.inner.send(outbound)

    async def close(self) -> None:
        await self.inner.close()


@pytest.fixture
async def pool(database: dict[str, Any]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database, max_size=2 + 2 * SETTINGS.workers)
    try:
        await migrate(pool)
        yield pool
    finally:
        await pool.close()


@pytest.fixture
async def sink() -> AsyncIterator[SmsSink]:
    async with SmsSink.start() as sink:
        yield sink


@pytest.fixture
async def gateway(sink: SmsSink) -> AsyncIterator[HttpGateway]:
    gateway = HttpGateway(sink.url, SINK_SECRET, timeout_s=GATEWAY_TIMEOUT_S)
    try:
        yield gateway
    finally:
        await gateway.close()


@contextlib.asynccontextmanager
async def running(
    pool: asyncpg.Pool, gateway: SmsGateway, settings: DeliverySettings = SETTINGS
) -> AsyncIterator[SmsDelivery]:
    delivery = SmsDelivery(pool, gateway, settings)
    await delivery.start()
    try:
        yield delivery
    finally:
        await delivery.stop(grace_s=2)


async def test_a_message_from_a_rolled_back_transaction_is_never_sent(
    pool: asyncpg.Pool, gateway: HttpGateway, sink: SmsSink, database: dict[str, Any]
) -> None:
    async with running(pool, gateway):
        with pytest.raises(RolledBack):
            await enqueue_rolled_back(pool, message(1))
        # A later committed message shows the workers were awake and would have sent it.
        await enqueue_committed(pool, [message(2)])
        rows = await settled(database, {key(2): "sent"})

    assert list(rows) == [key(2)]
    assert sink.new_deliveries == [key(2)]
    assert list(sink.arrivals) == [key(2)]


async def test_a_committed_message_wakes_the_workers_and_is_marked_sent_with_the_reference(
    pool: asyncpg.Pool, gateway: HttpGateway, sink: SmsSink, database: dict[str, Any]
) -> None:
    # A long lease, so no lease timer wakes a worker either.
    async with running(pool, gateway, replace(SETTINGS, lease_s=30)) as delivery:
        await eventually(delivery.listening.is_set)
        await enqueue_committed(pool, [message(6)])
        await settled(database, {key(6): "sent"}, seconds=3)
        # The workers are idle now, for up to idle_check_s (60 s): only the notification sent
        # on commit gets this one out within seconds.
        await enqueue_committed(pool, [message(7)])
        rows = await settled(database, {key(7): "sent"}, seconds=3)

    row = rows[key(7)]
    assert (row["attempts"], row["gateway_reference"], row["last_error"]) == (
        1,
        f"sink-{key(7)}",
        None,
    )
    assert row["leased_until"] is None
    assert row["sent_at"] >= row["created_at"]
    assert sink.new_deliveries == [key(6), key(7)]
    assert sink.delivered[key(7)] == {
        "idempotency_key": key(7),
        "to": "13812340007",
        "text": "工单 7：请今天回电当事人。",
        "kind": "dispatch",
    }
    assert not sink.duplicates
    assert sink.rejected_signatures == 0


async def test_a_key_enqueued_twice_is_kept_once_and_sent_once(
    pool: asyncpg.Pool, gateway: HttpGateway, sink: SmsSink, database: dict[str, Any]
) -> None:
    await enqueue_committed(pool, [message(3)])
    async with pool.acquire() as connection:
        again = OutboxMessage(key(3), "13900000000", "another text", "reminder")
        assert not await enqueue(connection, again, utc_now())

    async with running(pool, gateway):
        rows = await settled(database, {key(3): "sent"})

    assert (rows[key(3)]["to_number"], rows[key(3)]["kind"]) == ("13812340003", "dispatch")
    assert sink.new_deliveries == [key(3)]
    assert len(sink.arrivals[key(3)]) == 1


async def test_a_gateway_failing_for_a_while_is_retried_until_each_message_arrives_once(
    pool: asyncpg.Pool, gateway: HttpGateway, sink: SmsSink, database: dict[str, Any]
) -> None:
    keys = [key(number) for number in range(1, 6)]
    sink.fail_for(1.5)
    async with running(pool, gateway):
        await enqueue_committed(pool, [message(number) for number in range(1, 6)])
        rows = await settled(database, dict.fromkeys(keys, "sent"))

    assert sorted(sink.new_deliveries) == keys
    assert not sink.duplicates
    assert sink.failures_served >= len(keys)
    for each in keys:
        arrivals = sink.arrivals[each]
        assert len(arrivals) >= 2, "failed at least once before it got through"
        assert rows[each]["attempts"] == len(arrivals), "every request counted as one attempt"
        assert rows[each]["last_error"] is None
        # The backoff was kept: first_delay less the largest jitter share, at the very least.
        gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
        assert min(gaps) >= 0.08 - 0.005, gaps


async def test_a_refused_message_fails_at_once_and_is_not_retried(
    pool: asyncpg.Pool, gateway: HttpGateway, sink: SmsSink, database: dict[str, Any]
) -> None:
    sink.refused[key(1)] = 400
    async with running(pool, gateway):
        await enqueue_committed(pool, [message(1)])
        await settled(database, {key(1): "failed"})
        # Sent after the refusal: by the time it is delivered, a retry would long have been due.
        await enqueue_committed(pool, [message(2)])
        rows = await settled(database, {key(1): "failed", key(2): "sent"})

    refused = rows[key(1)]
    assert refused["attempts"] == 1
    assert refused["last_error"] == 'HTTP 400: {"error": "refused"}'
    assert refused["failed_at"] is not None
    assert (refused["sent_at"], refused["leased_until"]) == (None, None)
    assert len(sink.arrivals[key(1)]) == 1
    assert sink.new_deliveries == [key(2)]


async def test_a_message_out_of_attempts_fails_for_good(
    pool: asyncpg.Pool, gateway: HttpGateway, sink: SmsSink, database: dict[str, Any]
) -> None:
    three_tries = DeliverySettings(
        workers=1,
        batch=10,
        lease_s=2,
        retry=RetryPolicy(3, timedelta(seconds=0.05), timedelta(seconds=0.1)),
    )
    sink.fail_next(1_000)
    async with running(pool, gateway, three_tries):
        await enqueue_committed(pool, [message(1)])
        rows = await settled(database, {key(1): "failed"})

    assert rows[key(1)]["attempts"] == 3
    assert rows[key(1)]["last_error"].startswith("HTTP 503")
    assert len(sink.arrivals[key(1)]) == 3
    assert not sink.new_deliveries


async def test_two_controllers_on_one_database_send_each_message_exactly_once(
    database: dict[str, Any], sink: SmsSink
) -> None:
    keys = sorted(key(number) for number in range(1, 51))
    small_batches = DeliverySettings(workers=2, batch=5, lease_s=2, retry=FAST_RETRY)
    # Each request takes a moment, so both controllers are busy at the same time.
    sink.delay_s = 0.02
    async with contextlib.AsyncExitStack() as stack:
        gateways: list[CountingGateway] = []
        deliveries: list[SmsDelivery] = []
        for _controller in range(2):
            pool = await create_pool(database, max_size=6)
            stack.push_async_callback(pool.close)
            await migrate(pool)
            gateway = CountingGateway(HttpGateway(sink.url, SINK_SECRET, timeout_s=1))
            stack.push_async_callback(gateway.close)
            deliveries.append(
                await stack.enter_async_context(running(pool, gateway, small_batches))
            )
            gateways.append(gateway)
        for delivery in deliveries:
            await eventually(delivery.listening.is_set)

        await enqueue_committed(pool, [message(number) for number in range(1, 51)])
        rows = await settled(database, dict.fromkeys(keys, "sent"))

    assert sorted(sink.new_deliveries) == keys
    assert not sink.duplicates
    assert all(len(sink.arrivals[each]) == 1 for each in keys)
    assert all(row["attempts"] == 1 for row in rows.values())
    assert sum(gateway.sent for gateway in gateways) == 50
    assert all(gateway.sent > 0 for gateway in gateways), "both controllers took a share"


async def test_stop_gives_leases_back_and_the_next_start_sends_them(
    pool: asyncpg.Pool, gateway: HttpGateway, sink: SmsSink, database: dict[str, Any]
) -> None:
    keys = [key(number) for number in range(1, 4)]
    sink.delay_s = 0.5
    delivery = SmsDelivery(pool, gateway, SETTINGS)
    await delivery.start()
    try:
        await enqueue_committed(pool, [message(number) for number in range(1, 4)])
        await eventually(lambda: sink.in_flight > 0)
    finally:
        await delivery.stop(grace_s=0)

    given_back = await outbox(database)
    assert {each: row["state"] for each, row in given_back.items()} == dict.fromkeys(
        keys, "pending"
    )
    assert all(row["attempts"] == 0 for row in given_back.values()), "unfinished: not counted"
    assert all(row["leased_until"] is None for row in given_back.values())
    # The cut-off requests are all answered (to nobody) before the next start sends them again.
    await eventually(lambda: sink.in_flight == 0)
    accepted_before_stop = set(sink.new_deliveries)
    assert accepted_before_stop

    sink.delay_s = 0
    async with running(pool, gateway):
        rows = await settled(database, dict.fromkeys(keys, "sent"), seconds=3)

    assert all(row["attempts"] == 1 for row in rows.values())
    assert sorted(sink.new_deliveries) == keys
    # Those the sink had accepted when the answer was cut off came again, under their key.
    assert set(sink.duplicates) == accepted_before_stop


def database_url(database: dict[str, Any]) -> str:
    return (
        f"postgresql://{quote(str(database['user']), safe='')}"
        f":{quote(str(database['password']), safe='')}"
        f"@{database['host']}:{database['port']}/{quote(str(database['database']), safe='')}"
    )


@dataclass
class WorkerProcesses:
    """`python -m sms.worker_main` processes against the sink; each is killed when the test ends."""

    database: dict[str, Any]
    sink: SmsSink
    directory: Path
    processes: list[asyncio.subprocess.Process]

    async def start(self, name: str) -> asyncio.subprocess.Process:
        secret_file = self.directory / "sms-gateway-secret"
        if not secret_file.exists():
            descriptor = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(SINK_SECRET + "\n")
        environment = {**os.environ, "HOTLINE_DATABASE_URL": database_url(self.database)}
        with (self.directory / f"{name}.log").open("wb") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "sms.worker_main",
                "--gateway-url",
                self.sink.url,
                "--secret-file",
                str(secret_file),
                "--timeout-s",
                "1",
                "--lease-s",
                "2",
                "--max-attempts",
                "50",
                "--backoff-first-s",
                "0.1",
                "--backoff-max-s",
                "0.5",
                "--workers",
                "2",
                "--batch",
                "10",
                "--stop-grace-s",
                "1",
                cwd=REPO,
                env=environment,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=output,
            )
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.directory / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    async def kill_all(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                process.kill()
                await process.wait()


@pytest.fixture
async def workers(
    database: dict[str, Any], sink: SmsSink, tmp_path: Path
) -> AsyncIterator[WorkerProcesses]:
    processes = WorkerProcesses(database, sink, tmp_path, [])
    try:
        yield processes
    finally:
        await processes.kill_all()


async def test_a_killed_worker_leaves_no_message_lost_or_sent_twice(
    pool: asyncpg.Pool, sink: SmsSink, workers: WorkerProcesses, database: dict[str, Any]
) -> None:
    keys = sorted(key(number) for number in range(1, 41))
    # The gateway is down for the first 80 requests (two rounds), then answers slowly: a
    # message it accepted is recorded before the answer, which the killed worker never reads.
    sink.fail_next(80)
    sink.delay_s = 0.3
    first = await workers.start("first")
    await enqueue_committed(pool, [message(number) for number in range(1, 41)])
    try:
        # Several accepted and unanswered: the kill falls in the middle of a batch.
        await eventually(lambda: sink.in_flight >= 3 or first.returncode is not None, 15)
    finally:
        assert first.returncode is None, workers.log("first")
    first.kill()
    assert await first.wait() == -signal.SIGKILL
    accepted_by_the_killed_worker = set(sink.new_deliveries)
    assert sink.failures_served == 80

    second = await workers.start("second")
    try:
        rows = await settled(database, dict.fromkeys(keys, "sent"), seconds=15)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{workers.log('second')[-3000:]}") from None
    second.send_signal(signal.SIGTERM)
    async with asyncio.timeout(5):
        assert await second.wait() == 0, workers.log("second")

    assert sink.rejected_signatures == 0
    assert sorted(sink.new_deliveries) == keys, "every message delivered, each exactly once"
    assert all(rows[each]["gateway_reference"] == f"sink-{each}" for each in keys)
    # The kill cut off answers the sink had already accepted: those keys came again from the
    # second worker, and the sink recognised them by their idempotency key.
    assert sink.duplicates, "the worker was killed mid-delivery"
    assert set(sink.duplicates) <= accepted_by_the_killed_worker
    assert all(count == 1 for count in sink.duplicates.values())
    assert all(rows[each]["attempts"] >= 2 for each in sink.duplicates)

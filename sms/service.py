"""Delivers the SMS outbox: worker tasks lease due messages and hand them to the gateway.

Delivery is at least once. A message is leased to one worker at a time (FOR UPDATE SKIP LOCKED,
then a lease until `leased_until`), so several controllers can run workers on one database. A
controller killed after the gateway accepted a message but before the row was marked sent leaves
the lease to run out; another worker then sends the message again under the same idempotency
key. The gateway deduplicates by that key, so each message reaches the phone exactly once in the
end. A settling update names the attempt it settles, so a worker that lost its lease never
overwrites the newer attempt's row.

Workers sleep until woken: enqueue() notifies channel `sms_outbox` on commit (LISTEN/NOTIFY),
and a timer covers the earliest retry or lease expiry. There is no polling loop; a long safety
check only catches a notification lost while the listening connection was down.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, assert_never

import asyncpg
import structlog

from hotline.logs import mask_phone
from sms.config import SmsSection
from sms.gateway import SmsGateway
from sms.model import ClaimedMessage, DeliveryResult
from sms.outbox import NOTIFY_CHANNEL, OutboxStore
from sms.policy import Decision, NextStep, RetryPolicy, after_attempt

log = structlog.get_logger(__name__)

# Below this a timer is not worth setting: rows due now but locked by another worker's claim.
MIN_WAIT_S = 0.05
# Waits after consecutive failures (database down): grows to this much.
MAX_ERROR_PAUSE_S = 30.0


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class DeliverySettings:
    workers: int
    batch: int
    lease_s: float
    retry: RetryPolicy
    # The safety check when nothing is due and no notification came.
    idle_check_s: float = 60.0
    error_pause_s: float = 1.0

    @classmethod
    def from_section(cls, section: SmsSection) -> DeliverySettings:
        return cls(
            workers=section.workers,
            batch=section.batch,
            lease_s=section.lease_s,
            retry=section.retry_policy(),
        )


class SmsDelivery:
    def __init__(
        self,
        pool: asyncpg.Pool,
        gateway: SmsGateway,
        settings: DeliverySettings,
        *,
        clock: Callable[[], datetime] = utc_now,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._store = OutboxStore(pool)
        self._pool = pool
        self._gateway = gateway
        self._settings = settings
        self._clock = clock
        self._jitter = jitter
        self._wakeups = [asyncio.Event() for _ in range(settings.workers)]
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        # Leased by this instance and not settled yet: given back on stop.
        self._in_hand: dict[int, ClaimedMessage] = {}
        self.listening = asyncio.Event()  # set while notifications arrive

    async def start(self) -> None:
        self._stopping = False
        self._tasks.append(asyncio.create_task(self._listen(), name="sms-listener"))
        for index in range(self._settings.workers):
            self._tasks.append(asyncio.create_task(self._work(index), name=f"sms-worker-{index}"))

    async def stop(self, grace_s: float = 5.0) -> None:
        """Finish the deliveries under way for up to `grace_s`, then give the rest back."""
        self._stopping = True
        self.wake()
        listener, workers = self._tasks[:1], self._tasks[1:]
        for task in listener:
            task.cancel()
        if workers:
            _done, late = await asyncio.wait(workers, timeout=grace_s)
            for task in late:
                task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self.listening.clear()
        released = 0
        for claimed in list(self._in_hand.values()):
            if await self._store.release(claimed):
                released += 1
        self._in_hand.clear()
        log.info("sms delivery stopped", leases_released=released)

    def wake(self) -> None:
        for wakeup in self._wakeups:
            wakeup.set()

    def _on_notification(self, *_args: Any) -> None:
        self.wake()

    async def _listen(self) -> None:
        failures = 0
        while True:
            try:
                async with self._pool.acquire() as connection:
                    lost = asyncio.Event()

                    def on_lost(_connection: object) -> None:
                        lost.set()  # noqa: B023 - this connection's event, used before the next

                    connection.add_termination_listener(on_lost)
                    try:
                        await connection.add_listener(NOTIFY_CHANNEL, self._on_notification)
                        self.listening.set()
                        if failures:
                            log.info("sms listener connected again")
                        failures = 0
                        # Anything enqueued while nobody was listening.
                        self.wake()
                        await lost.wait()
                    finally:
                        self.listening.clear()
                        connection.remove_termination_listener(on_lost)
                        # A pooled connection released with a listener on it makes asyncpg
                        # warn, and under warnings-as-errors it never goes back to the pool (so
                        # pool.close() hangs). Lost connections drop their listeners themselves.
                        with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError):
                            await connection.remove_listener(NOTIFY_CHANNEL, self._on_notification)
                raise ConnectionError("the connection listening for new SMS closed")
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                # The traceback once per outage; then one line per try.
                if failures == 1:
                    log.exception("sms listener failed; connecting again")
                else:
                    log.warning("sms listener failed again; connecting again", failures=failures)
            await asyncio.sleep(self._error_pause(failures))

    async def _work(self, index: int) -> None:
        wakeup = self._wakeups[index]
        failures = 0
        while not self._stopping:
            batch: list[ClaimedMessage] = []
            try:
                # Cleared before the claim: a notification arriving meanwhile is not lost.
                wakeup.clear()
                batch = await self._store.claim(
                    self._settings.batch, self._clock(), self._settings.lease_s
                )
                if batch:
                    await self._deliver_batch(batch)
                else:
                    await self._wait(wakeup)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                if failures == 1:
                    log.exception("sms worker failed; trying again", worker=index)
                else:
                    log.warning("sms worker failed again", failures=failures, worker=index)
                # Their leases run out and another claim sends them.
                for claimed in batch:
                    self._in_hand.pop(claimed.id, None)
                await self._pause(wakeup, self._error_pause(failures))

    async def _deliver_batch(self, batch: list[ClaimedMessage]) -> None:
        for claimed in batch:
            self._in_hand[claimed.id] = claimed
        async with asyncio.TaskGroup() as group:
            for claimed in batch:
                group.create_task(self._deliver(claimed))

    async def _deliver(self, claimed: ClaimedMessage) -> None:
        result = await self._gateway.send(claimed.message)
        now = self._clock()
        decision = after_attempt(
            result.outcome, claimed.attempts, now, self._settings.retry, self._jitter()
        )
        match decision.step:
            case NextStep.MARK_SENT:
                kept = await self._store.mark_sent(claimed, now, result.gateway_reference)
            case NextStep.RETRY:
                assert decision.retry_at is not None
                kept = await self._store.mark_retry(claimed, decision.retry_at, result.detail)
            case NextStep.MARK_FAILED:
                kept = await self._store.mark_failed(claimed, now, result.detail)
            case _:
                assert_never(decision.step)
        self._in_hand.pop(claimed.id, None)
        self._log_attempt(claimed, result, decision, now, kept)

    async def _wait(self, wakeup: asyncio.Event) -> None:
        due = await self._store.next_due()
        delay = self._settings.idle_check_s
        if due is not None:
            until_due = (due - self._clock()).total_seconds()
            delay = min(max(until_due, MIN_WAIT_S), delay)
        await self._pause(wakeup, delay)

    async def _pause(self, wakeup: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await wakeup.wait()

    def _error_pause(self, failures: int) -> float:
        return min(self._settings.error_pause_s * failures, MAX_ERROR_PAUSE_S)

    def _log_attempt(
        self,
        claimed: ClaimedMessage,
        result: DeliveryResult,
        decision: Decision,
        now: datetime,
        kept: bool,
    ) -> None:
        message = claimed.message
        fields: dict[str, object] = {
            "key": message.idempotency_key,
            "kind": message.kind,
            "reference": message.reference,
            "to": mask_phone(message.to),
            "attempt": claimed.attempts,
            "outcome": result.outcome.value,
            "detail": result.detail,
        }
        if not kept:
            # Another worker took the message over after this lease ran out; its row stands.
            log.info("sms lease lost before the attempt was recorded", **fields)
            return
        match decision.step:
            case NextStep.MARK_SENT:
                log.info("sms sent", **fields)
            case NextStep.RETRY:
                assert decision.retry_at is not None
                retry_in = round((decision.retry_at - now).total_seconds(), 3)
                log.warning("sms attempt failed; retrying", retry_in_s=retry_in, **fields)
            case NextStep.MARK_FAILED:
                log.error("sms failed for good", **fields)
            case _:
                assert_never(decision.step)

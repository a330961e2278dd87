"""Runs callbacks: keeps them in the waiting line, dials seat then citizen, files the outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import assert_never

import structlog

from agents.board import SeatBoard
from agents.model import OfferOutcome, SeatState
from ari import events as ari_events
from ari.client import AriClient
from ari.errors import AriError, AriNotFound
from ari.tasks import Background, hang_up, ignore_gone
from callbacks import model as m
from callbacks.state import CONVERSATION_BRIDGE, decide, resume_conversation
from callbacks.store import CallbackFigures, CallbackStore, NewTask, OpenTask
from calls.model import CALLBACK_ABANDONED, CALLBACK_QUEUE_TIMEOUT, CALLBACK_QUEUED, Call
from recordings.service import RecordingService
from routing.policy import WaitingEntry
from routing.service import Router

log = structlog.get_logger(__name__)

# Reasons the switch dials back by itself; a message is listened to by an agent first.
AUTO_DIAL_REASONS = frozenset({CALLBACK_QUEUED, CALLBACK_ABANDONED, CALLBACK_QUEUE_TIMEOUT})
# Callers who gave up come after everyone still on the line.
LATER_PRIORITY = -10
RECORDING_SETTLE_S = 5.0


@dataclass(frozen=True)
class CallbackSettings:
    """From the YAML: how to dial, and where."""

    carrier: str | None  # the trunk callbacks go out on; None: no callbacks are dialled
    caller_id: str  # the number the citizen sees (the hotline's)
    citizen_ring_s: int
    attempts: int
    retry_s: int
    queues: dict[str, tuple[int, int]]  # queue id -> (seat ring timeout, wrap-up)

    def policy(self, queue_id: str) -> m.CallbackPolicy:
        ring_s, wrap_up_s = self.queues.get(queue_id, (15, 0))
        return m.CallbackPolicy(self.citizen_ring_s, self.attempts, self.retry_s, ring_s, wrap_up_s)


@dataclass
class Runtime:
    callback: m.Callback
    events: asyncio.Queue[m.CallbackEvent] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None


class CallbackService:
    def __init__(
        self,
        ari: AriClient,
        store: CallbackStore,
        recordings: RecordingService,
        seats: SeatBoard,
        router: Router,
        settings: Callable[[], CallbackSettings],
        clock: Callable[[], datetime],
        *,
        next_opening: Callable[[datetime], datetime],
    ) -> None:
        self._ari = ari
        self._store = store
        self._recordings = recordings
        self._seats = seats
        self._router = router
        self._settings = settings
        self._clock = clock
        self._next_opening = next_opening
        self._runtimes: dict[int, Runtime] = {}
        self._owners: dict[str, int] = {}  # channel id -> task id
        self._background = Background()

    # ---- the callback list ---------------------------------------------------------------
    async def add(self, call: Call, reason: str, recording_name: str | None, now: datetime) -> None:
        """Put a caller on the callback list; the switch dials the ones it can by itself."""
        settings = self._settings()
        queue_id = call.queue.queue_id if call.queue else None
        auto = (
            reason in AUTO_DIAL_REASONS
            and settings.carrier is not None
            and queue_id is not None
            and bool(m.DIALLABLE.match(call.caller_number))
        )
        kept_place = reason == CALLBACK_QUEUED and call.queued_at is not None
        place_at = call.queued_at if kept_place and call.queued_at else now
        priority = (call.queue.priority if call.queue else 0) if kept_place else LATER_PRIORITY
        # A kept place is dialled as soon as it comes up; the others when seats are open.
        due = now if kept_place else self._next_opening(now)
        task_id = await self._store.create(
            NewTask(call, reason, recording_name, now, due, auto, queue_id, place_at, priority)
        )
        log.info(
            "callback task created",
            reason=reason,
            task=task_id,
            dialled_by_switch=auto,
            due_at=due.isoformat(),
        )
        if task_id is None or not auto or queue_id is None:
            return
        callback = m.Callback(
            task_id, call.caller_number, queue_id, call.home_platform, place_at, priority
        )
        self._runtimes[task_id] = Runtime(callback)
        self._enqueue(callback, due if due > now else None)

    def _enqueue(
        self,
        callback: m.Callback,
        not_before: datetime | None,
        excluded: frozenset[str] = frozenset(),
    ) -> None:
        self._router.enqueue(
            WaitingEntry(
                callback.entry_id,
                callback.queue_id,
                callback.home_platform,
                callback.place_at,
                callback.priority,
                excluded,
                not_before,
            )
        )

    async def figures(self, since: datetime, until: datetime) -> CallbackFigures:
        return await self._store.figures(since, until)

    async def _restore(self) -> list[tuple[m.Callback, datetime]]:
        """Open callbacks from the database this process does not know yet, with their due time."""
        restored = []
        for task in await self._store.open_auto_dial():
            if task.id not in self._runtimes:
                callback = self._from_row(task)
                self._runtimes[task.id] = Runtime(callback)
                restored.append((callback, task.due_at))
        return restored

    @staticmethod
    def _from_row(task: OpenTask) -> m.Callback:
        return m.Callback(
            task.id,
            task.caller_number,
            task.queue_id,
            task.home_platform,
            task.place_at,
            task.priority,
            attempts=task.attempts,
            last_seat_id=task.seat_id,
        )

    # ---- events in -----------------------------------------------------------------------
    def owns_entry(self, entry_id: str) -> bool:
        return m.task_id_of(entry_id) is not None

    def owns_channel(self, channel_id: str) -> bool:
        return channel_id in self._owners or channel_id.startswith(m.ENTRY_PREFIX)

    async def seat_assigned(self, entry_id: str, seat_id: str) -> None:
        task_id = m.task_id_of(entry_id)
        if task_id is None or task_id not in self._runtimes:
            self._router.release_seat(seat_id, entry_id, OfferOutcome.CALLER_LEFT, 0)
            return
        self._post(task_id, m.SeatAssigned(seat_id))

    async def handle_event(self, event: ari_events.Event) -> None:
        match event:
            case ari_events.StasisStart(channel=channel, args=args):
                task_id = m.task_id_of(args[1]) if len(args) > 1 else None
                if task_id is None or task_id not in self._runtimes:
                    await self._hang_up(channel.id)
                elif args[0] == "callback-seat":
                    self._post(task_id, m.SeatAnswered(channel.id))
                elif args[0] == "callback-citizen":
                    self._post(task_id, m.CitizenAnswered(channel.id))
            case ari_events.StasisEnd(channel=channel):
                task_id = self._owners.get(channel.id)
                if task_id is not None:
                    self._post(task_id, m.ChannelGone(channel.id))
            case ari_events.ChannelDestroyed(channel=channel, cause=cause):
                # A leg that never answered never entered Stasis: its cause says why.
                task_id = self._owners.get(channel.id)
                if task_id is not None:
                    self._post(task_id, m.ChannelGone(channel.id, cause))
            case _:
                log.debug("callback event not handled", type=event.type)

    def _post(self, task_id: int, event: m.CallbackEvent) -> None:
        runtime = self._runtimes.get(task_id)
        if runtime is None:
            return
        runtime.events.put_nowait(event)
        if runtime.task is None or runtime.task.done():
            runtime.task = asyncio.create_task(self._drain(runtime), name=f"callback-{task_id}")

    async def _drain(self, runtime: Runtime) -> None:
        """One callback's events in order; the task ends when there is nothing left to do."""
        structlog.contextvars.bind_contextvars(callback=runtime.callback.task_id)
        while not runtime.events.empty():
            event = runtime.events.get_nowait()
            try:
                await self._step(runtime, event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("callback step failed; hanging up its channels")
                for channel_id in runtime.callback.channels():
                    await self._hang_up(channel_id)

    async def _step(self, runtime: Runtime, event: m.CallbackEvent) -> None:
        before = runtime.callback
        result = decide(before, event, self._clock(), self._settings().policy(before.queue_id))
        if result is None:
            log.debug(
                "callback event ignored", state=before.state.value, trigger=type(event).__name__
            )
            return
        runtime.callback, commands = result
        if runtime.callback.state is not before.state:
            log.info(
                "callback transition",
                from_state=before.state.value,
                trigger=type(event).__name__,
                to_state=runtime.callback.state.value,
                seat=runtime.callback.seat_id or before.seat_id,
            )
        for command in commands:
            await self._execute(runtime, before, command)

    # ---- commands out --------------------------------------------------------------------
    async def _execute(
        self, runtime: Runtime, before: m.Callback, command: m.CallbackCommand
    ) -> None:
        callback = runtime.callback
        task_id = callback.task_id
        now = self._clock()
        settings = self._settings()
        try:
            match command:
                case m.DialSeat(seat_id, channel_id, timeout_s):
                    self._owners[channel_id] = task_id
                    self._seats.mark(seat_id, callback.entry_id, SeatState.RINGING, now)
                    await self._store.dialling(task_id, seat_id, callback.attempts + 1, now)
                    await self._originate(
                        runtime,
                        f"PJSIP/{seat_id}",
                        channel_id,
                        ["callback-seat", callback.entry_id],
                        f'"回拨" <{callback.number}>',
                        timeout_s,
                    )
                case m.HoldSeat(channel_id):
                    assert callback.seat_id is not None
                    self._seats.mark(callback.seat_id, callback.entry_id, SeatState.TALKING, now)
                    await self._ari.start_moh(channel_id)
                case m.DialCitizen(number, channel_id, timeout_s):
                    self._owners[channel_id] = task_id
                    if settings.carrier is None or not m.DIALLABLE.match(number):
                        log.error("callback number cannot be dialled", carrier=settings.carrier)
                        runtime.events.put_nowait(m.DialFailed(channel_id))
                        return
                    await self._originate(
                        runtime,
                        f"PJSIP/{number}@{settings.carrier}",
                        channel_id,
                        ["callback-citizen", callback.entry_id],
                        f'"{settings.caller_id}" <{settings.caller_id}>',
                        timeout_s,
                    )
                case m.Connect(call_id, seat_channel, citizen_channel):
                    await self._connect(callback, call_id, seat_channel, citizen_channel, now)
                case m.Disconnect(call_id, ended_by):
                    # Stopped before the bridge goes, or RecordingFinished may never come.
                    await ignore_gone(self._ari.stop_recording(call_id))
                    await ignore_gone(self._ari.destroy_bridge(f"{call_id}-bridge"))
                    await self._store.conversation_ended(call_id, ended_by, now)
                    self._background.spawn(
                        self._recordings.settle_when_quiet(self._ari, call_id, RECORDING_SETTLE_S),
                        "recording settle",
                    )
                case m.HangUp(channel_id):
                    await self._hang_up(channel_id)
                case m.ReleaseSeat(seat_id, outcome, wrap_up_s):
                    self._router.release_seat(seat_id, callback.entry_id, outcome, wrap_up_s)
                case m.AttemptEnded(attempt, outcome):
                    await self._store.attempt_ended(task_id, attempt, outcome.value, now)
                case m.WaitInLine(not_before, excluded):
                    await self._store.waiting_again(task_id, callback.attempts, not_before or now)
                    self._forget_channels(before)
                    self._enqueue(callback, not_before, excluded)
                case m.Finish(outcome):
                    await self._store.finished(
                        task_id, callback.attempts, outcome.value, now, callback.connected_at
                    )
                    self._forget_channels(before)
                    self._runtimes.pop(task_id, None)
                    log.info("callback finished", outcome=outcome.value, attempts=callback.attempts)
                case _:
                    assert_never(command)
        except AriNotFound:
            log.debug("ARI object already gone", command=type(command).__name__)
        except AriError as exc:
            log.error("callback ARI command failed", command=type(command).__name__, error=str(exc))

    def _forget_channels(self, callback: m.Callback) -> None:
        for channel_id in callback.channels():
            self._owners.pop(channel_id, None)

    async def _originate(
        self,
        runtime: Runtime,
        endpoint: str,
        channel_id: str,
        app_args: list[str],
        caller_id: str,
        timeout_s: int,
    ) -> None:
        try:
            await self._ari.originate(
                endpoint,
                channel_id=channel_id,
                app_args=app_args,
                caller_id=caller_id,
                timeout_s=timeout_s,
            )
        except AriError as exc:
            log.warning(
                "callback leg could not be dialled",
                endpoint=endpoint.split("@")[-1],
                error=str(exc),
            )
            runtime.events.put_nowait(m.DialFailed(channel_id))

    async def _connect(
        self,
        callback: m.Callback,
        call_id: str,
        seat_channel: str,
        citizen_channel: str,
        now: datetime,
    ) -> None:
        assert callback.seat_id is not None
        await ignore_gone(self._ari.stop_moh(seat_channel))
        await self._store.conversation_started(
            call_id,
            citizen_channel,
            callback.number,
            callback.task_id,
            callback.queue_id,
            callback.seat_id,
            seat_channel,
            now,
        )
        await self._store.attempt_ended(
            callback.task_id, callback.attempts, m.AttemptOutcome.REACHED.value, now, call_id
        )
        bridge_id = f"{call_id}-bridge"
        await self._ari.create_bridge(bridge_id, bridge_type="mixing", name=call_id)
        await self._ari.add_channels(bridge_id, [seat_channel, citizen_channel])
        try:
            await self._ari.record_bridge(
                bridge_id, name=call_id, format=self._recordings.format, if_exists="fail"
            )
            await self._recordings.started(call_id, call_id, bridge_id, seat_id=callback.seat_id)
        except AriError as exc:
            log.error("callback recording did not start", error=str(exc))
        log.info("callback connected", seat=callback.seat_id, call_id=call_id)

    async def _hang_up(self, channel_id: str) -> None:
        await hang_up(self._ari, channel_id)

    async def resync(self, channels: set[str]) -> int:
        """After (re)connecting: callbacks from the database back in line, conversations still
        bridged go on, legs that went while away end, legs nobody tracks hang up.

        Returns how many callbacks came back from the database.
        """
        restored = await self._restore()
        now = self._clock()
        for bridge in await self._ari.list_bridges():
            found = CONVERSATION_BRIDGE.match(bridge.id)
            runtime = self._runtimes.get(int(found[1])) if found else None
            if runtime is None or runtime.callback.state is not m.CallbackState.WAITING:
                continue
            resumed = resume_conversation(runtime.callback, bridge.id, bridge.channels, now)
            if resumed is None or resumed.seat_id is None:
                continue
            self._router.remove(resumed.entry_id)
            runtime.callback = resumed
            for channel_id in resumed.channels():
                self._owners[channel_id] = resumed.task_id
            self._seats.adopt_talking(resumed.seat_id, resumed.entry_id, now)
            log.info("took over a callback conversation", callback=resumed.task_id)
        for callback, due_at in restored:
            runtime = self._runtimes[callback.task_id]
            if runtime.callback.state is m.CallbackState.WAITING:
                self._enqueue(runtime.callback, due_at if due_at > now else None)
        for channel_id in channels:
            if channel_id.startswith(m.ENTRY_PREFIX) and channel_id not in self._owners:
                log.warning("hanging up a callback leg left from before", channel=channel_id)
                await self._hang_up(channel_id)
        for runtime in list(self._runtimes.values()):
            for channel_id in runtime.callback.channels():
                if channel_id not in channels:
                    self._post(runtime.callback.task_id, m.ChannelGone(channel_id))
        if restored:
            log.info("callbacks back in line", callbacks=len(restored))
        return len(restored)

    async def stop(self) -> None:
        tasks = [r.task for r in self._runtimes.values() if r.task]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._background.cancel()

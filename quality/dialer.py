"""Places follow-up calls from the console: rings the agent's softphone, then the litigant
through the carrier, bridges and records the conversation, and counts unanswered attempts.

The litigant's number never reaches the agent's screen or phone display: it is read from the
work order here and dialled by the switch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import structlog

from agents.board import SeatBoard
from agents.model import OfferOutcome, SeatState
from ari import events as ari_events
from ari.client import AriClient
from ari.errors import AriError, AriNotFound
from ari.tasks import hang_up, ignore_gone
from calls.model import new_call_id
from hotline.logs import mask_phone
from quality import dial as d
from quality.model import FollowUpState
from quality.service import QualityError, QualityService
from quality.store import QualityStore
from recordings.service import RecordingService
from routing.service import Router

log = structlog.get_logger(__name__)

HOLDER_PREFIX = "follow-up-"
SEAT_RING_S = 20


@dataclass(frozen=True)
class DialSettings:
    carrier: str | None  # the trunk with `outbound`; None: no follow-up call can be placed
    caller_id: str  # the number the litigant sees (the hotline's)
    citizen_ring_s: int


@dataclass
class Runtime:
    call: d.FollowUpCall
    events: asyncio.Queue[d.DialEvent] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None


class FollowUpDialer:
    def __init__(
        self,
        ari: AriClient,
        quality: QualityService,
        store: QualityStore,
        recordings: RecordingService,
        seats: SeatBoard,
        router: Router,
        settings: Callable[[], DialSettings],
        clock: Callable[[], datetime],
    ) -> None:
        self._ari = ari
        self._quality = quality
        self._store = store
        self._recordings = recordings
        self._seats = seats
        self._router = router
        self._settings = settings
        self._clock = clock
        self._runtimes: dict[int, Runtime] = {}
        self._owners: dict[str, int] = {}

    async def start(self, follow_up_id: int, seat_id: str) -> d.FollowUpCall:
        """Ring `seat_id` for this follow-up; raises QualityError when it cannot be placed."""
        settings = self._settings()
        if settings.carrier is None:
            raise QualityError("no-carrier", "no carrier with `outbound` to call through")
        follow_up = await self._store.follow_up(follow_up_id)
        if follow_up is None:
            raise QualityError("follow-up-not-found", f"no follow-up {follow_up_id}")
        if follow_up.state != FollowUpState.OPEN:
            raise QualityError("follow-up-finished", f"follow-up {follow_up_id} is finished")
        if follow_up_id in self._runtimes:
            raise QualityError("follow-up-calling", "this follow-up is being called now")
        holder = f"{HOLDER_PREFIX}{follow_up_id}"
        if not self._seats.try_reserve(seat_id, holder, self._clock(), calling_out=True):
            raise QualityError("seat-not-free", f"seat {seat_id} is not free to call out")
        call_id = new_call_id()
        call = d.FollowUpCall(
            follow_up_id,
            seat_id,
            call_id,
            f"{call_id}-seat",
            f"{call_id}-citizen",
            follow_up.caller_number,
        )
        runtime = Runtime(call)
        self._runtimes[follow_up_id] = runtime
        self._owners[call.seat_channel_id] = follow_up_id
        self._seats.mark(seat_id, holder, SeatState.RINGING, self._clock())
        log.info(
            "follow-up call: ringing the agent",
            follow_up=follow_up_id,
            seat=seat_id,
            number=mask_phone(follow_up.caller_number),
        )
        try:
            await self._ari.originate(
                f"PJSIP/{seat_id}",
                channel_id=call.seat_channel_id,
                app_args=[d.SEAT_ARG, str(follow_up_id)],
                caller_id=f'"回访" <{settings.caller_id}>',
                timeout_s=SEAT_RING_S,
            )
        except AriError as exc:
            log.warning("follow-up call: agent's phone not rung", error=str(exc))
            self._post(follow_up_id, d.Gone(call.seat_channel_id, -1))
        return call

    def calling(self) -> dict[int, d.FollowUpCall]:
        return {key: runtime.call for key, runtime in self._runtimes.items()}

    # ---- events in -----------------------------------------------------------------------
    def owns_channel(self, channel_id: str) -> bool:
        return channel_id in self._owners

    async def handle_event(self, event: ari_events.Event) -> None:
        match event:
            case ari_events.StasisStart(channel=channel, args=args):
                follow_up_id = int(args[1]) if len(args) > 1 and args[1].isdigit() else None
                if follow_up_id is None or follow_up_id not in self._runtimes:
                    await hang_up(self._ari, channel.id)
                elif args[0] == d.SEAT_ARG:
                    self._post(follow_up_id, d.SeatAnswered(channel.id))
                else:
                    self._post(follow_up_id, d.CitizenAnswered(channel.id))
            case ari_events.ChannelDestroyed(channel=channel, cause=cause):
                follow_up_id = self._owners.pop(channel.id, None)
                if follow_up_id is not None:
                    self._post(follow_up_id, d.Gone(channel.id, cause))
            case ari_events.StasisEnd(channel=channel):
                follow_up_id = self._owners.get(channel.id)
                if follow_up_id is not None:
                    self._post(follow_up_id, d.Gone(channel.id))
            case _:
                log.debug("follow-up call event not handled", type=event.type)

    def _post(self, follow_up_id: int, event: d.DialEvent) -> None:
        runtime = self._runtimes.get(follow_up_id)
        if runtime is None:
            return
        runtime.events.put_nowait(event)
        if runtime.task is None or runtime.task.done():
            runtime.task = asyncio.create_task(
                self._drain(runtime), name=f"follow-up-{follow_up_id}"
            )

    async def _drain(self, runtime: Runtime) -> None:
        while not runtime.events.empty():
            event = runtime.events.get_nowait()
            result = d.decide(runtime.call, event, self._clock())
            if result is None:
                continue
            before = runtime.call
            runtime.call, commands = result
            if runtime.call.state is not before.state:
                log.info(
                    "follow-up call transition",
                    follow_up=before.follow_up_id,
                    from_state=before.state.value,
                    to_state=runtime.call.state.value,
                )
            for command in commands:
                try:
                    await self._execute(runtime, command)
                except asyncio.CancelledError:
                    raise
                except AriNotFound:
                    log.debug("ARI object already gone", command=type(command).__name__)
                except Exception:
                    log.exception("follow-up call step failed", command=type(command).__name__)
            if runtime.call.state is d.DialState.ENDED:
                self._runtimes.pop(runtime.call.follow_up_id, None)
                for channel_id in runtime.call.channels():
                    self._owners.pop(channel_id, None)

    async def _execute(self, runtime: Runtime, command: d.DialCommand) -> None:
        call = runtime.call
        now = self._clock()
        settings = self._settings()
        holder = f"{HOLDER_PREFIX}{call.follow_up_id}"
        match command:
            case d.HoldSeat(channel_id):
                self._seats.mark(call.seat_id, holder, SeatState.TALKING, now)
                await self._ari.start_moh(channel_id)
            case d.DialCitizen(channel_id):
                self._owners[channel_id] = call.follow_up_id
                try:
                    if settings.carrier is None:
                        raise AriError("no carrier with `outbound`")
                    await self._ari.originate(
                        f"PJSIP/{call.number}@{settings.carrier}",
                        channel_id=channel_id,
                        app_args=[d.CITIZEN_ARG, str(call.follow_up_id)],
                        caller_id=f'"{settings.caller_id}" <{settings.caller_id}>',
                        timeout_s=settings.citizen_ring_s,
                    )
                except AriError as exc:
                    log.warning("follow-up call: litigant not rung", error=str(exc))
                    self._post(call.follow_up_id, d.Gone(channel_id, -1))
            case d.Connect():
                await ignore_gone(self._ari.stop_moh(call.seat_channel_id))
                await self._store.call_connected(call, now)
                bridge_id = f"{call.call_id}-bridge"
                await self._ari.create_bridge(bridge_id, bridge_type="mixing", name=call.call_id)
                await self._ari.add_channels(
                    bridge_id, [call.seat_channel_id, call.citizen_channel_id]
                )
                try:
                    await self._ari.record_bridge(
                        bridge_id,
                        name=call.call_id,
                        format=self._recordings.format,
                        if_exists="fail",
                    )
                    await self._recordings.started(
                        call.call_id, call.call_id, bridge_id, seat_id=call.seat_id
                    )
                except AriError as exc:
                    log.error("follow-up recording did not start", error=str(exc))
            case d.Disconnect(ended_by):
                await ignore_gone(self._ari.stop_recording(call.call_id))
                await ignore_gone(self._ari.destroy_bridge(f"{call.call_id}-bridge"))
                await self._store.call_ended(call.call_id, ended_by, now)
            case d.HangUp(channel_id):
                await hang_up(self._ari, channel_id)
            case d.RecordAttempt(outcome):
                try:
                    await self._quality.record_attempt(
                        call.follow_up_id, outcome, None, None, by=call.seat_id
                    )
                except QualityError as exc:
                    log.warning("follow-up attempt not recorded", reason=exc.code)
            case d.ReleaseSeat(answered):
                released = OfferOutcome.ANSWERED if answered else OfferOutcome.CALLER_LEFT
                self._router.release_seat(call.seat_id, holder, released, 0)

    async def stop(self) -> None:
        tasks = [r.task for r in self._runtimes.values() if r.task]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

"""Carries out supervisors' sessions over ARI: snoop on the agent's channel, ring the supervisor's
softphone, bridge them (or join the call for a barge), and tidy up when either side goes."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, assert_never

import structlog

from agents.board import SeatBoard
from agents.model import OfferOutcome, SeatState
from ari import events as ari_events
from ari.client import AriClient
from ari.errors import AriError
from ari.tasks import hang_up, ignore_gone
from supervision import state
from supervision.model import (
    MODE_LABELS,
    BridgeLegs,
    DestroyBridge,
    DialPhone,
    HangUp,
    JoinCall,
    Leg,
    LegEntered,
    LegGone,
    Mode,
    Session,
    StartSnoop,
    State,
    StopAsked,
    SupervisionCommand,
    SupervisionEvent,
)

log = structlog.get_logger(__name__)

# First app argument of the supervisor's phone and of the snoop channel: "supervise,<id>,<leg>".
LEG_APP_ARG = "supervise"
PHONE_RING_S = 30


class SupervisionError(Exception):
    """A session that cannot start; `code` is stable for the API."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class LiveCall(Protocol):
    @property
    def seat_channel_id(self) -> str | None: ...

    @property
    def bridge_id(self) -> str | None: ...


@dataclass
class _Runtime:
    session: Session
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # The supervisor's softphone was free to take calls: held for the session so the switch
    # does not offer it a caller meanwhile, given back at the end.
    phone_reserved: bool = False


class SupervisionService:
    def __init__(
        self,
        ari: AriClient,
        seats: SeatBoard,
        live_call: Callable[[str], LiveCall | None],
        caller_id: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._ari = ari
        self._clock = clock
        self._seats = seats
        self._live_call = live_call
        self._caller_id = caller_id
        self._runtimes: dict[str, _Runtime] = {}
        self.changed: Callable[[], None] = lambda: None  # for live views

    def sessions(self) -> list[Session]:
        return [runtime.session for runtime in self._runtimes.values()]

    def owns_channel(self, channel_id: str) -> bool:
        return any(runtime.session.owns(channel_id) for runtime in self._runtimes.values())

    async def start(self, seat_id: str, mode: Mode, phone_seat: str) -> Session:
        """Ring `phone_seat` and put it on the call at `seat_id` the way `mode` says."""
        seat = self._seats.get(seat_id)
        call = self._live_call(seat.call_id) if seat is not None and seat.call_id else None
        if (
            seat is None
            or seat.state is not SeatState.TALKING
            or call is None
            or not call.seat_channel_id
            or not call.bridge_id
        ):
            raise SupervisionError("seat-not-on-call", f"seat {seat_id} is not on a call")
        phone = self._seats.get(phone_seat)
        if phone is None or not phone.registered:
            raise SupervisionError(
                "phone-not-available", f"phone_seat: {phone_seat} is not a registered softphone"
            )
        if phone.state is not SeatState.IDLE or phone_seat == seat_id:
            raise SupervisionError("phone-not-available", f"phone_seat: {phone_seat} is busy")
        if any(r.session.phone_seat == phone_seat for r in self._runtimes.values()):
            raise SupervisionError(
                "phone-not-available", f"phone_seat: {phone_seat} already supervises a call"
            )
        session = Session(
            id=f"supervise-{secrets.token_hex(6)}",
            seat_id=seat_id,
            call_id=seat.call_id or "",
            mode=mode,
            phone_seat=phone_seat,
            target_channel=call.seat_channel_id,
            call_bridge=call.bridge_id,
        )
        runtime = _Runtime(session)
        runtime.phone_reserved = self._seats.try_reserve(phone_seat, session.id, self._clock())
        self._runtimes[session.id] = runtime
        log.info(
            "supervision started",
            session=session.id,
            seat=seat_id,
            call_id=session.call_id,
            mode=mode.value,
            phone=phone_seat,
        )
        async with runtime.lock:
            try:
                for command in state.start(session):
                    await self._execute(runtime, command)
            except AriError as exc:
                log.warning("supervision could not start", session=session.id, error=str(exc))
                await self._step(runtime, StopAsked())
                raise SupervisionError(
                    "supervision-failed", f"the switch could not set it up: {exc}"
                ) from exc
        self.changed()
        return session

    async def stop(self, session_id: str) -> bool:
        runtime = self._runtimes.get(session_id)
        if runtime is None:
            return False
        async with runtime.lock:
            await self._step(runtime, StopAsked())
        return True

    async def close(self) -> None:
        """On shutdown: hang up every supervisor leg (the calls themselves go on)."""
        for session_id in list(self._runtimes):
            await self.stop(session_id)

    async def handle_event(self, event: ari_events.Event) -> None:
        match event:
            case ari_events.StasisStart(args=[_, session_id, leg, *_]):
                known = leg in {member.value for member in Leg}
                await self._post(session_id, LegEntered(Leg(leg)) if known else None)
            case ari_events.StasisEnd() | ari_events.ChannelDestroyed():
                await self._gone(event.channel.id)
            case ari_events.ChannelLeftBridge():
                # A barging phone leaves the call's bridge when the call ends.
                for runtime in list(self._runtimes.values()):
                    session = runtime.session
                    if (
                        session.mode is Mode.BARGE
                        and event.channel.id == session.phone_channel
                        and event.bridge.id == session.call_bridge
                    ):
                        await self._post(session.id, LegGone(Leg.PHONE))
            case _:
                log.debug("supervision event ignored", event=type(event).__name__)

    async def _gone(self, channel_id: str) -> None:
        for runtime in list(self._runtimes.values()):
            session = runtime.session
            if channel_id == session.phone_channel:
                await self._post(session.id, LegGone(Leg.PHONE))
            elif channel_id == session.snoop_channel:
                await self._post(session.id, LegGone(Leg.SNOOP))

    async def _post(self, session_id: str, event: SupervisionEvent | None) -> None:
        runtime = self._runtimes.get(session_id)
        if runtime is None or event is None:
            log.debug("supervision event for no session", session=session_id)
            return
        async with runtime.lock:
            await self._step(runtime, event)

    async def _step(self, runtime: _Runtime, event: SupervisionEvent) -> None:
        before = runtime.session
        decided = state.decide(before, event)
        if decided is None:
            log.debug("supervision event ignored", session=before.id, trigger=type(event).__name__)
            return
        runtime.session, commands = decided
        if runtime.session.state is not before.state:
            log.info(
                "supervision transition",
                session=before.id,
                from_state=before.state.value,
                trigger=type(event).__name__,
                to_state=runtime.session.state.value,
            )
        for command in commands:
            try:
                await self._execute(runtime, command)
            except AriError as exc:
                # The call or a leg went away meanwhile: end the session rather than leave it.
                log.warning("supervision step failed", session=before.id, error=str(exc))
                await self._tidy_up(runtime)
                break
        if runtime.session.state is State.ENDED:
            self._runtimes.pop(before.id, None)
            if runtime.phone_reserved:
                self._seats.release(
                    before.phone_seat, before.id, OfferOutcome.ANSWERED, 0, self._clock()
                )
        self.changed()

    async def _tidy_up(self, runtime: _Runtime) -> None:
        ended = state.decide(runtime.session, StopAsked())
        if ended is None:
            return
        runtime.session, commands = ended
        for command in commands:
            try:
                await self._execute(runtime, command)
            except AriError as exc:
                log.warning(
                    "supervision leg left behind", session=runtime.session.id, error=str(exc)
                )

    async def _execute(self, runtime: _Runtime, command: SupervisionCommand) -> None:
        session = runtime.session
        match command:
            case StartSnoop(spy=spy, whisper=whisper):
                await self._ari.snoop(
                    session.target_channel,
                    session.snoop_channel,
                    spy=spy,
                    whisper=whisper,
                    app_args=[LEG_APP_ARG, session.id, Leg.SNOOP.value],
                )
            case DialPhone():
                await self._ari.originate(
                    f"PJSIP/{session.phone_seat}",
                    channel_id=session.phone_channel,
                    app_args=[LEG_APP_ARG, session.id, Leg.PHONE.value],
                    caller_id=f'"{MODE_LABELS[session.mode]} {session.seat_id}" '
                    f"<{self._caller_id}>",
                    timeout_s=PHONE_RING_S,
                )
            case BridgeLegs():
                await self._ari.create_bridge(session.bridge, name=session.bridge)
                await self._ari.add_channels(
                    session.bridge, [session.snoop_channel, session.phone_channel]
                )
            case JoinCall():
                await self._ari.add_channels(session.call_bridge, [session.phone_channel])
            case HangUp(channel_id=channel_id):
                await hang_up(self._ari, channel_id)
            case DestroyBridge():
                await ignore_gone(self._ari.destroy_bridge(session.bridge))
            case _:
                assert_never(command)

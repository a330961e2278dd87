"""Runs calls: routes ARI events to each call's own task and carries out the decided commands."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, assert_never

import structlog

from agents.board import SeatBoard
from agents.model import OfferOutcome, SeatState
from ari import events as ari_events
from ari.client import AriClient
from ari.errors import AriError, AriNotFound
from ari.tasks import Background, hang_up, ignore_gone
from calls import model as m
from calls.recovery import CloseAsLost, Resume, plan_adoption
from calls.state import decide
from calls.store import CallStore, OpenCall
from hotline.logs import mask_phone
from ivr.model import CaseAnswered, CaseAnswerKind, PromptItem, Speech
from ivr.state import IvrProgram
from recordings.service import RecordingService
from routing.policy import WaitingEntry
from routing.service import Router
from routing.waiting import announcement

log = structlog.get_logger(__name__)

# Device states of a seat's phone that mean it cannot take a call at all (not registered).
UNREACHABLE_DEVICE_STATES = frozenset({"UNAVAILABLE", "INVALID", "UNKNOWN"})

# A message ends after this long without a sound, as if the caller had pressed #.
MESSAGE_SILENCE_S = 10

# How long after a bridged call ends its RecordingFinished may take before we file it ourselves.
RECORDING_SETTLE_S = 5.0


@dataclass(frozen=True)
class CallSettings:
    """The part of the live config a call needs; a call keeps the version it started with."""

    menu: IvrProgram
    queues: dict[str, m.QueuePolicy]
    prompt_media: Callable[[str], str]
    # The prompt's text, when its audio file has gone missing (None: it is there).
    missing_prompt_text: Callable[[str], str | None] = lambda _prompt_id: None
    caller_id_name: str = "12368"
    # The platform (court) a dialled number belongs to; the HQ platform for the hotline numbers.
    home_platforms: dict[str, str] = field(default_factory=dict)
    hq_platform: str = ""
    carrier: str | None = None  # the trunk with `outbound`: how a consulting judge is rung

    def queue(self, queue_id: str) -> m.QueuePolicy:
        return self.queues[queue_id]

    def home_platform_for(self, dialed: str) -> str:
        return self.home_platforms.get(dialed, self.hq_platform)


class Callbacks(Protocol):
    """The callback list: callers the switch (or an agent) calls back."""

    async def add(
        self, call: m.Call, reason: str, recording_name: str | None, now: datetime
    ) -> None: ...


class UrgentContacts(Protocol):
    """Urgent contact with the judge: rings the chain and reports back through `post_contact`."""

    async def start_from_ivr(self, call: m.Call, court_id: str, case_number: str) -> None: ...

    async def caller_gone(self, contact_id: int) -> None: ...


class NoUrgentContacts:
    """Where urgent contact is not set up: the IVR takes the node's `refused` way."""

    def __init__(self) -> None:
        self.service: CallService | None = None

    async def start_from_ivr(self, call: m.Call, court_id: str, case_number: str) -> None:
        if self.service is not None:
            self.service.post_contact(call.id, m.ContactRefused("not-configured"))

    async def caller_gone(self, contact_id: int) -> None:
        return None


@dataclass
class CallRuntime:
    call: m.Call
    settings: CallSettings
    events: asyncio.Queue[m.CallEvent] = field(default_factory=asyncio.Queue)
    timers: dict[str, tuple[int, asyncio.TimerHandle]] = field(default_factory=dict)
    timer_tokens: int = 0
    task: asyncio.Task[None] | None = None


# Reads text aloud: returns a media URI for it (synthesised on demand).
Speaker = Callable[[str], Awaitable[str]]


# Checks a case query: (call id, caller number, code, password, attempts earlier in this call).
CaseLookup = Callable[[str, str, str, str, int], Awaitable[CaseAnswered]]


# Files a message left after a verified case query as a work order to the case's judge.
# False when it cannot (no such case, nobody to send it to): an agent calls back instead.
MessageOrders = Callable[[m.Call, m.FileMessageWorkOrder], Awaitable[bool]]


async def no_case_lookup(
    _call: str, _caller: str, _code: str, _password: str, _attempts: int
) -> CaseAnswered:
    return CaseAnswered(CaseAnswerKind.REFUSED)


class CallService:
    def __init__(
        self,
        ari: AriClient,
        store: CallStore,
        recordings: RecordingService,
        seats: SeatBoard,
        router: Router,
        settings: Callable[[], CallSettings],
        clock: Callable[[], datetime],
        *,
        speak: Speaker,
        look_up_case: CaseLookup = no_case_lookup,
        seats_open: Callable[[datetime], bool] = lambda _now: True,
        callbacks: Callbacks,
        contacts: UrgentContacts | None = None,
        message_orders: MessageOrders | None = None,
    ) -> None:
        self._message_orders = message_orders
        if contacts is None:
            contacts = NoUrgentContacts()
            contacts.service = self
        self.contacts: UrgentContacts = contacts
        self._seats_open = seats_open
        self._callbacks = callbacks
        self._speak = speak
        self._look_up_case = look_up_case
        self._ari = ari
        self._store = store
        self._recordings = recordings
        self._seats = seats
        self._router = router
        self._settings = settings
        self._clock = clock
        self._calls: dict[str, CallRuntime] = {}
        self._owners: dict[str, str] = {}  # channel id -> call id
        self._background = Background()
        self._stopping = False
        self.changed: Callable[[], None] = lambda: None  # after each transition, for live views

    # ---- views ---------------------------------------------------------------------------
    def live_calls(self) -> list[m.Call]:
        return [runtime.call for runtime in self._calls.values()]

    # ---- ARI events in -------------------------------------------------------------------
    async def handle_event(self, event: ari_events.Event) -> None:
        """Called by the single events reader, in order; only routes, never waits on I/O."""
        match event:
            case ari_events.StasisStart(channel=channel, args=args):
                self._stasis_start(channel.id, channel.caller.number, args)
            case (
                ari_events.StasisEnd(channel=channel) | ari_events.ChannelDestroyed(channel=channel)
            ):
                self._channel_gone(channel.id)
            case ari_events.ChannelDtmfReceived(channel=channel, digit=digit):
                call_id = self._owners.get(channel.id)
                if call_id and self._calls[call_id].call.caller_channel_id == channel.id:
                    self._post(call_id, m.DigitPressed(digit))
            case ari_events.PlaybackFinished(playback=playback):
                kind, _, target = playback.target_uri.partition(":")
                if kind == "bridge":
                    # A prompt to everyone in a call's bridge (urgent contact on hold).
                    bridged = target.removesuffix("-bridge")
                    owner = bridged if bridged in self._calls else None
                else:
                    owner = self._owners.get(target)
                if owner:
                    self._post(owner, m.PlaybackDone(playback.id))
            case ari_events.RecordingFinished(recording=recording):
                self._spawn(self._recordings.finished(recording.name), "recording finished")
                call_id = self._owners.get(recording.target_uri.removeprefix("channel:"))
                if call_id:
                    self._post(call_id, m.MessageRecorded(recording.name))
            case ari_events.RecordingFailed(recording=recording):
                self._spawn(self._recordings.failed(recording.name, recording.cause), "recording")
            case ari_events.DeviceStateChanged(device_state=device):
                technology, _, seat_id = device.name.partition("/")
                reachable = device.state not in UNREACHABLE_DEVICE_STATES
                if technology == "PJSIP" and self._seats.set_registered(seat_id, reachable):
                    self._router.wake()
            case _:
                log.debug("event not handled", type=event.type)

    def _stasis_start(self, channel_id: str, caller_number: str, args: list[str]) -> None:
        if args[:1] == ["inbound"]:
            dialed = args[1] if len(args) > 1 else ""
            self._new_call(channel_id, caller_number, dialed)
        elif args[:1] == ["seat"] and len(args) > 1 and args[1] in self._calls:
            self._post(args[1], m.SeatAnswered(channel_id))
        elif args[:1] == ["consult"] and len(args) > 1 and args[1] in self._calls:
            self._post(args[1], m.ConsultAnswered(channel_id))
        else:
            # Only the dialplan and this controller put channels here; anything else is let go.
            log.warning("unexpected channel in the app; hanging up", channel=channel_id, args=args)
            self._spawn(self._hang_up(channel_id), "hangup")

    def _channel_gone(self, channel_id: str) -> None:
        call_id = self._owners.get(channel_id)
        if call_id is None:
            return
        call = self._calls[call_id].call
        if call.caller_channel_id == channel_id:
            self._post(call_id, m.CallerLeft())
        elif call.consult is not None and call.consult.channel_id == channel_id:
            self._post(call_id, m.ConsultLeft(channel_id))
        elif call.contact_channel_id == channel_id:
            self._post(call_id, m.ContactLeft(channel_id))  # a consulting judge handed the call
        else:
            self._post(call_id, m.SeatLeft(channel_id))

    def _new_call(
        self,
        channel_id: str,
        caller_number: str,
        dialed: str,
        *,
        started_at: datetime | None = None,
    ) -> None:
        if channel_id in self._owners:
            return
        call = m.Call(
            id=m.new_call_id(),
            caller_channel_id=channel_id,
            caller_number=caller_number,
            dialed_number=dialed,
            started_at=started_at or self._clock(),
            home_platform=self._settings().home_platform_for(dialed),
        )
        self._start_runtime(call, [m.CallerEntered()])
        log.info("call arrived", call_id=call.id, caller=caller_number, dialed=dialed)

    def _start_runtime(self, call: m.Call, first: list[m.CallEvent]) -> CallRuntime:
        runtime = CallRuntime(call, self._settings())
        self._calls[call.id] = runtime
        # A judge's leg is the urgent contact's until put through; a call taken over after a
        # restart has it already, and nobody else watches it now.
        for channel_id in [*call.channels(), *filter(None, [call.contact_channel_id])]:
            self._owners[channel_id] = call.id
        for event in first:
            runtime.events.put_nowait(event)
        runtime.task = asyncio.create_task(self._run(runtime), name=f"call-{call.id}")
        return runtime

    def _post(self, call_id: str, event: m.CallEvent) -> None:
        runtime = self._calls.get(call_id)
        if runtime is None:
            log.debug("event for a finished call", call_id=call_id, trigger=type(event).__name__)
            return
        runtime.events.put_nowait(event)

    def owns(self, call_id: str) -> bool:
        return call_id in self._calls

    def call(self, call_id: str) -> m.Call | None:
        runtime = self._calls.get(call_id)
        return runtime.call if runtime else None

    def post_contact(
        self,
        call_id: str,
        event: m.ContactStarted
        | m.ContactRefused
        | m.ContactJoined
        | m.ContactUnreached
        | m.ContactLeft,
    ) -> None:
        """What the urgent contact reports about its call, handled in the call's own order."""
        self._post(call_id, event)

    def hold(self, call_id: str, *, held: bool) -> None:
        """The agent puts the caller on hold or takes them off it (in the call's own order)."""
        self._post(call_id, m.HoldAsked() if held else m.ResumeAsked())

    def transfer(self, call_id: str, queue_id: str) -> None:
        """The agent hands the caller to another queue (blind; in the call's own order)."""
        self._post(call_id, m.TransferAsked(queue_id))

    def consult(self, call_id: str, target: m.ConsultTarget, *, blind: bool = False) -> None:
        """The agent consults `target` (a seat already reserved, or a judge's number) with the
        caller on hold; with `blind`, the caller is put through as soon as it answers."""
        if call_id in self._calls:
            self._post(call_id, m.ConsultAsked(target, blind))
        elif target.seat_id is not None:
            self._release_seat(call_id, target.seat_id, OfferOutcome.CALLER_LEFT, 0)

    def complete_consult(self, call_id: str) -> None:
        self._post(call_id, m.ConsultCompleteAsked())

    def cancel_consult(self, call_id: str) -> None:
        self._post(call_id, m.ConsultCancelAsked())

    async def seat_assigned(self, call_id: str, seat_id: str) -> None:
        if call_id in self._calls:
            self._post(call_id, m.SeatAssigned(seat_id))
        else:
            self._router.release_seat(seat_id, call_id, OfferOutcome.CALLER_LEFT, 0)

    # ---- one task per call ---------------------------------------------------------------
    async def _run(self, runtime: CallRuntime) -> None:
        structlog.contextvars.bind_contextvars(call_id=runtime.call.id)
        try:
            await self._store_call(runtime.call)
            while runtime.call.state is not m.CallState.ENDED:
                event = await runtime.events.get()
                if isinstance(event, m.TimerFired) and not self._timer_current(runtime, event):
                    continue
                await self._step(runtime, event)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("call task failed; hanging up")
            for channel_id in runtime.call.channels():
                await self._hang_up(channel_id)
        finally:
            for _token, handle in runtime.timers.values():
                handle.cancel()
            # The router may have promised a seat while the caller was already leaving.
            while not runtime.events.empty():
                event = runtime.events.get_nowait()
                if isinstance(event, m.SeatAssigned):
                    self._release_seat(runtime.call.id, event.seat_id, OfferOutcome.CALLER_LEFT, 0)
            if runtime.call.bridge_id is not None and not self._stopping:
                self._spawn(
                    self._recordings.settle_when_quiet(
                        self._ari, runtime.call.id, RECORDING_SETTLE_S
                    ),
                    "recording settle",
                )
            self._calls.pop(runtime.call.id, None)
            # Every leg this call ever had: seats that did not answer, consultations, …
            for channel_id in [c for c, owner in self._owners.items() if owner == runtime.call.id]:
                del self._owners[channel_id]

    async def _step(self, runtime: CallRuntime, event: m.CallEvent) -> None:
        before = runtime.call
        settings = runtime.settings
        now = self._clock()
        result = decide(
            before, event, now, settings.menu, settings.queue, seats_open=self._seats_open(now)
        )
        if result is None:
            log.debug(
                "event ignored in this state",
                state=before.state.value,
                trigger=type(event).__name__,
            )
            return
        runtime.call, commands = result
        if runtime.call.state is not before.state:
            log.info(
                "call transition",
                from_state=before.state.value,
                trigger=type(event).__name__,
                to_state=runtime.call.state.value,
                seat=runtime.call.seat_id,
                end_reason=runtime.call.end_reason,
            )
        for channel_id in runtime.call.channels():
            self._owners.setdefault(channel_id, runtime.call.id)
        for command in commands:
            await self._execute(runtime, command)
        if runtime.call != before:
            self.changed()
            await self._store_call(runtime.call)

    async def _store_call(self, call: m.Call) -> None:
        try:
            await self._store.save(call)
        except Exception:
            # The call itself goes on; its row catches up on the next transition.
            log.exception("could not save the call row")

    # ---- commands out --------------------------------------------------------------------
    async def _execute(self, runtime: CallRuntime, command: m.CallCommand) -> None:
        call = runtime.call
        caller = call.caller_channel_id
        now = self._clock()
        try:
            match command:
                case m.Answer():
                    await self._ari.answer(caller)
                case m.PlayPrompts(playback_id, prompts, bridge_id):
                    await self._play(runtime, playback_id, prompts, bridge_id)
                case m.StopPlayback(playback_id):
                    await ignore_gone(self._ari.stop_playback(playback_id))
                case m.StartHoldMusic(bridge_id):
                    if bridge_id is None:
                        await self._ari.start_moh(caller)
                    else:
                        await self._ari.start_bridge_moh(bridge_id)
                case m.StopHoldMusic(bridge_id):
                    if bridge_id is None:
                        await ignore_gone(self._ari.stop_moh(caller))
                    else:
                        await ignore_gone(self._ari.stop_bridge_moh(bridge_id))
                case m.StartTimer(name, seconds):
                    self._start_timer(runtime, name, seconds)
                case m.CancelTimer(name):
                    entry = runtime.timers.pop(name, None)
                    if entry:
                        entry[1].cancel()
                case m.Enqueue(queue_id, queued_at, excluded):
                    self._router.enqueue(self._waiting_entry(call, queue_id, queued_at, excluded))
                case m.AnnounceWait(playback_id):
                    place = self._router.place_of(call.id)
                    ahead, expected = place if place is not None else (0, None)
                    await self._play(runtime, playback_id, (Speech(announcement(ahead, expected)),))
                case m.KeepPlaceForCallback():
                    # The entry leaves the line here and comes back as the callback, in place.
                    self._router.remove(call.id)
                    await self._callbacks.add(call, m.CALLBACK_QUEUED, None, now)
                case m.Dequeue():
                    self._router.remove(call.id)
                case m.DialSeat(seat_id, channel_id, attempt, timeout_s):
                    await self._dial_seat(runtime, seat_id, channel_id, attempt, timeout_s)
                case m.SeatTalking(seat_id):
                    self._seats.mark(seat_id, call.id, SeatState.TALKING, now)
                    if call.queue is not None:
                        self._router.answered(call.queue.queue_id, now)
                    await self._store.offer_ended(
                        call.id, call.offer_attempt, OfferOutcome.ANSWERED, now
                    )
                case m.ReleaseSeat(seat_id, outcome, attempt, wrap_up_s):
                    self._release_seat(call.id, seat_id, outcome, wrap_up_s)
                    if attempt and outcome is not OfferOutcome.ANSWERED:
                        await self._store.offer_ended(call.id, attempt, outcome, now)
                case m.BridgeAndRecord(bridge_id, channel_ids, recording_name):
                    await self._bridge_and_record(call, bridge_id, channel_ids, recording_name)
                case m.AddToBridge(bridge_id, channel_id):
                    await self._ari.add_channels(bridge_id, [channel_id])
                case m.RemoveFromBridge(bridge_id, channel_id):
                    await self._ari.remove_channel(bridge_id, channel_id)
                case m.StartUrgentContact(court_id, case_number):
                    self._spawn(
                        self.contacts.start_from_ivr(call, court_id, case_number), "urgent contact"
                    )
                case m.EndContact(contact_id):
                    await self.contacts.caller_gone(contact_id)
                case m.LookUpCase(query_code, password, attempts_before):
                    query = self._case_query(runtime, query_code, password, attempts_before)
                    self._spawn(query, "case query")
                case m.RecordMessage(name, max_seconds):
                    await self._ari.record_channel(
                        caller,
                        name=name,
                        format=self._recordings.format,
                        max_duration_s=max_seconds,
                        max_silence_s=MESSAGE_SILENCE_S,
                        beep=True,
                        terminate_on="#",
                    )
                    await self._recordings.started(name, call.id, caller, kind="message")
                case m.CreateCallbackTask(reason, recording_name):
                    await self._callbacks.add(call, reason, recording_name, now)
                case m.FileMessageWorkOrder() as order:
                    self._spawn(self._file_message(call, order, now), "message work order")
                case m.EnsureRecording(bridge_id, name):
                    try:
                        await self._ari.get_live_recording(name)
                    except AriNotFound:
                        log.warning("bridge recording missing after reconnect; starting it")
                        await self._record_bridge(call, bridge_id, name)
                    else:
                        # Running. If the link went while it was being started, Asterisk
                        # started it but the answer (and the row with it) was lost: the row is
                        # written now (once: an existing one is kept).
                        await self._recordings.started(
                            name, call.id, bridge_id, seat_id=call.seat_id
                        )
                case m.StopRecording(name):
                    await ignore_gone(self._ari.stop_recording(name))
                case m.HangUp(channel_id):
                    await self._hang_up(channel_id)
                case m.DestroyBridge(bridge_id):
                    await ignore_gone(self._ari.destroy_bridge(bridge_id))
                case m.DialConsult(channel_id, target):
                    await self._dial_consult(runtime, channel_id, target)
                case m.ConsultSeatTalking(seat_id):
                    self._seats.mark(seat_id, call.id, SeatState.TALKING, now)
                case _:
                    assert_never(command)
        except AriNotFound:
            # The channel left while we acted: its StasisEnd/ChannelDestroyed ends the call.
            log.debug("ARI object already gone", command=type(command).__name__)
        except AriError as exc:
            log.error("ARI command failed", command=type(command).__name__, error=str(exc))

    @staticmethod
    def _waiting_entry(
        call: m.Call,
        queue_id: str,
        queued_at: datetime,
        excluded: frozenset[str] = frozenset(),
    ) -> WaitingEntry:
        priority = call.queue.priority if call.queue is not None else 0
        return WaitingEntry(call.id, queue_id, call.home_platform, queued_at, priority, excluded)

    async def _play(
        self,
        runtime: CallRuntime,
        playback_id: str,
        prompts: tuple[PromptItem, ...],
        bridge_id: str | None = None,
    ) -> None:
        media = []
        for item in prompts:
            if isinstance(item, str):
                missing_text = runtime.settings.missing_prompt_text(item)
                if missing_text is None:
                    media.append(runtime.settings.prompt_media(item))
                    continue
                # Never dead air: say the prompt's text instead of the file that is gone.
                log.error("prompt file missing; speaking its text instead", prompt=item)
                item = Speech(missing_text)
            try:
                media.append(await self._speak(item.text))
            except Exception:
                log.exception("speech synthesis failed; skipping that part")
        if not media:
            # Nothing to say after all: carry on as if it had been said, never dead air.
            runtime.events.put_nowait(m.PlaybackDone(playback_id))
            return
        if bridge_id is not None:
            await self._ari.play_to_bridge(bridge_id, media, playback_id=playback_id)
            return
        await self._ari.play(runtime.call.caller_channel_id, media, playback_id=playback_id)

    async def _case_query(
        self, runtime: CallRuntime, query_code: str, password: str, attempts_before: int
    ) -> None:
        call = runtime.call
        try:
            answer = await self._look_up_case(
                call.id, call.caller_number, query_code, password, attempts_before
            )
        except Exception:
            log.exception("case query failed; handing the caller to an agent")
            answer = CaseAnswered(CaseAnswerKind.REFUSED)
        runtime.events.put_nowait(m.CaseLookedUp(answer.kind, answer.status_text, answer.case))

    def _start_timer(self, runtime: CallRuntime, name: str, seconds: float) -> None:
        previous = runtime.timers.pop(name, None)
        if previous:
            previous[1].cancel()
        runtime.timer_tokens += 1
        token = runtime.timer_tokens
        handle = asyncio.get_running_loop().call_later(
            seconds, runtime.events.put_nowait, m.TimerFired(name, token)
        )
        runtime.timers[name] = (token, handle)

    @staticmethod
    def _timer_current(runtime: CallRuntime, event: m.TimerFired) -> bool:
        entry = runtime.timers.get(event.name)
        if entry is None or entry[0] != event.token:
            return False
        del runtime.timers[event.name]
        return True

    async def _dial_seat(
        self, runtime: CallRuntime, seat_id: str, channel_id: str, attempt: int, timeout_s: int
    ) -> None:
        call = runtime.call
        now = self._clock()
        self._owners[channel_id] = call.id
        self._seats.mark(seat_id, call.id, SeatState.RINGING, now)
        await self._store.offer_started(call.id, attempt, seat_id, channel_id, now)
        try:
            await self._ari.originate(
                f"PJSIP/{seat_id}",
                channel_id=channel_id,
                app_args=["seat", call.id],
                caller_id=f'"{runtime.settings.caller_id_name}" <{call.caller_number}>',
                timeout_s=timeout_s,
                originator=call.caller_channel_id,
            )
        except AriError as exc:
            log.warning("seat could not be dialled", seat=seat_id, error=str(exc))
            runtime.events.put_nowait(m.SeatUnavailable(channel_id, exc.code))

    async def _dial_consult(
        self, runtime: CallRuntime, channel_id: str, target: m.ConsultTarget
    ) -> None:
        call = runtime.call
        settings = runtime.settings
        self._owners[channel_id] = call.id
        match target.kind:
            case m.ConsultKind.QUEUE:
                assert target.seat_id is not None
                self._seats.mark(target.seat_id, call.id, SeatState.RINGING, self._clock())
                endpoint: str | None = f"PJSIP/{target.seat_id}"
                # The consulted agent sees who is waiting, as on any offer.
                caller_id = f'"{settings.caller_id_name}" <{call.caller_number}>'
            case m.ConsultKind.JUDGE:
                number, carrier = target.number, settings.carrier
                endpoint = f"PJSIP/{number}@{carrier}" if number and carrier else None
                caller_id = f'"{settings.caller_id_name}" <{settings.caller_id_name}>'
            case _:
                assert_never(target.kind)
        log.info(
            "consulting before a transfer",
            kind=target.kind.value,
            target=target.target_id,
            seat=target.seat_id,
            number=mask_phone(target.number) if target.number else None,
        )
        try:
            if endpoint is None:
                raise AriError("no carrier with `outbound` to ring the judge through")
            await self._ari.originate(
                endpoint,
                channel_id=channel_id,
                app_args=["consult", call.id],
                caller_id=caller_id,
                timeout_s=target.ring_s,
                originator=call.seat_channel_id,
            )
        except AriError as exc:
            log.warning("consultation could not be dialled", error=str(exc))
            runtime.events.put_nowait(m.ConsultLeft(channel_id))

    def _release_seat(
        self, call_id: str, seat_id: str, outcome: OfferOutcome, wrap_up_s: int
    ) -> None:
        self._router.release_seat(seat_id, call_id, outcome, wrap_up_s)

    async def _bridge_and_record(
        self, call: m.Call, bridge_id: str, channel_ids: tuple[str, ...], recording_name: str
    ) -> None:
        try:
            await self._ari.create_bridge(bridge_id, bridge_type="mixing", name=call.id)
            await self._ari.add_channels(bridge_id, list(channel_ids))
        except AriError:
            log.exception("could not bridge caller and seat; hanging up both")
            for channel_id in channel_ids:
                await self._hang_up(channel_id)
            return
        await self._record_bridge(call, bridge_id, recording_name)

    async def _record_bridge(self, call: m.Call, bridge_id: str, recording_name: str) -> None:
        try:
            await self._ari.record_bridge(
                bridge_id, name=recording_name, format=self._recordings.format, if_exists="fail"
            )
            await self._recordings.started(recording_name, call.id, bridge_id, seat_id=call.seat_id)
        except AriError as exc:
            # The conversation matters more than its recording: keep the call, flag the gap;
            # after a lost link the resync tries again.
            log.error("bridge recording did not start", bridge=bridge_id, error=str(exc))

    async def _hang_up(self, channel_id: str) -> None:
        await hang_up(self._ari, channel_id)

    async def _file_message(
        self, call: m.Call, order: m.FileMessageWorkOrder, now: datetime
    ) -> None:
        if self._message_orders is not None and await self._message_orders(call, order):
            return
        await self._callbacks.add(call, "message", order.recording_name, now)

    def _spawn(self, work: Awaitable[object], what: str) -> None:
        self._background.spawn(work, what)

    # ---- after (re)connecting ------------------------------------------------------------
    async def resync(self, app: str) -> set[str]:
        """Rebuild from Asterisk and the database: events may have been lost while away.

        Returns the ids of every channel Asterisk has now.
        """
        channels = {channel.id: channel for channel in await self._ari.list_channels()}
        bridges = {bridge.id: bridge.channels for bridge in await self._ari.list_bridges()}
        in_app = set((await self._ari.get_application(app)).channel_ids)
        for endpoint in await self._ari.list_endpoints("PJSIP"):
            self._seats.set_registered(endpoint.resource, endpoint.state == "online")
        for runtime in list(self._calls.values()):
            call = runtime.call
            if call.caller_channel_id not in channels:
                runtime.events.put_nowait(m.CallerLeft())
            elif call.seat_channel_id and call.seat_channel_id not in channels:
                runtime.events.put_nowait(m.SeatLeft(call.seat_channel_id))
            else:
                runtime.events.put_nowait(m.Resynced())
        for row in await self._store.open_calls():
            if row.id not in self._calls:
                await self._adopt(row, set(channels), bridges)
        for channel_id in in_app - set(self._owners):
            channel = channels.get(channel_id)
            app_data = (channel.dialplan.app_data or "") if channel else ""
            if channel and app_data.startswith(f"{app},inbound"):
                dialed = app_data.split(",")[2:3]
                self._new_call(channel_id, channel.caller.number, dialed[0] if dialed else "")
        recovered = await self._recordings.recover(set(bridges) | set(channels))
        self._router.wake()
        log.info(
            "resynchronised with Asterisk",
            live_calls=len(self._calls),
            channels=len(channels),
            recordings_recovered=recovered,
        )
        return set(channels)

    async def _adopt(
        self, row: OpenCall, channels: set[str], bridges: dict[str, list[str]]
    ) -> None:
        """Take over a call left open by an earlier controller process."""
        plan = plan_adoption(row, channels, bridges, self._settings().queues, self._clock())
        match plan:
            case CloseAsLost(reason):
                await self._store.close_lost(row.id, reason.value, self._clock())
                log.info("closed a call that ended while away", call_id=row.id, end_reason=reason)
            case Resume(call, hang_up, requeue, restart_menu):
                for channel_id in hang_up:
                    await self._hang_up(channel_id)
                if call.state is m.CallState.CONNECTED and call.seat_id is not None:
                    # (With a judge alone, no seat is on the call any more.)
                    assert call.connected_at is not None
                    self._seats.adopt_talking(call.seat_id, call.id, call.connected_at)
                self._start_runtime(call, [m.CallerEntered()] if restart_menu else [])
                if requeue:
                    assert call.queue is not None and call.queued_at is not None
                    await self._ari.start_moh(call.caller_channel_id)
                    self._router.enqueue(
                        self._waiting_entry(call, call.queue.queue_id, call.queued_at)
                    )
                log.info(
                    "took over a call",
                    call_id=call.id,
                    state=call.state.value,
                    seat=call.seat_id,
                    held=call.held,
                    with_judge=call.contact_channel_id is not None,
                    legs_hung_up=len(hang_up),
                    queued_at=call.queued_at.isoformat() if call.queued_at else None,
                )
            case _:
                assert_never(plan)

    async def stop(self) -> None:
        """Stop our tasks; the calls themselves stay up in Asterisk for the next controller."""
        self._stopping = True
        tasks = [runtime.task for runtime in self._calls.values() if runtime.task]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._background.cancel()

"""Runs urgent contacts: rings the judge's chain through the carrier, whispers, puts through.

Only numbers from the directory are rung: a contact is asked for by court and case number, never
by a number, and the chain comes from the case's judge, division and court in the directory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, assert_never

import structlog

from ari import events as ari_events
from ari.client import AriClient
from ari.errors import AriError, AriNotFound
from ari.tasks import hang_up, ignore_gone
from calls import model as calls_model
from calls.model import CallState
from directory.model import CaseContacts
from directory.policy import contact_chain
from directory.store import DirectoryStore
from hotline.logs import mask_phone
from urgent import model as m
from urgent.config import UrgentSection
from urgent.policy import RATE_WINDOW, refusal
from urgent.state import decide
from urgent.store import ContactRow, NewContact, UrgentStore

log = structlog.get_logger(__name__)

LEG_APP_ARG = "urgent-leg"
INITIATED_BY_IVR = "ivr"


class UrgentError(Exception):
    """A contact that cannot start; `code` is stable for the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Calls(Protocol):
    """The call side: where the caller waits, and what it is told of the contact."""

    def call(self, call_id: str) -> calls_model.Call | None: ...

    def post_contact(
        self,
        call_id: str,
        event: calls_model.ContactStarted
        | calls_model.ContactRefused
        | calls_model.ContactJoined
        | calls_model.ContactUnreached
        | calls_model.ContactLeft,
    ) -> None: ...


@dataclass(frozen=True)
class Unreached:
    """Nobody took an urgent contact: what the work order and its SMS are made from."""

    contact_id: int
    call_id: str
    caller_number: str
    contacts: CaseContacts
    started_at: datetime
    ended_at: datetime


# Called once per unreached contact (the work order and its SMS are written there).
UnreachedHandler = Callable[[Unreached], Awaitable[None]]


@dataclass(frozen=True)
class UrgentSettings:
    section: UrgentSection | None  # None: urgent contact is not set up
    carrier: str | None  # the trunk with `outbound`; None: nothing can be rung
    caller_id: str  # the number the judge sees (the hotline's)


@dataclass
class Runtime:
    contact: m.Contact
    caller_number: str
    contacts: CaseContacts
    started_at: datetime
    events: asyncio.Queue[m.ContactEvent] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None
    timer: asyncio.TimerHandle | None = None


def whisper_text(case_number: str, hotline_name: str) -> str:
    return f"{hotline_name}：案件{case_number}的当事人请求紧急联系，按1接通，按2拒绝。"


class UrgentContactService:
    def __init__(
        self,
        ari: AriClient,
        store: UrgentStore,
        directory: DirectoryStore,
        settings: Callable[[], UrgentSettings],
        clock: Callable[[], datetime],
        *,
        speak: Callable[[str], Awaitable[str]],
        unreached: UnreachedHandler,
        hotline_name: str = "12368热线",
    ) -> None:
        self._ari = ari
        self._store = store
        self._directory = directory
        self._settings = settings
        self._clock = clock
        self._speak = speak
        self._unreached = unreached
        self._hotline_name = hotline_name
        self.calls: Calls | None = None  # set once the call service exists
        self._runtimes: dict[int, Runtime] = {}
        self._owners: dict[str, int] = {}  # leg channel id -> contact id
        self.changed: Callable[[], None] = lambda: None  # after each step, for live views

    # ---- starting ------------------------------------------------------------------------
    async def start(self, call_id: str, court_id: str, case_number: str, initiated_by: str) -> int:
        """Begin ringing the chain for a caller on `call_id`; raises UrgentError when it may not."""
        settings = self._settings()
        section = settings.section
        calls = self.calls
        if section is None or settings.carrier is None or calls is None:
            raise UrgentError(
                "urgent-not-configured",
                "urgent contact needs an `urgent:` section and a carrier with `outbound`",
            )
        call = calls.call(call_id)
        if call is None:
            raise UrgentError("call-not-found", f"no call {call_id} under way")
        agent_call = (
            call.state is CallState.CONNECTED and call.contact_id is None and call.consult is None
        )
        ivr_call = initiated_by == INITIATED_BY_IVR and call.state is CallState.IVR
        if not (agent_call or ivr_call):
            busy = "consulting before a transfer" if call.consult else call.state.value
            raise UrgentError("call-not-connected", f"call {call_id} is {busy}, not with an agent")
        contacts = await self._directory.contacts(court_id, case_number)
        if contacts is None:
            raise UrgentError("case-not-found", f"no case {case_number} of court {court_id}")
        chain = contact_chain(contacts, duty_judge=section.duty_judge)
        if not chain:
            raise UrgentError(
                "no-contact-number", f"the directory has no number to ring for {case_number}"
            )
        now = self._clock()
        by_case, by_caller = await self._store.recent(
            court_id, case_number, call.caller_number, now - RATE_WINDOW
        )
        refused = refusal(by_case, by_caller, self._legs_under_way(), now, section.limits())
        if refused is not None:
            raise UrgentError(refused, "too many urgent contacts; try again later")
        whisper = await self._speak(whisper_text(case_number, self._hotline_name))
        contact_id = await self._store.create(
            NewContact(call_id, court_id, case_number, call.caller_number, initiated_by, now)
        )
        contact = m.Contact(contact_id, call_id, tuple(chain), whisper)
        runtime = Runtime(contact, call.caller_number, contacts, now)
        self._runtimes[contact_id] = runtime
        log.info(
            "urgent contact started",
            contact=contact_id,
            call_id=call_id,
            court_id=court_id,
            steps=[step.role.value for step in chain],
            initiated_by=initiated_by,
        )
        calls.post_contact(
            call_id,
            calls_model.ContactStarted(contact_id, section.hold_prompt, section.agent_stays),
        )
        self._post(contact_id, m.Begin())
        return contact_id

    async def start_from_ivr(self, call: calls_model.Call, court_id: str, case_number: str) -> None:
        try:
            await self.start(call.id, court_id, case_number, INITIATED_BY_IVR)
        except UrgentError as exc:
            log.info("urgent contact refused", call_id=call.id, reason=exc.code)
            if self.calls is not None:
                self.calls.post_contact(call.id, calls_model.ContactRefused(exc.code))

    async def caller_gone(self, contact_id: int) -> None:
        self._post(contact_id, m.CallerGone())

    def _legs_under_way(self) -> int:
        return sum(
            1
            for runtime in self._runtimes.values()
            if runtime.contact.state in (m.ContactState.RINGING, m.ContactState.WHISPERING)
        )

    # ---- events in -----------------------------------------------------------------------
    def owns_channel(self, channel_id: str) -> bool:
        return channel_id.startswith(m.LEG_PREFIX)

    def tracks(self, channel_id: str) -> bool:
        return channel_id in self._owners

    async def handle_event(self, event: ari_events.Event) -> None:
        match event:
            case ari_events.StasisStart(channel=channel, args=args):
                contact_id = self._owners.get(channel.id)
                if args[:1] != [LEG_APP_ARG] or contact_id is None:
                    log.warning("unexpected urgent leg; hanging up", channel=channel.id)
                    await hang_up(self._ari, channel.id)
                    return
                self._post(contact_id, m.LegAnswered(channel.id))
            case ari_events.ChannelDestroyed(channel=channel, cause=cause):
                contact_id = self._owners.pop(channel.id, None)
                if contact_id is not None:
                    self._post(contact_id, m.LegGone(channel.id, cause))
            case ari_events.ChannelDtmfReceived(channel=channel, digit=digit):
                contact_id = self._owners.get(channel.id)
                if contact_id is not None:
                    self._post(contact_id, m.LegDigit(channel.id, digit))
            case ari_events.PlaybackFinished(playback=playback):
                contact_id = self._owners.get(playback.target_uri.removeprefix("channel:"))
                if contact_id is not None:
                    self._post(contact_id, m.WhisperDone(playback.id))
            case _:
                log.debug("urgent leg event not handled", type=event.type)

    def _post(self, contact_id: int, event: m.ContactEvent) -> None:
        runtime = self._runtimes.get(contact_id)
        if runtime is None:
            return
        runtime.events.put_nowait(event)
        if runtime.task is None or runtime.task.done():
            runtime.task = asyncio.create_task(self._drain(runtime), name=f"urgent-{contact_id}")

    async def _drain(self, runtime: Runtime) -> None:
        structlog.contextvars.bind_contextvars(
            contact=runtime.contact.id, call_id=runtime.contact.call_id
        )
        while not runtime.events.empty():
            event = runtime.events.get_nowait()
            try:
                await self._step(runtime, event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("urgent contact step failed; letting the leg go")
                leg = runtime.contact.leg_channel_id
                if leg is not None:
                    await hang_up(self._ari, leg)

    async def _step(self, runtime: Runtime, event: m.ContactEvent) -> None:
        before = runtime.contact
        section = self._settings().section
        policy = section.policy() if section is not None else m.UrgentPolicy()
        result = decide(before, event, self._clock(), policy)
        if result is None:
            log.debug(
                "urgent event ignored", state=before.state.value, trigger=type(event).__name__
            )
            return
        runtime.contact, commands = result
        if runtime.contact.state is not before.state or runtime.contact.step_no != before.step_no:
            log.info(
                "urgent contact transition",
                from_state=before.state.value,
                trigger=type(event).__name__,
                to_state=runtime.contact.state.value,
                step=runtime.contact.step_no,
                role=runtime.contact.step.role.value if runtime.contact.steps else None,
            )
        if isinstance(event, m.LegAnswered) and runtime.contact.state is m.ContactState.WHISPERING:
            await self._store.step_answered(before.id, before.step_no, self._clock())
        for command in commands:
            await self._execute(runtime, command)
        self.changed()

    # ---- commands out --------------------------------------------------------------------
    async def _execute(self, runtime: Runtime, command: m.ContactCommand) -> None:
        contact = runtime.contact
        now = self._clock()
        try:
            match command:
                case m.DialLeg(step_no, channel_id, timeout_s):
                    await self._dial(runtime, step_no, channel_id, timeout_s, now)
                case m.PlayWhisper(channel_id, playback_id):
                    await self._ari.play(
                        channel_id, [contact.whisper_media], playback_id=playback_id
                    )
                case m.StopWhisper(playback_id):
                    await ignore_gone(self._ari.stop_playback(playback_id))
                case m.StartChoiceTimer(token, seconds):
                    if runtime.timer is not None:
                        runtime.timer.cancel()
                    runtime.timer = asyncio.get_running_loop().call_later(
                        seconds, self._post, contact.id, m.ChoiceTimedOut(token)
                    )
                case m.HangUpLeg(channel_id):
                    await hang_up(self._ari, channel_id)
                case m.StepEnded(step_no, outcome, cause):
                    await self._store.step_ended(contact.id, step_no, outcome, cause, now)
                    log.info("urgent step ended", step=step_no, outcome=outcome.value, cause=cause)
                case m.JoinCaller(channel_id):
                    if self.calls is not None:
                        self.calls.post_contact(
                            contact.call_id, calls_model.ContactJoined(channel_id)
                        )
                case m.Finished(outcome, at):
                    await self._finish(runtime, outcome, at)
                case _:
                    assert_never(command)
        except AriNotFound:
            log.debug("ARI object already gone", command=type(command).__name__)
        except AriError as exc:
            log.error("urgent ARI command failed", command=type(command).__name__, error=str(exc))

    async def _dial(
        self, runtime: Runtime, step_no: int, channel_id: str, timeout_s: int, now: datetime
    ) -> None:
        contact = runtime.contact
        step = contact.steps[step_no - 1]
        settings = self._settings()
        self._owners[channel_id] = contact.id
        await self._store.step_dialled(contact.id, step_no, step, channel_id, now)
        log.info(
            "ringing for an urgent contact",
            step=step_no,
            role=step.role.value,
            number=mask_phone(step.number),
        )
        try:
            if settings.carrier is None:
                raise AriError("no carrier with `outbound` to ring through")
            await self._ari.originate(
                f"PJSIP/{step.number}@{settings.carrier}",
                channel_id=channel_id,
                app_args=[LEG_APP_ARG, str(contact.id), str(step_no)],
                caller_id=f'"{settings.caller_id}" <{settings.caller_id}>',
                timeout_s=timeout_s,
            )
        except AriError as exc:
            log.warning("urgent leg could not be dialled", step=step_no, error=str(exc))
            self._owners.pop(channel_id, None)
            self._post(contact.id, m.LegGone(channel_id, -1))

    async def _finish(self, runtime: Runtime, outcome: m.ContactOutcome, at: datetime) -> None:
        contact = runtime.contact
        if runtime.timer is not None:
            runtime.timer.cancel()
        bridged_step = contact.step_no if outcome is m.ContactOutcome.BRIDGED else None
        await self._store.finished(contact.id, outcome, bridged_step, at)
        self._runtimes.pop(contact.id, None)
        log.info("urgent contact finished", outcome=outcome.value, steps=contact.step_no)
        calls = self.calls
        if outcome is m.ContactOutcome.BRIDGED and calls is not None:
            calls.post_contact(
                contact.call_id, calls_model.ContactLeft(contact.leg_channel_id or "")
            )
        if outcome is m.ContactOutcome.UNREACHED:
            section = self._settings().section
            if calls is not None and section is not None:
                calls.post_contact(
                    contact.call_id, calls_model.ContactUnreached(section.unreached_prompt)
                )
            await self._unreached(
                Unreached(
                    contact.id,
                    contact.call_id,
                    runtime.caller_number,
                    runtime.contacts,
                    runtime.started_at,
                    at,
                )
            )

    async def describe(self, contact_id: int) -> ContactRow | None:
        return await self._store.contact(contact_id)

    async def recover(self) -> int:
        """At start: contacts left under way by a previous process are closed as interrupted."""
        return await self._store.close_unfinished(self._clock())

    async def stop(self) -> None:
        tasks = [r.task for r in self._runtimes.values() if r.task]
        for runtime in self._runtimes.values():
            if runtime.timer is not None:
                runtime.timer.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

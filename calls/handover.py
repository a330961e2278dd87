"""Handing a connected caller over: hold, blind transfer to another queue, and consult-then-
transfer (咨询转接) to a seat of another queue or a consulting judge. Pure; the call state
machine (calls.state) routes the agent's requests here."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import assert_never

from agents.model import OfferOutcome
from calls.model import (
    AddToBridge,
    Call,
    CallCommand,
    CallState,
    CancelTimer,
    Consult,
    ConsultKind,
    ConsultSeatTalking,
    ConsultTarget,
    DestroyBridge,
    DialConsult,
    HangUp,
    QueuePolicy,
    ReleaseSeat,
    RemoveFromBridge,
    StartHoldMusic,
    StartTimer,
    StopHoldMusic,
    StopRecording,
    consult_channel_id,
)
from calls.steps import (
    CONSULT_TIMER,
    OFFER_GUARD_S,
    Decision,
    QueueLookup,
    enter_queue,
    off_hold,
    release_answering_seat,
)


def hold(call: Call) -> Decision | None:
    """The caller leaves the bridge and hears music; the agent stays in it."""
    if (
        call.state is not CallState.CONNECTED
        or call.held
        or call.bridge_id is None
        or call.seat_channel_id is None
        or call.contact_channel_id is not None
    ):
        return None
    return replace(call, held=True), [
        RemoveFromBridge(call.bridge_id, call.caller_channel_id),
        StartHoldMusic(),
    ]


def resume(call: Call) -> Decision | None:
    if call.state is not CallState.CONNECTED or not call.held:
        return None
    return replace(call, held=False), off_hold(call)


def transfer(call: Call, queue_id: str, queues: QueueLookup, now: datetime) -> Decision | None:
    if not call.can_hand_over:
        return None
    try:
        queue = queues(queue_id)
    except KeyError:
        return None
    return _transfer_to(call, queue, now)


def cancel_consult(call: Call) -> Decision | None:
    """取消咨询: the target is let go, the caller taken off hold."""
    if call.consult is None:
        return None
    outcome = OfferOutcome.ANSWERED if call.consult.answered else OfferOutcome.CALLER_LEFT
    call, commands = drop_consult(call, outcome, hang_up=True)
    if call.held:
        commands += off_hold(call)
        call = replace(call, held=False)
    return call, commands


def _transfer_to(call: Call, queue: QueuePolicy, now: datetime) -> Decision:
    """A blind transfer: this leg ends (recording, seat, bridge), the caller waits in the new
    queue with their first place in line, never offered back to the seat that passed them on."""
    assert call.bridge_id is not None and call.seat_id is not None
    assert call.seat_channel_id is not None
    commands: list[CallCommand] = [
        *([StopHoldMusic()] if call.held else []),
        StopRecording(call.recording_name),
        HangUp(call.seat_channel_id),
        DestroyBridge(call.bridge_id),
        *release_answering_seat(call),
    ]
    passed_on_by = call.seat_id
    call = replace(
        call,
        seat_id=None,
        seat_channel_id=None,
        bridge_id=None,
        held=False,
        on_hold_music=False,
        max_wait_offered=False,
        leg=call.leg + 1,
        tried_seats=frozenset({passed_on_by}),
    )
    call, queued = enter_queue(call, queue, call.queued_at or now, frozenset({passed_on_by}))
    return call, [*commands, *queued]


def consult(call: Call, target: ConsultTarget, blind: bool) -> Decision:
    """The caller waits on hold (music) while the target rings; the agent stays in the bridge."""
    if not call.can_hand_over or call.bridge_id is None:
        # Not a moment to consult: the seat reserved for it goes back at once.
        return call, _release_consulted(target, OfferOutcome.CALLER_LEFT)
    number = call.consults + 1
    channel_id = consult_channel_id(call.id, number)
    commands: list[CallCommand] = []
    if not call.held:
        commands += [RemoveFromBridge(call.bridge_id, call.caller_channel_id), StartHoldMusic()]
    call = replace(call, held=True, consult=Consult(target, channel_id, blind), consults=number)
    return call, [
        *commands,
        DialConsult(channel_id, target),
        StartTimer(CONSULT_TIMER, target.ring_s + OFFER_GUARD_S),
    ]


def consult_answered(call: Call, channel_id: str, queues: QueueLookup) -> Decision:
    consult = call.consult
    if consult is None or consult.answered or channel_id != consult.channel_id:
        return call, [HangUp(channel_id)]  # answered too late: the consultation is over
    bridge_id = call.bridge_id
    assert bridge_id is not None
    commands: list[CallCommand] = [CancelTimer(CONSULT_TIMER)]
    if consult.target.seat_id is not None:
        commands.append(ConsultSeatTalking(consult.target.seat_id))
    consult = replace(consult, answered=True)
    call = replace(call, consult=consult)
    commands.append(AddToBridge(bridge_id, channel_id))
    if consult.blind and call.seat_channel_id is not None:
        call, handed = complete_consult(call, consult, queues)
        commands += handed
    return call, commands


def _release_consulted(target: ConsultTarget, outcome: OfferOutcome) -> list[CallCommand]:
    if target.kind is not ConsultKind.QUEUE or target.seat_id is None:
        return []
    return [ReleaseSeat(target.seat_id, outcome, 0, 0)]


def drop_consult(call: Call, outcome: OfferOutcome, *, hang_up: bool) -> Decision:
    """The consultation is over without a hand-over; the caller stays as they are (on hold)."""
    assert call.consult is not None
    commands: list[CallCommand] = [CancelTimer(CONSULT_TIMER)]
    if hang_up:
        commands.append(HangUp(call.consult.channel_id))
    commands += _release_consulted(call.consult.target, outcome)
    return replace(call, consult=None), commands


def complete_consult(
    call: Call, consult: Consult, queues: QueueLookup, *, seat_gone: bool = False
) -> Decision:
    """The caller is put through to the one consulted; the agent's seat is let go."""
    assert call.bridge_id is not None and call.seat_channel_id is not None
    commands: list[CallCommand] = [CancelTimer(CONSULT_TIMER)]
    if call.held:
        commands += off_hold(call)
    if not seat_gone:
        commands.append(HangUp(call.seat_channel_id))
    commands += release_answering_seat(call)
    call = replace(call, consult=None, held=False)
    target = consult.target
    match target.kind:
        case ConsultKind.QUEUE:
            assert target.seat_id is not None
            queue: QueuePolicy | None
            try:
                queue = queues(target.target_id)
            except KeyError:
                queue = call.queue  # the queue left the config meanwhile: wrap up as before
            call = replace(
                call,
                seat_id=target.seat_id,
                seat_channel_id=consult.channel_id,
                queue=queue,
                tried_seats=call.tried_seats | {target.seat_id},
            )
        case ConsultKind.JUDGE:
            call = replace(call, seat_channel_id=None, contact_channel_id=consult.channel_id)
        case _:
            assert_never(target.kind)
    return call, commands

"""The call state machine: decide(call, event, now) -> (call, commands). Pure; no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import assert_never

from agents.model import OfferOutcome
from calls import handover
from calls.model import (
    CALLBACK_ABANDONED,
    CALLBACK_QUEUE_TIMEOUT,
    AddToBridge,
    AnnounceWait,
    Answer,
    BridgeAndRecord,
    Call,
    CallCommand,
    CallerEntered,
    CallerLeft,
    CallEvent,
    CallState,
    CancelTimer,
    CaseLookedUp,
    Consult,
    ConsultAnswered,
    ConsultAsked,
    ConsultCancelAsked,
    ConsultCompleteAsked,
    ConsultLeft,
    ContactJoined,
    ContactLeft,
    ContactRefused,
    ContactStarted,
    ContactUnreached,
    CreateCallbackTask,
    Dequeue,
    DestroyBridge,
    DialSeat,
    DigitPressed,
    EndContact,
    EndReason,
    Enqueue,
    EnsureRecording,
    FileMessageWorkOrder,
    HangUp,
    HoldAsked,
    KeepPlaceForCallback,
    MessageRecorded,
    Party,
    PlaybackDone,
    QueuePolicy,
    RecordMessage,
    ReleaseSeat,
    ResumeAsked,
    Resynced,
    SeatAnswered,
    SeatAssigned,
    SeatLeft,
    SeatTalking,
    SeatUnavailable,
    StartHoldMusic,
    StartTimer,
    StartUrgentContact,
    StopHoldMusic,
    StopPlayback,
    StopRecording,
    TimerFired,
    TransferAsked,
    bridge_id_for,
    message_name_for,
)
from calls.steps import (
    ANNOUNCE_TIMER,
    CHOICE_TIMER,
    CONSULT_TIMER,
    FAREWELL_GUARD_S,
    FAREWELL_TIMER,
    IVR_INPUT_TIMER,
    MAX_WAIT_TIMER,
    OFFER_GUARD_S,
    OFFER_TIMER,
    SURVEY_TIMER,
    Decision,
    QueueLookup,
    enter_queue,
    off_hold,
    play_prompts,
    release_answering_seat,
)
from ivr import model as ivr
from ivr import state as ivr_state
from ivr.model import SurveySection
from ivr.state import IvrProgram


def decide(
    call: Call,
    event: CallEvent,
    now: datetime,
    menu: IvrProgram,
    queues: QueueLookup,
    *,
    seats_open: bool = True,
) -> Decision | None:
    """The next call and the commands to run, or None when the event is ignored in this state."""
    if call.state is CallState.ENDED:
        return None
    match event:
        case CallerEntered():
            if call.state is not CallState.IVR or call.ivr is not None:
                return None
            state, actions = ivr_state.start(menu)
            call = replace(call, answered_at=now, ivr=state)
            return _apply_ivr(call, actions, [Answer()], queues, now, menu, seats_open)
        case DigitPressed(digit):
            if call.state is CallState.SURVEY and menu.survey is not None:
                return _survey_answer(call, menu.survey, digit)
            if call.state is CallState.QUEUED and call.queue is not None:
                return _queued_key(call, call.queue, digit, menu, queues, now, seats_open)
            if call.state is not CallState.IVR or call.ivr is None:
                return None
            return _ivr_step(call, menu, ivr.KeyPressed(digit), queues, now, seats_open)
        case PlaybackDone(playback_id):
            if playback_id != call.playback_id:
                return None
            call = replace(call, playback_id=None)
            if call.state is CallState.IVR and call.ivr is not None:
                return _ivr_step(call, menu, ivr.PromptFinished(), queues, now, seats_open)
            if call.state is CallState.FAREWELL:
                return _end_farewell(call, now)
            if call.state is CallState.CONTACTING and not call.on_hold_music:
                return replace(call, on_hold_music=True), [StartHoldMusic(call.bridge_id)]
            commands: list[CallCommand] = []
            if call.state is CallState.QUEUED and playback_id == call.choice_playback_id:
                assert call.queue is not None and call.queue.max_wait_choice is not None
                commands.append(StartTimer(CHOICE_TIMER, call.queue.max_wait_choice.timeout_s))
            if call.state in (CallState.QUEUED, CallState.OFFERING) and not call.on_hold_music:
                return replace(call, on_hold_music=True), [*commands, StartHoldMusic()]
            if call.state is CallState.SURVEY and menu.survey is not None:
                if call.survey_answer is None:
                    return call, [StartTimer(SURVEY_TIMER, menu.survey.timeout_s)]
                return _end_survey(call, now)
            return call, []
        case TimerFired(name):
            return _timer(call, name, menu, queues, now, seats_open)
        case SeatAssigned(seat_id):
            return _seat_assigned(call, seat_id, now)
        case SeatAnswered(channel_id):
            return _seat_answered(call, channel_id, now)
        case SeatUnavailable(channel_id, _cause):
            if call.state is not CallState.OFFERING or channel_id != call.seat_channel_id:
                return None
            return _requeue_after_failed_offer(call, now)
        case CallerLeft():
            return _caller_left(call, now)
        case SeatLeft(channel_id):
            if channel_id != call.seat_channel_id:
                return None
            if call.consult is not None:
                return _seat_left_consulting(call, call.consult, menu, queues, now)
            if call.state is CallState.OFFERING:
                return _requeue_after_failed_offer(call, now)
            if call.state is CallState.CONTACTING or (
                call.state is CallState.CONNECTED and call.contact_channel_id is not None
            ):
                # The caller stays with the judge (or keeps waiting for one) without the agent.
                return _seat_gone(call)
            if call.state is CallState.CONNECTED:
                if menu.survey is not None:
                    return _start_survey(call, menu.survey)
                return _end_connected(call, Party.SEAT, now)
            return None
        case CaseLookedUp(kind, status_text, case):
            if call.state is not CallState.IVR or call.ivr is None:
                return None
            answer = ivr.CaseAnswered(kind, status_text, case)
            return _ivr_step(call, menu, answer, queues, now, seats_open)
        case MessageRecorded(_name):
            if call.state is not CallState.IVR or call.ivr is None:
                return None
            return _ivr_step(call, menu, ivr.MessageRecorded(), queues, now, seats_open)
        case ContactStarted(contact_id, hold_prompt, agent_stays):
            return _contact_started(call, contact_id, hold_prompt, agent_stays)
        case ContactRefused(_reason):
            if call.state is not CallState.IVR or call.ivr is None:
                return None
            return _ivr_step(call, menu, ivr.ContactRefused(), queues, now, seats_open)
        case ContactJoined(channel_id):
            return _contact_joined(call, channel_id)
        case ContactUnreached(prompt):
            return _contact_unreached(call, prompt)
        case ContactLeft(channel_id):
            if channel_id != call.contact_channel_id or call.state is not CallState.CONNECTED:
                return None
            if call.seat_channel_id is not None:
                return replace(call, contact_channel_id=None), []
            return _end_connected(call, Party.CONTACT, now)
        case HoldAsked():
            return handover.hold(call)
        case ResumeAsked():
            return handover.resume(call)
        case TransferAsked(queue_id):
            return handover.transfer(call, queue_id, queues, now)
        case ConsultAsked(target, blind):
            return handover.consult(call, target, blind)
        case ConsultAnswered(channel_id):
            return handover.consult_answered(call, channel_id, queues)
        case ConsultLeft(channel_id):
            consult = call.consult
            if consult is None or channel_id != consult.channel_id:
                # Handed over just before it went: it is the call's seat or contact by now.
                if channel_id == call.seat_channel_id:
                    return decide(call, SeatLeft(channel_id), now, menu, queues)
                if channel_id == call.contact_channel_id:
                    return decide(call, ContactLeft(channel_id), now, menu, queues)
                return None
            outcome = OfferOutcome.ANSWERED if consult.answered else OfferOutcome.NO_ANSWER
            return handover.drop_consult(call, outcome, hang_up=False)
        case ConsultCompleteAsked():
            if call.consult is None or not call.consult.answered:
                return None
            return handover.complete_consult(call, call.consult, queues)
        case ConsultCancelAsked():
            return handover.cancel_consult(call)
        case Resynced():
            if call.state is CallState.CONNECTED and call.bridge_id is not None:
                return call, [EnsureRecording(call.bridge_id, call.recording_name)]
            # A PlaybackFinished may have been lost: act as if the current prompt ended.
            if call.playback_id is None:
                return None
            return decide(
                call, PlaybackDone(call.playback_id), now, menu, queues, seats_open=seats_open
            )
        case _:
            assert_never(event)


def _seat_left_consulting(
    call: Call, consult: Consult, menu: IvrProgram, queues: QueueLookup, now: datetime
) -> Decision | None:
    """The agent hung up mid-consultation: once the target has answered, that hands the caller
    over (as on a desk phone); before, the consultation is given up and the seat left as usual."""
    if consult.answered:
        return handover.complete_consult(call, consult, queues, seat_gone=True)
    channel_id = call.seat_channel_id
    assert channel_id is not None
    call, dropped = handover.drop_consult(call, OfferOutcome.CALLER_LEFT, hang_up=True)
    result = decide(call, SeatLeft(channel_id), now, menu, queues)
    if result is None:
        return call, dropped
    call, commands = result
    return call, [*dropped, *commands]


def _ivr_step(
    call: Call,
    menu: IvrProgram,
    event: ivr.IvrEvent,
    queues: QueueLookup,
    now: datetime,
    seats_open: bool = True,
) -> Decision | None:
    assert call.ivr is not None
    result = ivr_state.decide(menu, call.ivr, event)
    if result is None:
        return None
    state, actions = result
    return _apply_ivr(replace(call, ivr=state), actions, [], queues, now, menu, seats_open)


def _apply_ivr(
    call: Call,
    actions: list[ivr.IvrAction],
    commands: list[CallCommand],
    queues: QueueLookup,
    now: datetime,
    menu: IvrProgram,
    seats_open: bool,
) -> Decision:
    pending = list(actions)
    while pending:
        action = pending.pop(0)
        match action:
            case ivr.Play(prompts):
                call, play = play_prompts(call, prompts)
                commands.append(play)
            case ivr.StopPrompt():
                if call.playback_id is not None:
                    commands.append(StopPlayback(call.playback_id))
                    call = replace(call, playback_id=None)
            case ivr.WaitForInput(seconds):
                commands.append(StartTimer(IVR_INPUT_TIMER, seconds))
            case ivr.RouteToQueue(queue_id):
                commands.append(CancelTimer(IVR_INPUT_TIMER))
                if not seats_open and menu.after_hours is not None and call.ivr is not None:
                    # Nobody at the seats: the menu goes on to leaving a message instead.
                    state, more = ivr_state.enter(menu, call.ivr, menu.after_hours)
                    call = replace(call, ivr=state)
                    pending[:0] = more
                    continue
                call, queued = enter_queue(call, queues(queue_id), now)
                commands.extend(queued)
            case ivr.RecordMessage(max_seconds):
                commands.append(RecordMessage(message_name_for(call.id), max_seconds))
            case ivr.LookUpCase():
                commands.append(action)  # the IVR's request goes to the case directory as is
            case ivr.ContactJudge(court_id, case_number):
                commands.append(CancelTimer(IVR_INPUT_TIMER))
                commands.append(StartUrgentContact(court_id, case_number))
            case ivr.Finish(reason):
                end_reason = EndReason(reason)
                if end_reason is EndReason.MESSAGE_LEFT:
                    commands.append(_message_left(call))
                call, ended = _end(call, end_reason, Party.SYSTEM, now)
                commands.extend([*ended, HangUp(call.caller_channel_id)])
            case _:
                assert_never(action)
    return call, commands


def _message_left(call: Call) -> CallCommand:
    """Who deals with a message: the case's judge, as a work order, when the menu says so and
    the caller verified the case; otherwise an agent, from the callback list."""
    name = message_name_for(call.id)
    menu = call.ivr
    if menu is not None and menu.message_work_order is not None and menu.verified_case:
        court_id, case_number = menu.verified_case
        return FileMessageWorkOrder(menu.message_work_order, court_id, case_number, name)
    return CreateCallbackTask("message", name)


def _timer(
    call: Call,
    name: str,
    menu: IvrProgram,
    queues: QueueLookup,
    now: datetime,
    seats_open: bool,
) -> Decision | None:
    if name == IVR_INPUT_TIMER and call.state is CallState.IVR and call.ivr is not None:
        return _ivr_step(call, menu, ivr.InputTimedOut(), queues, now, seats_open)
    if name == OFFER_TIMER and call.state is CallState.OFFERING:
        assert call.seat_channel_id is not None
        call2, commands = _requeue_after_failed_offer(call, now)
        return call2, [HangUp(call.seat_channel_id), *commands]
    if name == SURVEY_TIMER and call.state is CallState.SURVEY:
        return _end_survey(call, now)
    if name == MAX_WAIT_TIMER and call.state is CallState.QUEUED:
        return _max_wait_reached(call, now)
    if name == ANNOUNCE_TIMER and call.state in (CallState.QUEUED, CallState.OFFERING):
        return _announce(call)
    if name == CHOICE_TIMER and call.state is CallState.QUEUED:
        # Offered a message or a callback and chose neither: call them back all the same.
        return _give_up_waiting(call, menu.goodbye, now)
    if name == FAREWELL_TIMER and call.state is CallState.FAREWELL:
        return _end_farewell(call, now)
    if name == CONSULT_TIMER and call.consult is not None and not call.consult.answered:
        # Asterisk's ring timeout should have ended it; this guards a lost event.
        return handover.drop_consult(call, OfferOutcome.NO_ANSWER, hang_up=True)
    return None


def _announce(call: Call) -> Decision:
    assert call.queue is not None
    again = StartTimer(ANNOUNCE_TIMER, call.queue.announce_every_s)
    if call.state is not CallState.QUEUED or call.playback_id is not None:
        return call, [again]  # a seat is ringing or a prompt is playing: next time
    count = call.playback_count + 1
    playback_id = f"{call.id}-p{count}"
    commands: list[CallCommand] = [StopHoldMusic()] if call.on_hold_music else []
    call = replace(call, playback_id=playback_id, playback_count=count, on_hold_music=False)
    return call, [*commands, AnnounceWait(playback_id), again]


def _queued_key(
    call: Call,
    queue: QueuePolicy,
    digit: str,
    menu: IvrProgram,
    queues: QueueLookup,
    now: datetime,
    seats_open: bool,
) -> Decision | None:
    choice = queue.max_wait_choice if call.max_wait_offered else None
    if choice is not None and digit == choice.message_key and choice.message_node is not None:
        return _leave_message_instead(call, choice.message_node, menu, queues, now, seats_open)
    if digit == queue.callback_key or (choice is not None and digit == choice.callback_key):
        return _keep_place(call, queue, now)
    return None


def _waiting_timers(call: Call) -> list[CallCommand]:
    """Cancels for the timers a waiting caller may have running."""
    timers: list[CallCommand] = [CancelTimer(MAX_WAIT_TIMER)]
    if call.queue is not None and call.queue.announce_every_s:
        timers.append(CancelTimer(ANNOUNCE_TIMER))
    if call.max_wait_offered:
        timers.append(CancelTimer(CHOICE_TIMER))
    return timers


def _stop_waiting(call: Call) -> list[CallCommand]:
    commands: list[CallCommand] = [Dequeue(), *_waiting_timers(call)]
    if call.playback_id is not None:
        commands.append(StopPlayback(call.playback_id))
    if call.on_hold_music:
        commands.append(StopHoldMusic())
    return commands


def _keep_place(call: Call, queue: QueuePolicy, now: datetime) -> Decision:
    """The caller asked to be called back: the place in line is kept for a callback."""
    commands = [*_stop_waiting(call), KeepPlaceForCallback()]
    call = replace(call, playback_id=None, on_hold_music=False)
    if queue.callback_prompt is None:
        call, ended = _end(call, EndReason.CALLBACK_REQUESTED, Party.CALLER, now)
        return call, [*commands, *ended, HangUp(call.caller_channel_id)]
    call, farewell = _farewell(call, queue.callback_prompt, EndReason.CALLBACK_REQUESTED)
    return call, [*commands, *farewell]


def _leave_message_instead(
    call: Call,
    node_id: str,
    menu: IvrProgram,
    queues: QueueLookup,
    now: datetime,
    seats_open: bool,
) -> Decision | None:
    if call.ivr is None:
        return None
    commands = _stop_waiting(call)
    state, actions = ivr_state.enter(menu, call.ivr, node_id)
    call = replace(call, state=CallState.IVR, playback_id=None, on_hold_music=False)
    call = replace(call, ivr=state)
    return _apply_ivr(call, actions, commands, queues, now, menu, seats_open)


def _max_wait_reached(call: Call, now: datetime) -> Decision:
    """The longest wait is over: offer a message or a callback, or call the caller back."""
    assert call.queue is not None
    choice = call.queue.max_wait_choice
    if choice is None or call.max_wait_offered:
        return _give_up_waiting(call, None, now)
    commands: list[CallCommand] = []
    if call.playback_id is not None:
        commands.append(StopPlayback(call.playback_id))
    if call.on_hold_music:
        commands.append(StopHoldMusic())
    call = replace(call, max_wait_offered=True, on_hold_music=False)
    call, play = play_prompts(call, (choice.prompt,))
    return replace(call, choice_playback_id=play.playback_id), [*commands, play]


def _give_up_waiting(call: Call, goodbye: str | None, now: datetime) -> Decision:
    commands = [*_stop_waiting(call), CreateCallbackTask(CALLBACK_QUEUE_TIMEOUT, None)]
    call = replace(call, playback_id=None, on_hold_music=False)
    if goodbye is None:
        call, ended = _end(call, EndReason.QUEUE_TIMEOUT, Party.SYSTEM, now)
        return call, [*commands, *ended, HangUp(call.caller_channel_id)]
    call, farewell = _farewell(call, goodbye, EndReason.QUEUE_TIMEOUT)
    return call, [*commands, *farewell]


def _farewell(call: Call, prompt: str, reason: EndReason) -> Decision:
    call, play = play_prompts(
        replace(call, state=CallState.FAREWELL, pending_end=reason), (prompt,)
    )
    return call, [play, StartTimer(FAREWELL_TIMER, FAREWELL_GUARD_S)]


def _end_farewell(call: Call, now: datetime) -> Decision:
    reason = call.pending_end or EndReason.COMPLETED
    by = Party.CALLER if reason is EndReason.CALLBACK_REQUESTED else Party.SYSTEM
    bridge = _farewell_bridge(call)
    call, commands = _end(call, reason, by, now)
    return call, [
        CancelTimer(FAREWELL_TIMER),
        *commands,
        *bridge,
        HangUp(call.caller_channel_id),
    ]


def _farewell_bridge(call: Call) -> list[CallCommand]:
    """An unreached urgent contact says goodbye in the call's bridge: it goes with the call."""
    if call.pending_end is not EndReason.URGENT_UNREACHED or call.bridge_id is None:
        return []
    return [StopRecording(call.recording_name), DestroyBridge(call.bridge_id)]


def _seat_assigned(call: Call, seat_id: str, now: datetime) -> Decision:
    if call.state is not CallState.QUEUED or call.queue is None:
        # The caller left or was served while the router picked: hand the seat straight back.
        return call, [ReleaseSeat(seat_id, OfferOutcome.CALLER_LEFT, 0, 0)]
    attempt = call.offer_attempt + 1
    channel_id = f"{call.id}-seat{attempt}"
    commands: list[CallCommand] = [CancelTimer(CHOICE_TIMER)] if call.max_wait_offered else []
    if call.playback_id is not None:
        commands.append(StopPlayback(call.playback_id))
    if not call.on_hold_music:
        commands.append(StartHoldMusic())
    commands += [
        DialSeat(seat_id, channel_id, attempt, call.queue.ring_timeout_s),
        StartTimer(OFFER_TIMER, call.queue.ring_timeout_s + OFFER_GUARD_S),
    ]
    call = replace(
        call,
        state=CallState.OFFERING,
        seat_id=seat_id,
        seat_channel_id=channel_id,
        offer_attempt=attempt,
        tried_seats=call.tried_seats | {seat_id},
        offered_at=call.offered_at or now,
        playback_id=None,
        on_hold_music=True,
    )
    return call, commands


def _seat_answered(call: Call, channel_id: str, now: datetime) -> Decision | None:
    if call.state is not CallState.OFFERING or channel_id != call.seat_channel_id:
        # A seat that answers too late (the caller left, or the offer timed out) is let go.
        return call, [HangUp(channel_id)]
    seat_id = call.seat_id
    assert seat_id is not None
    bridge_id = bridge_id_for(call.id)
    # A transferred caller keeps the moment they were first put through (the call's figures).
    call = replace(
        call,
        state=CallState.CONNECTED,
        bridge_id=bridge_id,
        connected_at=call.connected_at or now,
        on_hold_music=False,
    )
    return call, [
        CancelTimer(OFFER_TIMER),
        *_waiting_timers(call),
        StopHoldMusic(),
        SeatTalking(seat_id),
        BridgeAndRecord(
            bridge_id, (call.caller_channel_id, channel_id), recording_name=call.recording_name
        ),
    ]


def _requeue_after_failed_offer(call: Call, now: datetime) -> Decision:
    queue, queued_at = call.queue, call.queued_at
    assert queue is not None and call.seat_id is not None and queued_at is not None
    commands: list[CallCommand] = [
        CancelTimer(OFFER_TIMER),
        ReleaseSeat(call.seat_id, OfferOutcome.NO_ANSWER, call.offer_attempt, 0),
    ]
    call = replace(call, state=CallState.QUEUED, seat_id=None, seat_channel_id=None)
    waited = (now - queued_at).total_seconds()
    # Original enqueue time: a caller whose seat did not answer keeps their place.
    commands.append(Enqueue(queue.queue_id, queued_at, call.tried_seats))
    if waited >= queue.max_wait_s:
        call, more = _max_wait_reached(call, now)
        return call, [*commands, *more]
    return call, [*commands, StartTimer(MAX_WAIT_TIMER, queue.max_wait_s - waited)]


def _caller_left(call: Call, now: datetime) -> Decision:
    match call.state:
        case CallState.IVR:
            if call.ivr is not None and call.ivr.message_taken:
                # Hanging up is how most people finish a message: keep it and call back.
                task = _message_left(call)
                call, commands = _end(call, EndReason.MESSAGE_LEFT, Party.CALLER, now)
                return call, [task, *commands]
            served = call.ivr is not None and call.ivr.self_service_done
            reason = EndReason.SELF_SERVICE if served else EndReason.ABANDONED_IN_IVR
            call, commands = _end(call, reason, Party.CALLER, now)
            return call, [CancelTimer(IVR_INPUT_TIMER), *commands]
        case CallState.QUEUED:
            stop = _stop_waiting(call)
            callback = _abandoned_callback(call, now)
            call = replace(call, playback_id=None, on_hold_music=False)
            call, commands = _end(call, EndReason.ABANDONED_IN_QUEUE, Party.CALLER, now)
            return call, [*stop, *callback, *commands]
        case CallState.OFFERING:
            assert call.seat_id is not None and call.seat_channel_id is not None
            release = ReleaseSeat(call.seat_id, OfferOutcome.CALLER_LEFT, call.offer_attempt, 0)
            seat_channel = call.seat_channel_id
            callback = _abandoned_callback(call, now)
            call, commands = _end(call, EndReason.ABANDONED_IN_QUEUE, Party.CALLER, now)
            return call, [
                CancelTimer(OFFER_TIMER),
                *_waiting_timers(call),
                HangUp(seat_channel),
                release,
                *callback,
                *commands,
            ]
        case CallState.FAREWELL:
            reason = call.pending_end or EndReason.COMPLETED
            bridge = _farewell_bridge(call)
            call, commands = _end(call, reason, Party.CALLER, now)
            return call, [CancelTimer(FAREWELL_TIMER), *commands, *bridge]
        case CallState.CONNECTED:
            return _end_connected(call, Party.CALLER, now)
        case CallState.CONTACTING:
            return _caller_left_contact(call, now)
        case CallState.SURVEY:
            # The seat hung up first; a caller who leaves during the survey just doesn't answer.
            call, commands = _end(call, EndReason.COMPLETED, Party.SEAT, now)
            return call, [CancelTimer(SURVEY_TIMER), *commands]
        case CallState.ENDED:
            return call, []
        case _:
            assert_never(call.state)


def _abandoned_callback(call: Call, now: datetime) -> list[CallCommand]:
    """A caller who gave up after waiting a while is put on the callback list."""
    assert call.queue is not None and call.queued_at is not None
    waited = (now - call.queued_at).total_seconds()
    if waited < call.queue.abandoned_callback_after_s:
        return []
    return [CreateCallbackTask(CALLBACK_ABANDONED, None)]


def _end_connected(call: Call, by: Party, now: datetime) -> Decision:
    bridge_id = call.bridge_id
    assert bridge_id is not None
    leaver = {
        Party.CALLER: call.caller_channel_id,
        Party.SEAT: call.seat_channel_id,
        Party.CONTACT: call.contact_channel_id,
    }.get(by)
    others = [
        channel
        for channel in (call.caller_channel_id, call.seat_channel_id, call.contact_channel_id)
        if channel is not None and channel != leaver
    ]
    consulting: list[CallCommand] = []
    if call.consult is not None:
        outcome = OfferOutcome.ANSWERED if call.consult.answered else OfferOutcome.CALLER_LEFT
        call, consulting = handover.drop_consult(call, outcome, hang_up=True)
    commands: list[CallCommand] = [
        *consulting,
        # Stopped while the bridge still exists: Asterisk sends RecordingFinished only to apps
        # still subscribed to the bridge, and destroying it first can lose that event.
        StopRecording(call.recording_name),
        *(HangUp(channel) for channel in others),
        DestroyBridge(bridge_id),
        *release_answering_seat(call),
    ]
    call, ended = _end(call, EndReason.COMPLETED, by, now)
    return call, [*commands, *ended]


def _seat_gone(call: Call) -> Decision:
    return replace(call, seat_channel_id=None), release_answering_seat(call)


def _contact_started(call: Call, contact_id: int, hold_prompt: str, agent_stays: bool) -> Decision:
    if (
        call.contact_id is not None
        or call.consult is not None
        or not (
            (call.state is CallState.IVR and call.ivr is not None)
            or (call.state is CallState.CONNECTED and call.seat_channel_id is not None)
        )
    ):
        # Not a moment to put the caller on hold (or a contact already ran): call it off.
        return call, [EndContact(contact_id)]
    commands: list[CallCommand] = off_hold(call) if call.held else []
    call = replace(call, held=False)
    if call.state is CallState.IVR:
        commands.append(CancelTimer(IVR_INPUT_TIMER))
        if call.playback_id is not None:
            commands.append(StopPlayback(call.playback_id))
        bridge_id = bridge_id_for(call.id)
        # The caller alone in a recorded bridge: the whole chain is on the recording.
        commands.append(BridgeAndRecord(bridge_id, (call.caller_channel_id,), call.recording_name))
        call = replace(call, bridge_id=bridge_id, playback_id=None)
    assert call.bridge_id is not None
    call = replace(
        call,
        state=CallState.CONTACTING,
        contact_id=contact_id,
        agent_stays=agent_stays,
        on_hold_music=False,
    )
    call, play = play_prompts(call, (hold_prompt,))
    return call, [*commands, replace(play, bridge_id=call.bridge_id)]


def _contact_joined(call: Call, channel_id: str) -> Decision:
    if call.state is not CallState.CONTACTING or call.bridge_id is None:
        return call, [HangUp(channel_id)]
    commands: list[CallCommand] = []
    if call.playback_id is not None:
        commands.append(StopPlayback(call.playback_id))
    commands += [StopHoldMusic(call.bridge_id), AddToBridge(call.bridge_id, channel_id)]
    call = replace(
        call,
        state=CallState.CONNECTED,
        contact_channel_id=channel_id,
        playback_id=None,
        on_hold_music=False,
        connected_at=call.connected_at or None,
    )
    if call.seat_channel_id is not None and not call.agent_stays:
        commands.append(HangUp(call.seat_channel_id))
        call, release = _seat_gone(call)
        commands += release
    return call, commands


def _contact_unreached(call: Call, prompt: str) -> Decision | None:
    if call.state is not CallState.CONTACTING or call.bridge_id is None:
        return None
    commands: list[CallCommand] = []
    if call.playback_id is not None:
        commands.append(StopPlayback(call.playback_id))
    commands.append(StopHoldMusic(call.bridge_id))
    call = replace(call, playback_id=None, on_hold_music=False)
    if call.seat_channel_id is not None:
        # The agent is still there: back to the conversation, both hear what happens next.
        call, play = play_prompts(replace(call, state=CallState.CONNECTED), (prompt,))
        return call, [*commands, replace(play, bridge_id=call.bridge_id)]
    call, play = play_prompts(
        replace(call, state=CallState.FAREWELL, pending_end=EndReason.URGENT_UNREACHED), (prompt,)
    )
    return call, [
        *commands,
        replace(play, bridge_id=call.bridge_id),
        StartTimer(FAREWELL_TIMER, FAREWELL_GUARD_S),
    ]


def _caller_left_contact(call: Call, now: datetime) -> Decision:
    assert call.contact_id is not None and call.bridge_id is not None
    commands: list[CallCommand] = [EndContact(call.contact_id), StopRecording(call.recording_name)]
    if call.seat_channel_id is not None:
        commands.append(HangUp(call.seat_channel_id))
    commands += [DestroyBridge(call.bridge_id), *release_answering_seat(call)]
    call, ended = _end(call, EndReason.ABANDONED_IN_CONTACT, Party.CALLER, now)
    return call, [*commands, *ended]


def _start_survey(call: Call, survey: SurveySection) -> Decision:
    """The seat hung up first: let the seat go and ask the caller, still on the line."""
    assert call.seat_id is not None and call.bridge_id is not None and call.queue is not None
    held: list[CallCommand] = [StopHoldMusic()] if call.held else []
    commands: list[CallCommand] = [
        *held,
        StopRecording(call.recording_name),
        DestroyBridge(call.bridge_id),
        ReleaseSeat(call.seat_id, OfferOutcome.ANSWERED, call.offer_attempt, call.queue.wrap_up_s),
    ]
    call, play = play_prompts(replace(call, state=CallState.SURVEY, held=False), (survey.prompt,))
    return call, [*commands, play]


def _survey_answer(call: Call, survey: SurveySection, digit: str) -> Decision | None:
    answer = survey.choices.get(digit)
    if answer is None or call.survey_answer is not None:
        return None
    commands: list[CallCommand] = [CancelTimer(SURVEY_TIMER)]
    if call.playback_id is not None:
        commands.append(StopPlayback(call.playback_id))
    call, play = play_prompts(replace(call, survey_answer=answer), (survey.thanks,))
    return call, [*commands, play]


def _end_survey(call: Call, now: datetime) -> Decision:
    call, commands = _end(call, EndReason.COMPLETED, Party.SEAT, now)
    return call, [*commands, HangUp(call.caller_channel_id)]


def _end(call: Call, reason: EndReason, by: Party, now: datetime) -> Decision:
    commands: list[CallCommand] = []
    if call.playback_id is not None:
        commands.append(StopPlayback(call.playback_id))
    call = replace(
        call,
        state=CallState.ENDED,
        ended_at=now,
        end_reason=reason,
        ended_by=by,
        playback_id=None,
        on_hold_music=False,
        held=False,
    )
    return call, commands

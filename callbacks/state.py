"""The callback state machine: decide(callback, event, now, policy). Pure; no I/O.

Agent first: the seat is rung, and only once the agent is on the line is the citizen dialled,
so a citizen who answers never waits for a free agent.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from typing import assert_never

from agents.model import OfferOutcome
from callbacks.model import (
    CAUSE_BUSY,
    AttemptEnded,
    AttemptOutcome,
    Callback,
    CallbackCommand,
    CallbackEvent,
    CallbackOutcome,
    CallbackPolicy,
    CallbackState,
    ChannelGone,
    CitizenAnswered,
    Connect,
    DialCitizen,
    DialFailed,
    DialSeat,
    Disconnect,
    Finish,
    HangUp,
    HoldSeat,
    ReleaseSeat,
    SeatAnswered,
    SeatAssigned,
    WaitInLine,
)

Decision = tuple[Callback, list[CallbackCommand]]

# A conversation's bridge, named by the callback and the attempt it came from.
CONVERSATION_BRIDGE = re.compile(r"^callback-(\d+)-call(\d+)-bridge$")


def resume_conversation(
    callback: Callback, bridge_id: str, channel_ids: list[str], now: datetime
) -> Callback | None:
    """After a restart: a conversation whose bridge still holds agent and citizen goes on."""
    found = CONVERSATION_BRIDGE.match(bridge_id)
    if found is None or int(found[1]) != callback.task_id or callback.last_seat_id is None:
        return None
    seat = [c for c in channel_ids if c.startswith(f"{callback.entry_id}-seat")]
    citizen = [c for c in channel_ids if c.startswith(f"{callback.entry_id}-citizen")]
    if len(seat) != 1 or len(citizen) != 1:
        return None
    attempt = int(found[2])
    return replace(
        callback,
        state=CallbackState.CONNECTED,
        attempts=max(callback.attempts, attempt),
        seat_id=callback.last_seat_id,
        seat_channel_id=seat[0],
        citizen_channel_id=citizen[0],
        call_id=f"{callback.entry_id}-call{attempt}",
        connected_at=now,
        outcome=CallbackOutcome.REACHED,
    )


def decide(
    callback: Callback, event: CallbackEvent, now: datetime, policy: CallbackPolicy
) -> Decision | None:
    """The next callback and its commands, or None when the event means nothing now."""
    state = callback.state
    match event:
        case SeatAssigned(seat_id):
            if state is not CallbackState.WAITING:
                return callback, [ReleaseSeat(seat_id, OfferOutcome.CALLER_LEFT, 0)]
            offers = callback.offers + 1
            channel_id = f"{callback.entry_id}-seat{offers}"
            callback = replace(
                callback,
                state=CallbackState.SEAT_RINGING,
                offers=offers,
                seat_id=seat_id,
                seat_channel_id=channel_id,
                tried_seats=callback.tried_seats | {seat_id},
            )
            return callback, [DialSeat(seat_id, channel_id, policy.seat_ring_s)]
        case SeatAnswered(channel_id):
            if state is not CallbackState.SEAT_RINGING or channel_id != callback.seat_channel_id:
                return callback, [HangUp(channel_id)]
            citizen = f"{callback.entry_id}-citizen{callback.attempts + 1}"
            callback = replace(
                callback, state=CallbackState.CITIZEN_RINGING, citizen_channel_id=citizen
            )
            return callback, [
                HoldSeat(channel_id),
                DialCitizen(callback.number, citizen, policy.citizen_ring_s),
            ]
        case CitizenAnswered(channel_id):
            if (
                state is not CallbackState.CITIZEN_RINGING
                or channel_id != callback.citizen_channel_id
            ):
                return callback, [HangUp(channel_id)]
            seat_channel = callback.seat_channel_id
            assert seat_channel is not None
            call_id = f"{callback.entry_id}-call{callback.attempts + 1}"
            callback = replace(
                callback,
                state=CallbackState.CONNECTED,
                attempts=callback.attempts + 1,
                call_id=call_id,
                connected_at=now,
                outcome=CallbackOutcome.REACHED,
            )
            return callback, [Connect(call_id, seat_channel, channel_id)]
        case ChannelGone(channel_id, cause):
            tried = AttemptOutcome.BUSY if cause == CAUSE_BUSY else AttemptOutcome.NO_ANSWER
            return _gone(callback, channel_id, tried, now, policy)
        case DialFailed(channel_id):
            return _gone(callback, channel_id, AttemptOutcome.FAILED, now, policy)
        case _:
            assert_never(event)


def _gone(
    callback: Callback,
    channel_id: str,
    tried: AttemptOutcome,
    now: datetime,
    policy: CallbackPolicy,
) -> Decision | None:
    """A leg ended; `tried` is how a try at the citizen's phone went, if it was the citizen's."""
    state = callback.state
    seat_id = callback.seat_id
    if state is CallbackState.SEAT_RINGING and channel_id == callback.seat_channel_id:
        # The agent did not answer: another seat, at once, same place in line.
        assert seat_id is not None
        callback = _back_in_line(callback)
        return callback, [
            ReleaseSeat(seat_id, OfferOutcome.NO_ANSWER, 0),
            WaitInLine(None, callback.tried_seats),
        ]
    if state is CallbackState.CITIZEN_RINGING:
        seat_channel = callback.seat_channel_id
        assert seat_id is not None and seat_channel is not None
        if channel_id == seat_channel:
            # The agent hung up before the citizen answered: not the citizen's try.
            citizen = callback.citizen_channel_id
            attempt = callback.attempts + 1
            callback = _back_in_line(callback)
            return callback, [
                *([HangUp(citizen)] if citizen else []),
                AttemptEnded(attempt, AttemptOutcome.AGENT_LEFT),
                ReleaseSeat(seat_id, OfferOutcome.FAILED, 0),
                WaitInLine(None, frozenset()),
            ]
        if channel_id == callback.citizen_channel_id:
            attempts = callback.attempts + 1
            commands: list[CallbackCommand] = [
                HangUp(seat_channel),
                AttemptEnded(attempts, tried),
                ReleaseSeat(seat_id, OfferOutcome.FAILED, 0),
            ]
            callback = replace(_back_in_line(callback), attempts=attempts)
            if attempts >= policy.attempts:
                callback = replace(
                    callback, state=CallbackState.ENDED, outcome=CallbackOutcome.UNREACHED
                )
                return callback, [*commands, Finish(CallbackOutcome.UNREACHED)]
            retry_at = now + timedelta(seconds=policy.retry_s)
            return callback, [*commands, WaitInLine(retry_at, frozenset())]
        return None
    if state is CallbackState.CONNECTED and channel_id in callback.channels():
        assert seat_id is not None and callback.call_id is not None
        other = [c for c in callback.channels() if c != channel_id]
        ended = replace(callback, state=CallbackState.ENDED)
        ended_by = "seat" if channel_id == callback.seat_channel_id else "caller"
        return ended, [
            Disconnect(callback.call_id, ended_by),
            *(HangUp(c) for c in other),
            ReleaseSeat(seat_id, OfferOutcome.ANSWERED, policy.wrap_up_s),
            Finish(CallbackOutcome.REACHED),
        ]
    return None


def _back_in_line(callback: Callback) -> Callback:
    return replace(
        callback,
        state=CallbackState.WAITING,
        seat_id=None,
        seat_channel_id=None,
        citizen_channel_id=None,
    )

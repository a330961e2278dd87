"""Steps the call state machine's parts share: prompts, entering a queue, letting the answering
seat go, taking the caller off hold; and the names of the call's timers. Pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from agents.model import OfferOutcome
from calls.model import (
    AddToBridge,
    Call,
    CallCommand,
    CallState,
    Enqueue,
    PlayPrompts,
    QueuePolicy,
    ReleaseSeat,
    StartTimer,
    StopHoldMusic,
)
from ivr import model as ivr

Decision = tuple[Call, list[CallCommand]]
QueueLookup = Callable[[str], QueuePolicy]

IVR_INPUT_TIMER = "ivr-input"
OFFER_TIMER = "offer"
MAX_WAIT_TIMER = "max-wait"
SURVEY_TIMER = "survey"
ANNOUNCE_TIMER = "announce"
CHOICE_TIMER = "max-wait-choice"
FAREWELL_TIMER = "farewell"
CONSULT_TIMER = "consult"
# A farewell prompt that never reports its end still ends the call.
FAREWELL_GUARD_S = 30
# Asterisk's own ring timeout should end the offer first; this only guards a lost event.
OFFER_GUARD_S = 5


def off_hold(call: Call) -> list[CallCommand]:
    """The caller back in the call's bridge, the music stopped."""
    assert call.bridge_id is not None
    return [StopHoldMusic(), AddToBridge(call.bridge_id, call.caller_channel_id)]


def play_prompts(call: Call, prompts: tuple[ivr.PromptItem, ...]) -> tuple[Call, PlayPrompts]:
    count = call.playback_count + 1
    playback_id = f"{call.id}-p{count}"
    return replace(call, playback_id=playback_id, playback_count=count), PlayPrompts(
        playback_id, prompts
    )


def enter_queue(
    call: Call, queue: QueuePolicy, queued_at: datetime, excluded: frozenset[str] = frozenset()
) -> Decision:
    """The hold prompt, a place in line from `queued_at`, and the queue's waiting timers."""
    call = replace(call, state=CallState.QUEUED, queue=queue, queued_at=queued_at)
    call, hold_prompt = play_prompts(call, (queue.hold_prompt,))
    commands: list[CallCommand] = [
        hold_prompt,
        Enqueue(queue.queue_id, queued_at, excluded),
        StartTimer(MAX_WAIT_TIMER, queue.max_wait_s),
    ]
    if queue.announce_every_s:
        commands.append(StartTimer(ANNOUNCE_TIMER, queue.announce_every_s))
    return call, commands


def release_answering_seat(call: Call) -> list[CallCommand]:
    """The seat that took the call goes to wrap-up; one already let go is not released twice."""
    if call.seat_id is None or call.seat_channel_id is None:
        return []
    wrap_up_s = call.queue.wrap_up_s if call.queue is not None else 0
    return [ReleaseSeat(call.seat_id, OfferOutcome.ANSWERED, call.offer_attempt, wrap_up_s)]

"""What to do with a call left open by an earlier controller: a pure decision from its row."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from calls import model as m
from calls.store import OpenCall


@dataclass(frozen=True)
class CloseAsLost:
    """The caller left while no controller was watching."""

    reason: m.EndReason


@dataclass(frozen=True)
class Resume:
    """Take the call over in the state Asterisk still has it in."""

    call: m.Call
    hang_up_seat_channel: str | None = None  # a seat still ringing for an offer nobody tracks
    requeue: bool = False
    restart_menu: bool = False


Adoption = CloseAsLost | Resume


def plan_adoption(
    row: OpenCall,
    channels: set[str],
    bridges: set[str],
    queues: dict[str, m.QueuePolicy],
    now: datetime,
) -> Adoption:
    queue = queues.get(row.queue_id) if row.queue_id else None
    if row.caller_channel_id not in channels:
        if row.state == m.CallState.CONNECTED:
            return CloseAsLost(m.EndReason.COMPLETED)
        if row.queued_at:
            return CloseAsLost(m.EndReason.ABANDONED_IN_QUEUE)
        return CloseAsLost(m.EndReason.ABANDONED_IN_IVR)
    base = m.Call(
        id=row.id,
        caller_channel_id=row.caller_channel_id,
        caller_number=row.caller_number,
        dialed_number=row.dialed_number,
        started_at=row.started_at,
        home_platform=row.home_platform,
        answered_at=row.answered_at,
        queued_at=row.queued_at,
        offered_at=row.offered_at,
        queue=queue,
    )
    # The bridge id is derived from the call id, so a call bridged just before its row was
    # saved (still 'offering' there) is recognised too.
    bridge_id = m.bridge_id_for(row.id)
    bridged = row.seat_channel_id in channels and bridge_id in bridges
    if queue is not None and row.seat_id and bridged:
        return Resume(
            replace(
                base,
                state=m.CallState.CONNECTED,
                seat_id=row.seat_id,
                seat_channel_id=row.seat_channel_id,
                bridge_id=bridge_id,
                connected_at=row.connected_at or now,
                offer_attempt=1,
            )
        )
    ringing = row.seat_channel_id if row.seat_channel_id in channels else None
    if queue is not None and row.queued_at is not None:
        waiting = replace(base, state=m.CallState.QUEUED, on_hold_music=True)
        return Resume(waiting, hang_up_seat_channel=ringing, requeue=True)
    return Resume(base, hang_up_seat_channel=ringing, restart_menu=True)

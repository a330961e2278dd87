"""What to do with a call left open by an earlier controller: a pure decision from its row."""

from __future__ import annotations

from collections.abc import Collection, Mapping
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
    hang_up: tuple[str, ...] = ()  # legs nobody tracks now: an offer still ringing, a consultation
    requeue: bool = False
    restart_menu: bool = False


Adoption = CloseAsLost | Resume


def plan_adoption(
    row: OpenCall,
    channels: set[str],
    bridges: Mapping[str, Collection[str]],
    queues: dict[str, m.QueuePolicy],
    now: datetime,
) -> Adoption:
    """`bridges`: every bridge Asterisk has, with the channels in it."""
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
        leg=row.leg,
    )
    # The bridge id is derived from the call id, so a call bridged just before its row was
    # saved (still 'offering' there) is recognised too.
    bridge_id = m.bridge_id_for(row.id)
    members = set(bridges.get(bridge_id, ()))
    seat = row.seat_channel_id if row.seat_channel_id in channels else None
    # A consultation under way is given up: its target was rung by the process that went.
    consulting = {c for c in channels if m.is_consult_channel(row.id, c)} - {seat}
    connected = replace(
        base,
        state=m.CallState.CONNECTED,
        bridge_id=bridge_id,
        connected_at=row.connected_at or now,
    )
    if queue is not None and row.seat_id and seat and bridge_id in bridges:
        # With the agent; a judge put through (the agent stayed) is the bridge's other member.
        others = members - {row.caller_channel_id, seat} - consulting
        return Resume(
            replace(
                connected,
                seat_id=row.seat_id,
                seat_channel_id=seat,
                offer_attempt=1,
                contact_channel_id=min(others) if others else None,
                # The agent had put the caller on hold (out of the bridge, hearing music).
                held=row.caller_channel_id not in members,
            ),
            hang_up=tuple(sorted(consulting)),
        )
    judges = members - {row.caller_channel_id, seat}
    if row.state == m.CallState.CONNECTED and row.caller_channel_id in members and judges:
        # The caller talks with a judge, the agent gone (or never there: the menu's urgent
        # contact): it goes on, and ends when either of them hangs up.
        judge = min(judges)
        return Resume(
            replace(connected, contact_channel_id=judge),
            hang_up=tuple(sorted(consulting - {judge})),
        )
    leftover = tuple(sorted(consulting | ({seat} if seat else set())))
    if queue is not None and row.queued_at is not None:
        waiting = replace(base, state=m.CallState.QUEUED, on_hold_music=True)
        return Resume(waiting, hang_up=leftover, requeue=True)
    return Resume(base, hang_up=leftover, restart_menu=True)

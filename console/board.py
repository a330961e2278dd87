"""What the wallboard and the agent console show: plain documents built from the switch's state.

Pure functions: the live feed gathers seats, calls, waiting callers and today's figures, and these
decide what each viewer may see (their platform only, numbers masked) and which alerts stand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from agents.model import NO_ANSWER_REASON, AgentStatus, Seat, SeatState
from calls.model import Call, Consult
from hotline.logs import mask_phone
from routing.policy import WaitingEntry, occupancy

OCCUPANCY_WINDOW = timedelta(minutes=60)


@dataclass(frozen=True)
class QueueInfo:
    id: str
    name: str
    max_wait_s: int


@dataclass(frozen=True)
class PlatformInfo:
    id: str
    name: str
    kind: str


@dataclass(frozen=True)
class QueueDay:
    """One queue's calls today for one court (home platform), from the call records."""

    queue_id: str
    home_platform: str
    offered: int  # queued and finished waiting (answered, abandoned, timed out…)
    answered: int  # put through to a seat
    answered_in_time: int  # within the service-level threshold
    abandoned: int
    wait_s_total: float  # over the answered calls


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def seat_view(seat: Seat, now: datetime) -> dict[str, Any]:
    return {
        "id": seat.seat_id,
        "platform": seat.platform_id,
        "registered": seat.registered,
        "status": seat.status.value,
        "pause_reason": seat.pause_reason,
        "status_since": seat.status_since.isoformat() if seat.status_since else None,
        "state": seat.state.value,
        "since": seat.since.isoformat(),
        "call_id": seat.call_id,
        "calls_answered": seat.calls_answered,
        "occupancy": round(
            occupancy(
                seat.busy_seconds(now, OCCUPANCY_WINDOW),
                seat.logged_in_seconds(now, OCCUPANCY_WINDOW),
            ),
            3,
        ),
        "wrap_up_until": seat.wrap_up_until.isoformat() if seat.wrap_up_until else None,
        "serving_platform": seat.serving_platform,
    }


def caller_shown(number: str, *, mask: bool) -> str:
    if not number:
        return ""
    return mask_phone(number) if mask else number


def call_view(call: Call, *, mask: bool) -> dict[str, Any]:
    ivr = call.ivr
    case = ivr.verified_case if ivr else None
    return {
        "id": call.id,
        "state": call.state.value,
        "caller": caller_shown(call.caller_number, mask=mask),
        "home_platform": call.home_platform,
        "queue": call.queue.queue_id if call.queue else None,
        "seat": call.seat_id,
        "ivr_path": list(ivr.visited) if ivr else [],
        "case": {"court_id": case[0], "case_number": case[1]} if case else None,
        "started_at": call.started_at.isoformat(),
        "queued_at": call.queued_at.isoformat() if call.queued_at else None,
        "connected_at": call.connected_at.isoformat() if call.connected_at else None,
        "contact_id": call.contact_id,
        "held": call.held,
        "consult": consult_view(call.consult) if call.consult else None,
    }


def consult_view(consult: Consult) -> dict[str, Any]:
    """A consultation as the agent sees it: whom, and whether they answered (never a number)."""
    target = consult.target
    return {
        "kind": target.kind.value,
        "target": target.target_id,
        "name": target.name,
        "seat": target.seat_id,
        "answered": consult.answered,
        "blind": consult.blind,
    }


def visible(platform: str, scope: str | None) -> bool:
    """A viewer scoped to one platform sees that platform's seats and calls only."""
    return scope is None or platform == scope


def board_document(
    *,
    now: datetime,
    scope: str | None,
    platforms: Iterable[PlatformInfo],
    queues: Iterable[QueueInfo],
    seats: Iterable[Seat],
    waiting: Iterable[WaitingEntry],
    today: Iterable[QueueDay],
    overdue_work_orders: int | None,
    supervised: Mapping[str, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The wallboard for a viewer whose data scope is `scope` (None: every platform).
    `supervised`: seat id -> (supervision id, mode) for calls a supervisor is on."""
    supervised = supervised or {}
    shown_seats = sorted(
        (seat for seat in seats if visible(seat.platform_id, scope)),
        key=lambda seat: (seat.platform_id, seat.order, seat.seat_id),
    )
    waiting_by_queue: dict[str, list[WaitingEntry]] = {}
    for entry in waiting:
        if visible(entry.home_platform, scope) and not entry.call_id.startswith("callback-"):
            waiting_by_queue.setdefault(entry.queue_id, []).append(entry)
    days: dict[str, list[QueueDay]] = {}
    for day in today:
        if visible(day.home_platform, scope):
            days.setdefault(day.queue_id, []).append(day)

    alerts: list[dict[str, Any]] = []
    queue_docs = []
    for queue in queues:
        entries = waiting_by_queue.get(queue.id, [])
        oldest = min((entry.queued_at for entry in entries), default=None)
        longest_s = (now - oldest).total_seconds() if oldest else 0.0
        figures = days.get(queue.id, [])
        offered = sum(day.offered for day in figures)
        answered = sum(day.answered for day in figures)
        in_time = sum(day.answered_in_time for day in figures)
        wait_total = sum(day.wait_s_total for day in figures)
        queue_docs.append(
            {
                "id": queue.id,
                "name": queue.name,
                "waiting": len(entries),
                "oldest_queued_at": oldest.isoformat() if oldest else None,
                "max_wait_s": queue.max_wait_s,
                "offered": offered,
                "answered": answered,
                "abandoned": sum(day.abandoned for day in figures),
                "service_level": rate(in_time, offered),
                "connection_rate": rate(answered, offered),
                "average_wait_s": round(wait_total / answered, 1) if answered else None,
            }
        )
        if oldest is not None and longest_s >= queue.max_wait_s:
            alerts.append(
                {
                    "kind": "queue-over-max-wait",
                    "queue": queue.id,
                    "text": f"{queue.name}：有来电等待超过{queue.max_wait_s // 60}分钟",
                }
            )
    for seat in shown_seats:
        if seat.status is AgentStatus.PAUSED and seat.pause_reason == NO_ANSWER_REASON:
            alerts.append(
                {
                    "kind": "seat-auto-paused",
                    "seat": seat.seat_id,
                    "text": f"座席{seat.seat_id}连续未接听，已自动暂停",
                }
            )
    if overdue_work_orders:
        alerts.append(
            {
                "kind": "work-orders-overdue",
                "count": overdue_work_orders,
                "text": f"{overdue_work_orders}件工单已超期未答复",
            }
        )
    return {
        "at": now.isoformat(),
        "scope": scope,
        "platforms": [
            {"id": p.id, "name": p.name, "kind": p.kind} for p in platforms if visible(p.id, scope)
        ],
        "seats": [
            seat_view(seat, now)
            | {
                "supervision": {
                    "id": supervised[seat.seat_id][0],
                    "mode": supervised[seat.seat_id][1],
                }
                if seat.seat_id in supervised
                else None
            }
            for seat in shown_seats
        ],
        "queues": queue_docs,
        "alerts": alerts,
    }


def next_board_change(
    waiting: Iterable[WaitingEntry], queues: Mapping[str, QueueInfo], now: datetime
) -> datetime | None:
    """When a waiting caller next crosses their queue's max wait (an alert appears then)."""
    soonest: datetime | None = None
    for entry in waiting:
        queue = queues.get(entry.queue_id)
        if queue is None:
            continue
        moment = entry.queued_at + timedelta(seconds=queue.max_wait_s)
        if moment > now and (soonest is None or moment < soonest):
            soonest = moment
    return soonest


def agent_view(
    seat: Seat, call: Call | None, *, now: datetime, mask: bool, long_call_s: int
) -> dict[str, Any]:
    """The agent console's live part: the agent's own seat and the call on it, if any."""
    on_call = call is not None and seat.state in (
        SeatState.RINGING,
        SeatState.TALKING,
        SeatState.WRAP_UP,
    )
    return {
        "at": now.isoformat(),
        "seat": seat_view(seat, now),
        "call": call_view(call, mask=mask) if on_call and call is not None else None,
        "long_call_s": long_call_s,
    }

"""PostgreSQL rows for calls and the offers made to seats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from agents.model import OfferOutcome
from calls.model import Call


@dataclass(frozen=True)
class OpenCall:
    """A call row not yet ended, as found at start or reconnect."""

    id: str
    caller_channel_id: str
    caller_number: str
    dialed_number: str
    state: str
    queue_id: str | None
    seat_id: str | None
    seat_channel_id: str | None
    bridge_id: str | None
    started_at: datetime
    answered_at: datetime | None
    queued_at: datetime | None
    offered_at: datetime | None
    connected_at: datetime | None
    home_platform: str = ""
    leg: int = 1


class CallStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def save(self, call: Call) -> None:
        await self._pool.execute(
            "INSERT INTO calls (id, caller_channel_id, caller_number, dialed_number, state,"
            " queue_id, seat_id, seat_channel_id, bridge_id, started_at, answered_at, queued_at,"
            " offered_at, connected_at, ended_at, end_reason, ended_by, survey_answer,"
            " home_platform, leg) VALUES"
            " ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)"
            " ON CONFLICT (id) DO UPDATE SET state=$5, queue_id=$6, seat_id=$7,"
            " seat_channel_id=$8, bridge_id=$9, answered_at=$11, queued_at=$12,"
            " offered_at=$13, connected_at=$14, ended_at=$15, end_reason=$16, ended_by=$17,"
            " survey_answer=$18, leg=$20",
            call.id,
            call.caller_channel_id,
            call.caller_number,
            call.dialed_number,
            call.state.value,
            call.queue.queue_id if call.queue else None,
            call.seat_id,
            call.seat_channel_id,
            call.bridge_id,
            call.started_at,
            call.answered_at,
            call.queued_at,
            call.offered_at,
            call.connected_at,
            call.ended_at,
            call.end_reason.value if call.end_reason else None,
            call.ended_by.value if call.ended_by else None,
            call.survey_answer,
            call.home_platform,
            call.leg,
        )

    async def open_calls(self) -> list[OpenCall]:
        rows = await self._pool.fetch(
            "SELECT id, caller_channel_id, caller_number, dialed_number, state, queue_id,"
            " seat_id, seat_channel_id, bridge_id, started_at, answered_at, queued_at,"
            " offered_at, connected_at, home_platform, leg FROM calls"
            " WHERE ended_at IS NULL AND direction = 'inbound' ORDER BY started_at"
        )
        return [OpenCall(**dict(row)) for row in rows]

    async def close_lost(self, call_id: str, end_reason: str, at: datetime) -> None:
        await self._pool.execute(
            "UPDATE calls SET state='ended', ended_at=$2, end_reason=$3, ended_by='system'"
            " WHERE id=$1 AND ended_at IS NULL",
            call_id,
            at,
            end_reason,
        )

    async def offer_started(
        self, call_id: str, attempt: int, seat_id: str, channel_id: str, at: datetime
    ) -> None:
        await self._pool.execute(
            "INSERT INTO call_offers (call_id, attempt, seat_id, channel_id, offered_at)"
            " VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING",
            call_id,
            attempt,
            seat_id,
            channel_id,
            at,
        )

    async def offer_ended(
        self, call_id: str, attempt: int, outcome: OfferOutcome, at: datetime
    ) -> None:
        await self._pool.execute(
            "UPDATE call_offers SET ended_at=$3, outcome=$4"
            " WHERE call_id=$1 AND attempt=$2 AND ended_at IS NULL",
            call_id,
            attempt,
            at,
            outcome.value,
        )

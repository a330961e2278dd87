"""Whom an agent consults before a transfer (咨询转接): a free seat of another queue, reserved
as the ACD would pick it, or a consulting judge, rung at the number the directory gives.

Nothing else can be rung: a judge must be listed in `transfer.consulting_judges` and found in the
directory, and a queue must be one of the config's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, assert_never

from calls.model import Call, ConsultKind, ConsultTarget
from directory.model import Judge
from routing.policy import WaitingEntry


class ConsultError(Exception):
    """A consultation that cannot start; `code` is stable for the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ConsultSettings:
    judges: tuple[str, ...]  # directory ids of the consulting judges, in the config's order
    judge_ring_s: int
    queues: dict[str, tuple[str, int]]  # queue id -> (name, ring timeout in seconds)


class JudgeDirectory(Protocol):
    async def judge(self, judge_id: str) -> Judge | None: ...


class SeatPicker(Protocol):
    def reserve_now(self, entry: WaitingEntry) -> str | None: ...


def judge_number(judge: Judge) -> str | None:
    """A consulting judge sits at HQ: the office phone first, the mobile otherwise."""
    return judge.office_phone or judge.mobile


async def consulting_judges(
    settings: ConsultSettings, directory: JudgeDirectory | None
) -> list[Judge]:
    """The consulting judges an agent may pick: listed, in the directory, with a number."""
    if directory is None:
        return []
    found = []
    for judge_id in settings.judges:
        judge = await directory.judge(judge_id)
        if judge is not None and judge_number(judge):
            found.append(judge)
    return found


async def consult_target(
    call: Call,
    kind: ConsultKind,
    target_id: str,
    settings: ConsultSettings,
    *,
    directory: JudgeDirectory | None,
    seats: SeatPicker,
) -> ConsultTarget:
    """Resolve what the agent asked for; a queue's seat is reserved here (the call releases it
    if the consultation does not happen). Raises ConsultError."""
    match kind:
        case ConsultKind.QUEUE:
            queue = settings.queues.get(target_id)
            if queue is None:
                raise ConsultError("queue-not-found", f"no queue {target_id}")
            name, ring_s = queue
            # The caller's time on the line opens the queue's tiers as if spent waiting there
            # (inner tiers first, as always); never the agent's own seat.
            entry = WaitingEntry(
                call.id,
                target_id,
                call.home_platform,
                call.started_at,
                excluded_seats=frozenset(s for s in (call.seat_id,) if s),
            )
            seat_id = seats.reserve_now(entry)
            if seat_id is None:
                raise ConsultError(
                    "no-free-seat", f"no seat of {target_id} is free now; transfer blind instead"
                )
            return ConsultTarget(kind, target_id, name, ring_s, seat_id=seat_id)
        case ConsultKind.JUDGE:
            if target_id not in settings.judges:
                raise ConsultError("judge-not-found", f"{target_id} is not a consulting judge")
            judge = await directory.judge(target_id) if directory is not None else None
            number = judge_number(judge) if judge is not None else None
            if judge is None or number is None:
                raise ConsultError(
                    "no-contact-number", f"the directory has no number for {target_id}"
                )
            return ConsultTarget(kind, target_id, judge.name, settings.judge_ring_s, number=number)
        case _:
            assert_never(kind)

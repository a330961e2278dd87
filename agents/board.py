"""The live board of seats: registration, status and compare-and-set state changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import structlog

from agents.model import OfferOutcome, Seat, SeatState

log = structlog.get_logger(__name__)

_BUSY = (SeatState.TALKING, SeatState.WRAP_UP)


class SeatBoard:
    """In-memory seat states; every change checks the expected call so races lose cleanly."""

    def __init__(self) -> None:
        self._seats: dict[str, Seat] = {}

    def seats(self) -> list[Seat]:
        return list(self._seats.values())

    def get(self, seat_id: str) -> Seat | None:
        return self._seats.get(seat_id)

    def sync_configured(
        self, seats: Iterable[tuple[str, str, frozenset[str]]], now: datetime
    ) -> None:
        """Add new seats, update skills, drop removed seats unless they are on a call."""
        wanted = {seat_id: (platform, skills) for seat_id, platform, skills in seats}
        for seat_id, (platform, skills) in wanted.items():
            seat = self._seats.get(seat_id)
            if seat is None:
                self._seats[seat_id] = Seat(seat_id, platform, skills, since=now, idle_since=now)
            else:
                seat.platform_id, seat.skills, seat.retired = platform, skills, False
        for seat_id in list(self._seats):
            if seat_id not in wanted:
                self._seats[seat_id].retired = True
                self._drop_if_retired(seat_id)

    def _drop_if_retired(self, seat_id: str) -> None:
        seat = self._seats.get(seat_id)
        if seat is not None and seat.retired and seat.state is SeatState.IDLE:
            del self._seats[seat_id]

    def set_registered(self, seat_id: str, registered: bool) -> bool:
        seat = self._seats.get(seat_id)
        if seat is None or seat.registered == registered:
            return False
        seat.registered = registered
        log.info("seat reachability", seat=seat_id, registered=registered)
        return True

    def _move(self, seat: Seat, to: SeatState, trigger: str, now: datetime) -> None:
        log.info(
            "seat transition",
            seat=seat.seat_id,
            call_id=seat.call_id,
            from_state=seat.state.value,
            trigger=trigger,
            to_state=to.value,
        )
        if seat.state in _BUSY and to is not seat.state:
            seat.busy_periods.append((seat.since, now))
        seat.state = to
        seat.since = now
        if to is SeatState.IDLE:
            seat.idle_since = now

    def try_reserve(self, seat_id: str, call_id: str, now: datetime) -> bool:
        seat = self._seats.get(seat_id)
        if seat is None or not seat.offerable:
            return False
        seat.call_id = call_id
        self._move(seat, SeatState.RESERVED, "reserve", now)
        return True

    def mark(self, seat_id: str, call_id: str, to: SeatState, now: datetime) -> bool:
        """Move a seat held by `call_id` to RINGING or TALKING; False if the seat moved on."""
        seat = self._seats.get(seat_id)
        if seat is None or seat.call_id != call_id:
            log.debug("seat change ignored", seat=seat_id, call_id=call_id, to_state=to.value)
            return False
        if to is SeatState.TALKING:
            seat.calls_answered += 1
        self._move(seat, to, to.value, now)
        return True

    def adopt_talking(self, seat_id: str, call_id: str, since: datetime) -> bool:
        """Put a seat back on a call that survived a controller restart."""
        seat = self._seats.get(seat_id)
        if seat is None:
            return False
        seat.call_id = call_id
        seat.state = SeatState.TALKING
        seat.since = since
        return True

    def release(
        self, seat_id: str, call_id: str, outcome: OfferOutcome, wrap_up_s: int, now: datetime
    ) -> int | None:
        """Free a seat after an offer or call; returns a wrap-up token when wrap-up starts."""
        seat = self._seats.get(seat_id)
        if seat is None or seat.call_id != call_id:
            log.debug("seat release ignored", seat=seat_id, call_id=call_id)
            return None
        if seat.state is SeatState.TALKING and wrap_up_s > 0:
            self._move(seat, SeatState.WRAP_UP, f"call ended ({outcome.value})", now)
            seat.wrap_up_token += 1
            return seat.wrap_up_token
        self._move(seat, SeatState.IDLE, f"released ({outcome.value})", now)
        seat.call_id = None
        self._drop_if_retired(seat_id)
        return None

    def end_wrap_up(self, seat_id: str, token: int, now: datetime) -> bool:
        seat = self._seats.get(seat_id)
        if seat is None or seat.state is not SeatState.WRAP_UP or seat.wrap_up_token != token:
            return False
        self._move(seat, SeatState.IDLE, "wrap-up over", now)
        seat.call_id = None
        self._drop_if_retired(seat_id)
        return True

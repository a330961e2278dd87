"""The live board of seats: registration, agent status and compare-and-set state changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import structlog

from agents.model import (
    NO_ANSWER_REASON,
    AgentStatus,
    OfferOutcome,
    Seat,
    SeatState,
    StatusChange,
    StatusSource,
)
from agents.policy import AgentError, StatusRequest, decide_status, pauses_for_no_answer

log = structlog.get_logger(__name__)

_BUSY = (SeatState.TALKING, SeatState.WRAP_UP)

StatusListener = Callable[[StatusChange], None]


class SeatBoard:
    """In-memory seat states; every change checks the expected call so races lose cleanly."""

    def __init__(
        self,
        *,
        initial_status: AgentStatus = AgentStatus.AVAILABLE,
        max_no_answers: int = 3,
        pause_reasons: frozenset[str] = frozenset({"break"}),
    ) -> None:
        self._seats: dict[str, Seat] = {}
        self._listeners: list[StatusListener] = []
        self.initial_status = initial_status
        self.max_no_answers = max_no_answers
        self.pause_reasons = pause_reasons
        # Called after any change a live view shows (status, state, reachability); cheap.
        self.changed: Callable[[], None] = lambda: None

    def seats(self) -> list[Seat]:
        return list(self._seats.values())

    def get(self, seat_id: str) -> Seat | None:
        return self._seats.get(seat_id)

    def on_status_change(self, listener: StatusListener) -> None:
        self._listeners.append(listener)

    def sync_configured(
        self, seats: Iterable[tuple[str, str, frozenset[str]]], now: datetime
    ) -> None:
        """Add new seats, update skills, drop removed seats unless they are on a call."""
        wanted = {seat_id: (platform, skills) for seat_id, platform, skills in seats}
        for order, (seat_id, (platform, skills)) in enumerate(wanted.items()):
            seat = self._seats.get(seat_id)
            if seat is None:
                seat = Seat(seat_id, platform, skills, since=now, idle_since=now, order=order)
                seat.status, seat.status_since = self.initial_status, now
                if self.initial_status is not AgentStatus.LOGGED_OUT:
                    seat.logged_in_since = now
                self._seats[seat_id] = seat
            else:
                seat.platform_id, seat.skills, seat.retired = platform, skills, False
                seat.order = order
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
        self.changed()
        return True

    # ---- agent status ----------------------------------------------------------------------
    def request_status(
        self,
        seat_id: str,
        request: StatusRequest,
        now: datetime,
        *,
        reason: str | None = None,
        source: StatusSource = StatusSource.API,
    ) -> StatusChange | None:
        """Carry out an agent's request; None when it changes nothing. Raises AgentError."""
        seat = self._seats.get(seat_id)
        if seat is None:
            raise AgentError("seat-not-found", f"no seat {seat_id!r} in the config")
        decision = decide_status(
            seat.status, seat.pause_reason, request, reason, self.pause_reasons
        )
        if not decision.changed:
            return None
        if decision.status is AgentStatus.AVAILABLE:
            seat.consecutive_no_answers = 0
        return self._set_status(seat, decision.status, decision.reason, source, now, request.value)

    def restore_status(
        self, seat_id: str, status: AgentStatus, reason: str | None, since: datetime
    ) -> bool:
        """Put back the status an agent had before the controller restarted."""
        seat = self._seats.get(seat_id)
        if seat is None:
            return False
        if seat.status is not status or seat.pause_reason != reason:
            self._set_status(seat, status, reason, StatusSource.RESTORED, since, "restore")
        return True

    def _set_status(
        self,
        seat: Seat,
        status: AgentStatus,
        reason: str | None,
        source: StatusSource,
        now: datetime,
        trigger: str,
    ) -> StatusChange:
        log.info(
            "agent status",
            seat=seat.seat_id,
            from_status=seat.status.value,
            trigger=trigger,
            to_status=status.value,
            reason=reason,
            source=source.value,
        )
        was_logged_in = seat.status is not AgentStatus.LOGGED_OUT
        logged_in = status is not AgentStatus.LOGGED_OUT
        if was_logged_in and not logged_in and seat.logged_in_since is not None:
            seat.logged_in_periods.append((seat.logged_in_since, now))
            seat.logged_in_since = None
        elif logged_in and not was_logged_in:
            seat.logged_in_since = now
        seat.status, seat.pause_reason, seat.status_since = status, reason, now
        change = StatusChange(seat.seat_id, status, reason, source, now)
        for listener in self._listeners:
            listener(change)
        self.changed()
        return change

    def serve_platform(self, seat_id: str, platform: str | None) -> Seat | None:
        """Pull a seat into another platform's queues (None: give it back to its own)."""
        seat = self._seats.get(seat_id)
        if seat is None:
            return None
        serving = None if platform == seat.platform_id else platform
        if seat.serving_platform != serving:
            log.info(
                "seat routing platform",
                seat=seat_id,
                from_platform=seat.routing_platform,
                to_platform=serving or seat.platform_id,
            )
            seat.serving_platform = serving
            self.changed()
        return seat

    # ---- seat state (compare-and-set on the call holding it) ---------------------------------
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
        seat.wrap_up_until = None
        if to is SeatState.IDLE:
            seat.idle_since = now
        self.changed()

    def try_reserve(
        self, seat_id: str, call_id: str, now: datetime, *, calling_out: bool = False
    ) -> bool:
        """Hold an idle seat for `call_id`: an offer (only an available agent's), or with
        `calling_out` a call the agent asked for (a paused agent's too)."""
        seat = self._seats.get(seat_id)
        if seat is None or not (seat.can_call_out if calling_out else seat.offerable):
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
            seat.consecutive_no_answers = 0
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
        if outcome is OfferOutcome.NO_ANSWER:
            seat.consecutive_no_answers += 1
            if seat.status is AgentStatus.AVAILABLE and pauses_for_no_answer(
                seat.consecutive_no_answers, self.max_no_answers
            ):
                self._set_status(
                    seat,
                    AgentStatus.PAUSED,
                    NO_ANSWER_REASON,
                    StatusSource.SWITCH,
                    now,
                    f"{seat.consecutive_no_answers} offers unanswered",
                )
        if seat.state is SeatState.TALKING and wrap_up_s > 0:
            self._move(seat, SeatState.WRAP_UP, f"call ended ({outcome.value})", now)
            seat.wrap_up_until = now + timedelta(seconds=wrap_up_s)
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

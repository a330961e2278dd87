"""The seat board: compare-and-set reservations, wrap-up tokens, occupancy and config sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agents.board import SeatBoard
from agents.model import AgentStatus, OfferOutcome, Seat, SeatState

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
CONSULTATION = frozenset({"consultation"})


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def board_with(*seat_ids: str, registered: bool = True) -> SeatBoard:
    board = SeatBoard()
    board.sync_configured([(seat_id, "high", CONSULTATION) for seat_id in seat_ids], T0)
    for seat_id in seat_ids:
        board.set_registered(seat_id, registered)
    return board


def seat_of(board: SeatBoard, seat_id: str) -> Seat:
    seat = board.get(seat_id)
    assert seat is not None
    return seat


def talking(board: SeatBoard, seat_id: str, call_id: str, at: datetime = T0) -> None:
    assert board.try_reserve(seat_id, call_id, at)
    assert board.mark(seat_id, call_id, SeatState.RINGING, at)
    assert board.mark(seat_id, call_id, SeatState.TALKING, at)


# ---- reservation --------------------------------------------------------------------------
def test_reserve_is_compare_and_set_second_reserve_loses() -> None:
    board = board_with("high-01")

    assert board.try_reserve("high-01", "c1", T0) is True
    assert board.try_reserve("high-01", "c2", T0) is False

    seat = seat_of(board, "high-01")
    assert (seat.state, seat.call_id) == (SeatState.RESERVED, "c1")


def test_reserve_of_unregistered_seat_fails() -> None:
    board = board_with("high-01", registered=False)

    assert board.try_reserve("high-01", "c1", T0) is False
    assert seat_of(board, "high-01").state is SeatState.IDLE


def test_reserve_of_unknown_seat_fails() -> None:
    assert board_with("high-01").try_reserve("ghost-01", "c1", T0) is False


@pytest.mark.parametrize("status", [AgentStatus.PAUSED, AgentStatus.LOGGED_OUT], ids=str)
def test_reserve_of_seat_whose_agent_is_not_available_fails(status: AgentStatus) -> None:
    board = board_with("high-01")
    seat_of(board, "high-01").status = status

    assert board.try_reserve("high-01", "c1", T0) is False


@pytest.mark.parametrize(
    ("status", "registered", "busy", "expected"),
    [
        (AgentStatus.PAUSED, True, False, True),  # pausing keeps callers away while calling out
        (AgentStatus.AVAILABLE, True, False, True),
        (AgentStatus.LOGGED_OUT, True, False, False),
        (AgentStatus.PAUSED, False, False, False),
        (AgentStatus.PAUSED, True, True, False),  # on a call already
    ],
    ids=str,
)
def test_a_seat_may_call_out_when_logged_in_idle_and_registered(
    status: AgentStatus, registered: bool, busy: bool, expected: bool
) -> None:
    board = board_with("high-01", registered=registered)
    if busy:
        talking(board, "high-01", "c0")
    seat_of(board, "high-01").status = status
    assert board.try_reserve("high-01", "follow-up-1", T0, calling_out=True) is expected
    if expected:
        assert seat_of(board, "high-01").state is SeatState.RESERVED


def test_new_seats_start_idle_unregistered_and_not_offerable() -> None:
    board = SeatBoard()
    board.sync_configured([("high-01", "high", CONSULTATION)], T0)

    seat = seat_of(board, "high-01")
    assert (seat.state, seat.registered, seat.idle_since) == (SeatState.IDLE, False, T0)
    assert seat.offerable is False
    assert board.set_registered("high-01", True) is True
    assert seat.offerable is True


@pytest.mark.parametrize(
    ("seat_id", "registered"),
    [
        pytest.param("high-01", True, id="no-change"),
        pytest.param("ghost-01", True, id="unknown-seat"),
    ],
)
def test_set_registered_reports_no_change(seat_id: str, registered: bool) -> None:
    assert board_with("high-01").set_registered(seat_id, registered) is False


# ---- holder checks ------------------------------------------------------------------------
@pytest.mark.parametrize("to", [SeatState.RINGING, SeatState.TALKING], ids=str)
def test_mark_by_a_call_that_does_not_hold_the_seat_is_ignored(to: SeatState) -> None:
    board = board_with("high-01")
    board.try_reserve("high-01", "c1", T0)

    assert board.mark("high-01", "c2", to, minutes(1)) is False

    seat = seat_of(board, "high-01")
    assert (seat.state, seat.call_id, seat.since) == (SeatState.RESERVED, "c1", T0)
    assert seat.calls_answered == 0


def test_mark_of_a_free_seat_is_ignored() -> None:
    board = board_with("high-01")

    assert board.mark("high-01", "c1", SeatState.TALKING, T0) is False
    assert seat_of(board, "high-01").state is SeatState.IDLE


def test_release_by_a_call_that_does_not_hold_the_seat_is_ignored() -> None:
    board = board_with("high-01")
    talking(board, "high-01", "c1")

    assert board.release("high-01", "c2", OfferOutcome.ANSWERED, 15, minutes(5)) is None

    seat = seat_of(board, "high-01")
    assert (seat.state, seat.call_id) == (SeatState.TALKING, "c1")


def test_talking_counts_an_answered_call() -> None:
    board = board_with("high-01")
    talking(board, "high-01", "c1")

    assert seat_of(board, "high-01").calls_answered == 1


# ---- release and wrap-up ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("state", "outcome"),
    [
        pytest.param(SeatState.RESERVED, OfferOutcome.CALLER_LEFT, id="reserved"),
        pytest.param(SeatState.RINGING, OfferOutcome.NO_ANSWER, id="ringing"),
    ],
)
def test_release_before_talking_frees_seat_at_once_even_with_wrap_up(
    state: SeatState, outcome: OfferOutcome
) -> None:
    board = board_with("high-01")
    board.try_reserve("high-01", "c1", T0)
    if state is SeatState.RINGING:
        board.mark("high-01", "c1", SeatState.RINGING, T0)

    assert board.release("high-01", "c1", outcome, 15, minutes(1)) is None

    seat = seat_of(board, "high-01")
    assert (seat.state, seat.call_id, seat.idle_since) == (SeatState.IDLE, None, minutes(1))
    assert seat.offerable


def test_release_after_talking_without_wrap_up_frees_seat() -> None:
    board = board_with("high-01")
    talking(board, "high-01", "c1")

    assert board.release("high-01", "c1", OfferOutcome.ANSWERED, 0, minutes(5)) is None
    assert seat_of(board, "high-01").state is SeatState.IDLE


def test_release_after_talking_starts_wrap_up_until_the_right_token_ends_it() -> None:
    board = board_with("high-01")
    talking(board, "high-01", "c1")

    token = board.release("high-01", "c1", OfferOutcome.ANSWERED, 15, minutes(5))

    seat = seat_of(board, "high-01")
    assert token is not None
    assert (seat.state, seat.call_id) == (SeatState.WRAP_UP, "c1")
    assert not seat.offerable
    assert board.try_reserve("high-01", "c2", minutes(5)) is False

    assert board.end_wrap_up("high-01", token + 1, minutes(6)) is False
    assert seat.state is SeatState.WRAP_UP

    assert board.end_wrap_up("high-01", token, minutes(6)) is True
    assert (seat.state, seat.call_id, seat.idle_since) == (SeatState.IDLE, None, minutes(6))
    assert board.end_wrap_up("high-01", token, minutes(7)) is False


def test_wrap_up_token_of_an_earlier_call_does_not_end_a_later_wrap_up() -> None:
    board = board_with("high-01")
    talking(board, "high-01", "c1")
    first = board.release("high-01", "c1", OfferOutcome.ANSWERED, 15, minutes(5))
    assert first is not None
    assert board.end_wrap_up("high-01", first, minutes(6))
    talking(board, "high-01", "c2", minutes(7))
    second = board.release("high-01", "c2", OfferOutcome.ANSWERED, 15, minutes(9))

    assert second != first
    assert board.end_wrap_up("high-01", first, minutes(10)) is False
    assert seat_of(board, "high-01").state is SeatState.WRAP_UP


# ---- occupancy ----------------------------------------------------------------------------
def test_busy_seconds_counts_talk_and_wrap_up_inside_the_window_only() -> None:
    board = board_with("high-01")
    seat = seat_of(board, "high-01")
    # Reserved and ringing time is not busy time.
    board.try_reserve("high-01", "old", minutes(-120))
    board.mark("high-01", "old", SeatState.RINGING, minutes(-119))
    board.mark("high-01", "old", SeatState.TALKING, minutes(-118))
    board.release("high-01", "old", OfferOutcome.ANSWERED, 0, minutes(-100))  # outside
    board.try_reserve("high-01", "c1", minutes(-72))
    board.mark("high-01", "c1", SeatState.RINGING, minutes(-71))
    board.mark("high-01", "c1", SeatState.TALKING, minutes(-70))
    token = board.release("high-01", "c1", OfferOutcome.ANSWERED, 120, minutes(-50))
    assert token is not None
    board.end_wrap_up("high-01", token, minutes(-48))
    board.try_reserve("high-01", "c2", minutes(-12))
    board.mark("high-01", "c2", SeatState.TALKING, minutes(-10))

    # Window 08:00-09:00: 10 min of c1's talk, its 2 min wrap-up, 10 min of c2 so far.
    assert seat.busy_seconds(T0, HOUR) == pytest.approx(22 * 60)


def test_busy_seconds_counts_a_wrap_up_still_running() -> None:
    board = board_with("high-01")
    talking(board, "high-01", "c1", minutes(-5))
    board.release("high-01", "c1", OfferOutcome.ANSWERED, 60, minutes(-3))

    assert seat_of(board, "high-01").busy_seconds(T0, HOUR) == pytest.approx(5 * 60)


def test_busy_seconds_of_a_seat_that_never_talked_is_zero() -> None:
    board = board_with("high-01")
    board.try_reserve("high-01", "c1", minutes(-5))

    assert seat_of(board, "high-01").busy_seconds(T0, HOUR) == 0.0


def test_busy_seconds_caps_a_call_longer_than_the_window() -> None:
    board = board_with("high-01")
    talking(board, "high-01", "c1", minutes(-90))

    assert seat_of(board, "high-01").busy_seconds(T0, HOUR) == pytest.approx(3600)


# ---- configuration sync -------------------------------------------------------------------
def test_sync_drops_removed_idle_seat_and_updates_kept_ones() -> None:
    board = board_with("high-01", "high-02")

    board.sync_configured(
        [("high-01", "int1", frozenset({"complaint"})), ("int1-01", "int1", CONSULTATION)],
        minutes(1),
    )

    assert board.get("high-02") is None
    kept = seat_of(board, "high-01")
    assert (kept.platform_id, kept.skills, kept.registered) == (
        "int1",
        frozenset({"complaint"}),
        True,
    )
    added = seat_of(board, "int1-01")
    assert (added.registered, added.since) == (False, minutes(1))


@pytest.mark.parametrize(
    "state",
    [SeatState.RESERVED, SeatState.RINGING, SeatState.TALKING, SeatState.WRAP_UP],
    ids=str,
)
def test_sync_keeps_a_removed_seat_while_it_is_on_a_call(state: SeatState) -> None:
    board = board_with("high-01", "high-02")
    board.try_reserve("high-01", "c1", T0)
    if state is not SeatState.RESERVED:
        board.mark("high-01", "c1", SeatState.RINGING, T0)
    if state in (SeatState.TALKING, SeatState.WRAP_UP):
        board.mark("high-01", "c1", SeatState.TALKING, T0)
    if state is SeatState.WRAP_UP:
        board.release("high-01", "c1", OfferOutcome.ANSWERED, 15, T0)

    board.sync_configured([("high-02", "high", CONSULTATION)], minutes(1))

    seat = seat_of(board, "high-01")
    assert (seat.state, seat.call_id) == (state, "c1")
    assert [s.seat_id for s in board.seats()] == ["high-01", "high-02"]


def test_adopt_talking_puts_a_surviving_call_back_on_its_seat() -> None:
    board = board_with("high-01")

    assert board.adopt_talking("high-01", "c1", minutes(-3)) is True
    assert board.adopt_talking("ghost-01", "c1", minutes(-3)) is False

    seat = seat_of(board, "high-01")
    assert (seat.state, seat.call_id) == (SeatState.TALKING, "c1")
    assert seat.busy_seconds(T0, HOUR) == pytest.approx(180)


def test_a_seat_removed_while_on_a_call_is_never_offered_again_and_dropped_once_free() -> None:
    board = board_with("high-01", "high-02")
    talking(board, "high-01", "c1")

    board.sync_configured([("high-02", "high", CONSULTATION)], minutes(1))
    assert seat_of(board, "high-01").offerable is False

    board.release("high-01", "c1", OfferOutcome.ANSWERED, 0, minutes(2))
    assert board.get("high-01") is None
    assert board.try_reserve("high-01", "c2", minutes(3)) is False


def test_a_removed_seat_put_back_in_the_config_before_it_is_free_stays() -> None:
    board = board_with("high-01")
    talking(board, "high-01", "c1")
    board.sync_configured([], minutes(1))
    board.sync_configured([("high-01", "high", CONSULTATION)], minutes(2))

    board.release("high-01", "c1", OfferOutcome.ANSWERED, 0, minutes(3))
    assert seat_of(board, "high-01").offerable is True

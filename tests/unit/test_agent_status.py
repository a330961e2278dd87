"""Agent status: what a person may set, the switch's auto-pause, feature codes, logged-in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agents.board import SeatBoard
from agents.model import (
    NO_ANSWER_REASON,
    AgentStatus,
    OfferOutcome,
    SeatState,
    StatusChange,
    StatusSource,
)
from agents.policy import (
    AgentError,
    FeatureCodes,
    FeatureRequest,
    StatusRequest,
    decide_status,
    parse_feature_code,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
REASONS = frozenset({"break", "meal"})
A, P, L = AgentStatus.AVAILABLE, AgentStatus.PAUSED, AgentStatus.LOGGED_OUT


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


@pytest.mark.parametrize(
    ("current", "reason", "wanted", "asked", "expected", "changed"),
    [
        (L, None, StatusRequest.LOGIN, None, (A, None), True),
        (A, None, StatusRequest.LOGIN, None, (A, None), False),
        (P, "meal", StatusRequest.LOGIN, None, (A, None), True),
        (A, None, StatusRequest.LOGOUT, None, (L, None), True),
        (P, "meal", StatusRequest.LOGOUT, None, (L, None), True),
        (A, None, StatusRequest.PAUSE, "meal", (P, "meal"), True),
        (A, None, StatusRequest.PAUSE, None, (P, "break"), True),
        (P, "meal", StatusRequest.PAUSE, "break", (P, "break"), True),
        (P, "break", StatusRequest.PAUSE, "break", (P, "break"), False),
        (P, NO_ANSWER_REASON, StatusRequest.RESUME, None, (A, None), True),
        (A, None, StatusRequest.RESUME, None, (A, None), False),
    ],
)
def test_status_requests(
    current: AgentStatus,
    reason: str | None,
    wanted: StatusRequest,
    asked: str | None,
    expected: tuple[AgentStatus, str | None],
    changed: bool,
) -> None:
    decision = decide_status(current, reason, wanted, asked, REASONS)
    assert (decision.status, decision.reason) == expected
    assert decision.changed is changed


@pytest.mark.parametrize(
    ("current", "wanted", "asked", "code"),
    [
        (L, StatusRequest.PAUSE, "meal", "not-logged-in"),
        (L, StatusRequest.RESUME, None, "not-logged-in"),
        (A, StatusRequest.PAUSE, "nap", "unknown-pause-reason"),
    ],
)
def test_status_requests_that_make_no_sense_are_refused_with_a_code(
    current: AgentStatus, wanted: StatusRequest, asked: str | None, code: str
) -> None:
    with pytest.raises(AgentError) as caught:
        decide_status(current, None, wanted, asked, REASONS)
    assert caught.value.code == code


CODES = FeatureCodes()


@pytest.mark.parametrize(
    ("dialled", "expected"),
    [
        ("*21", FeatureRequest(StatusRequest.LOGIN)),
        ("*22", FeatureRequest(StatusRequest.LOGOUT)),
        ("*23", FeatureRequest(StatusRequest.PAUSE, "break")),
        ("*231", FeatureRequest(StatusRequest.PAUSE, "break")),
        ("*232", FeatureRequest(StatusRequest.PAUSE, "meal")),
        ("*24", FeatureRequest(StatusRequest.RESUME)),
    ],
)
def test_feature_codes(dialled: str, expected: FeatureRequest) -> None:
    assert parse_feature_code(dialled, CODES, ("break", "meal")) == expected


@pytest.mark.parametrize(
    ("dialled", "code"),
    [
        ("*239", "unknown-pause-reason"),
        ("*230", "unknown-pause-reason"),
        ("*25", "unknown-feature-code"),
        ("*2312", "unknown-feature-code"),
        ("110", "unknown-feature-code"),
        ("", "unknown-feature-code"),
    ],
)
def test_unknown_feature_codes_are_refused(dialled: str, code: str) -> None:
    with pytest.raises(AgentError) as caught:
        parse_feature_code(dialled, CODES, ("break", "meal"))
    assert caught.value.code == code


def board(max_no_answers: int = 3) -> tuple[SeatBoard, list[StatusChange]]:
    seats = SeatBoard(max_no_answers=max_no_answers, pause_reasons=REASONS)
    seats.sync_configured([("high-01", "high", frozenset({"consultation"}))], T0)
    seats.set_registered("high-01", True)
    changes: list[StatusChange] = []
    seats.on_status_change(changes.append)
    return seats, changes


def ring_out(seats: SeatBoard, call_id: str, at: datetime = T0) -> None:
    assert seats.try_reserve("high-01", call_id, at)
    assert seats.mark("high-01", call_id, SeatState.RINGING, at)
    seats.release("high-01", call_id, OfferOutcome.NO_ANSWER, 0, at)


def test_seat_is_paused_for_no_answer_after_n_unanswered_offers_in_a_row() -> None:
    seats, changes = board(max_no_answers=3)

    ring_out(seats, "c1")
    ring_out(seats, "c2")
    seat = seats.get("high-01")
    assert seat is not None and seat.status is AgentStatus.AVAILABLE
    ring_out(seats, "c3")

    assert (seat.status, seat.pause_reason, seat.offerable) == (P, NO_ANSWER_REASON, False)
    assert changes == [StatusChange("high-01", P, NO_ANSWER_REASON, StatusSource.SWITCH, T0)]


def test_an_answered_call_resets_the_no_answer_count() -> None:
    seats, _changes = board(max_no_answers=2)
    ring_out(seats, "c1")
    assert seats.try_reserve("high-01", "c2", T0)
    assert seats.mark("high-01", "c2", SeatState.TALKING, T0)
    seats.release("high-01", "c2", OfferOutcome.ANSWERED, 0, T0)
    ring_out(seats, "c3")

    seat = seats.get("high-01")
    assert seat is not None and seat.status is AgentStatus.AVAILABLE


def test_auto_pause_off_when_the_limit_is_zero() -> None:
    seats, changes = board(max_no_answers=0)
    for n in range(5):
        ring_out(seats, f"c{n}")
    assert changes == []


def test_resuming_after_an_auto_pause_starts_the_count_again() -> None:
    seats, _changes = board(max_no_answers=2)
    ring_out(seats, "c1")
    ring_out(seats, "c2")
    seats.request_status("high-01", StatusRequest.RESUME, T0)
    ring_out(seats, "c3")

    seat = seats.get("high-01")
    assert seat is not None and seat.status is AgentStatus.AVAILABLE


def test_status_request_for_an_unknown_seat_is_refused() -> None:
    seats, _changes = board()
    with pytest.raises(AgentError) as caught:
        seats.request_status("ghost-01", StatusRequest.LOGIN, T0)
    assert caught.value.code == "seat-not-found"


def test_unchanged_status_notifies_nobody() -> None:
    seats, changes = board()
    assert seats.request_status("high-01", StatusRequest.LOGIN, T0) is None
    assert changes == []


def test_logged_out_time_does_not_count_towards_occupancy() -> None:
    seats = SeatBoard()
    seats.sync_configured([("high-01", "high", frozenset({"consultation"}))], minutes(0))
    seats.request_status("high-01", StatusRequest.LOGOUT, minutes(10))
    seats.request_status("high-01", StatusRequest.LOGIN, minutes(40))
    seat = seats.get("high-01")
    assert seat is not None

    window = timedelta(minutes=60)
    assert seat.logged_in_seconds(minutes(60), window) == 30 * 60
    assert seat.logged_in_seconds(minutes(100), window) == 60 * 60


def test_restored_status_is_put_back_without_counting_as_a_new_change() -> None:
    seats, changes = board()
    assert seats.restore_status("high-01", P, "meal", minutes(-5)) is True
    assert seats.restore_status("ghost-01", P, "meal", minutes(-5)) is False

    seat = seats.get("high-01")
    assert seat is not None and (seat.status, seat.pause_reason) == (P, "meal")
    assert [change.source for change in changes] == [StatusSource.RESTORED]


def test_seats_start_logged_out_when_configured_so() -> None:
    seats = SeatBoard(initial_status=L)
    seats.sync_configured([("high-01", "high", frozenset({"consultation"}))], T0)
    seats.set_registered("high-01", True)
    seat = seats.get("high-01")
    assert seat is not None and (seat.status, seat.offerable) == (L, False)
    assert seat.logged_in_seconds(minutes(30), timedelta(hours=1)) == 0

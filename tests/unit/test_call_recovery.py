"""Taking over calls left open by an earlier controller, decided from their rows alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from calls.model import CallState, EndReason, QueuePolicy
from calls.recovery import CloseAsLost, Resume, plan_adoption
from calls.store import OpenCall

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=5)
QUEUES = {"general": QueuePolicy("general", "consultation", "hold", 15, 0, 900)}
ROW = OpenCall(
    id="c1",
    caller_channel_id="caller",
    caller_number="13912345678",
    dialed_number="12368",
    state="ivr",
    queue_id=None,
    seat_id=None,
    seat_channel_id=None,
    bridge_id=None,
    started_at=T0,
    answered_at=T0,
    queued_at=None,
    offered_at=None,
    connected_at=None,
)
QUEUED = replace(ROW, state="queued", queue_id="general", queued_at=T0 + timedelta(seconds=9))
OFFERING = replace(
    QUEUED,
    state="offering",
    seat_id="high-01",
    seat_channel_id="c1-seat1",
    offered_at=T0 + timedelta(seconds=10),
)
CONNECTED = replace(
    OFFERING, state="connected", bridge_id="c1-bridge", connected_at=T0 + timedelta(seconds=14)
)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (ROW, EndReason.ABANDONED_IN_IVR),
        (QUEUED, EndReason.ABANDONED_IN_QUEUE),
        (OFFERING, EndReason.ABANDONED_IN_QUEUE),
        (CONNECTED, EndReason.COMPLETED),
    ],
    ids=["ivr", "queued", "offering", "connected"],
)
def test_a_caller_who_left_while_nobody_watched_is_closed(row: OpenCall, reason: EndReason) -> None:
    assert plan_adoption(row, set(), set(), QUEUES, NOW) == CloseAsLost(reason)


def test_a_bridged_call_is_resumed_connected_with_its_seat() -> None:
    plan = plan_adoption(CONNECTED, {"caller", "c1-seat1"}, {"c1-bridge"}, QUEUES, NOW)
    assert isinstance(plan, Resume)
    assert (plan.call.state, plan.call.seat_id, plan.call.connected_at) == (
        CallState.CONNECTED,
        "high-01",
        CONNECTED.connected_at,
    )
    assert (plan.hang_up_seat_channel, plan.requeue, plan.restart_menu) == (None, False, False)


def test_a_call_bridged_before_its_row_said_so_is_still_resumed_connected() -> None:
    plan = plan_adoption(OFFERING, {"caller", "c1-seat1"}, {"c1-bridge"}, QUEUES, NOW)
    assert isinstance(plan, Resume)
    assert (plan.call.state, plan.call.connected_at) == (CallState.CONNECTED, NOW)


def test_an_offer_nobody_tracks_is_hung_up_and_the_caller_requeued_in_place() -> None:
    plan = plan_adoption(OFFERING, {"caller", "c1-seat1"}, set(), QUEUES, NOW)
    assert isinstance(plan, Resume)
    assert (plan.hang_up_seat_channel, plan.requeue) == ("c1-seat1", True)
    assert (plan.call.state, plan.call.queued_at) == (CallState.QUEUED, QUEUED.queued_at)


def test_a_caller_in_the_menu_hears_it_again() -> None:
    plan = plan_adoption(ROW, {"caller"}, set(), QUEUES, NOW)
    assert plan == Resume(plan.call, restart_menu=True)  # type: ignore[union-attr]
    assert plan.call.state is CallState.IVR  # type: ignore[union-attr]

"""Taking over calls left open by an earlier controller, decided from their rows alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from calls.model import (
    AddToBridge,
    CallerLeft,
    CallState,
    ContactLeft,
    DestroyBridge,
    EndReason,
    HangUp,
    QueuePolicy,
    ResumeAsked,
    StopHoldMusic,
)
from calls.recovery import CloseAsLost, Resume, plan_adoption
from calls.state import decide
from calls.store import OpenCall
from tests.unit.test_call_state import MENU as PROGRAM

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
BRIDGED = {"c1-bridge": ["caller", "c1-seat1"]}


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
    assert plan_adoption(row, set(), {}, QUEUES, NOW) == CloseAsLost(reason)


def test_a_bridged_call_is_resumed_connected_with_its_seat() -> None:
    plan = plan_adoption(CONNECTED, {"caller", "c1-seat1"}, BRIDGED, QUEUES, NOW)
    assert isinstance(plan, Resume)
    assert (plan.call.state, plan.call.seat_id, plan.call.connected_at) == (
        CallState.CONNECTED,
        "high-01",
        CONNECTED.connected_at,
    )
    assert (plan.call.held, plan.call.contact_channel_id, plan.call.recording_name) == (
        False,
        None,
        "c1",
    )
    assert (plan.hang_up, plan.requeue, plan.restart_menu) == ((), False, False)


def test_a_call_bridged_before_its_row_said_so_is_still_resumed_connected() -> None:
    plan = plan_adoption(OFFERING, {"caller", "c1-seat1"}, BRIDGED, QUEUES, NOW)
    assert isinstance(plan, Resume)
    assert (plan.call.state, plan.call.connected_at) == (CallState.CONNECTED, NOW)


def test_an_offer_nobody_tracks_is_hung_up_and_the_caller_requeued_in_place() -> None:
    plan = plan_adoption(OFFERING, {"caller", "c1-seat1"}, {}, QUEUES, NOW)
    assert isinstance(plan, Resume)
    assert (plan.hang_up, plan.requeue) == (("c1-seat1",), True)
    assert (plan.call.state, plan.call.queued_at) == (CallState.QUEUED, QUEUED.queued_at)


def test_a_caller_in_the_menu_hears_it_again() -> None:
    plan = plan_adoption(ROW, {"caller"}, {}, QUEUES, NOW)
    assert plan == Resume(plan.call, restart_menu=True)  # type: ignore[union-attr]
    assert plan.call.state is CallState.IVR  # type: ignore[union-attr]


def test_a_caller_the_agent_had_put_on_hold_is_taken_over_on_hold() -> None:
    plan = plan_adoption(
        CONNECTED, {"caller", "c1-seat1"}, {"c1-bridge": ["c1-seat1"]}, QUEUES, NOW
    )
    assert isinstance(plan, Resume)
    assert (plan.call.state, plan.call.held) == (CallState.CONNECTED, True)
    # Resuming puts the caller back in the bridge, as before the restart.
    resumed = decide(plan.call, ResumeAsked(), NOW, PROGRAM, QUEUES.__getitem__)
    assert resumed is not None
    assert resumed[1] == [StopHoldMusic(), AddToBridge("c1-bridge", "caller")]


def test_a_consultation_under_way_is_given_up_and_the_caller_stays_on_hold() -> None:
    channels = {"caller", "c1-seat1", "c1-consult1", "c1-consult2"}
    bridges = {"c1-bridge": ["c1-seat1", "c1-consult2"]}
    plan = plan_adoption(CONNECTED, channels, bridges, QUEUES, NOW)
    assert isinstance(plan, Resume)
    assert plan.hang_up == ("c1-consult1", "c1-consult2")
    assert (plan.call.held, plan.call.contact_channel_id, plan.call.consult) == (True, None, None)


def test_a_judge_the_agent_stayed_with_is_still_on_the_call() -> None:
    bridges = {"c1-bridge": ["caller", "c1-seat1", "c1-contact1-judge"]}
    plan = plan_adoption(
        CONNECTED, {"caller", "c1-seat1", "c1-contact1-judge"}, bridges, QUEUES, NOW
    )
    assert isinstance(plan, Resume)
    assert (plan.call.seat_id, plan.call.contact_channel_id) == ("high-01", "c1-contact1-judge")


def test_a_caller_talking_with_a_judge_alone_goes_on_and_ends_with_either() -> None:
    # The menu's urgent contact put the caller through to the judge: no queue, no seat.
    row = replace(ROW, state="connected", bridge_id="c1-bridge", connected_at=T0)
    bridges = {"c1-bridge": ["caller", "c1-judge"]}
    plan = plan_adoption(row, {"caller", "c1-judge"}, bridges, QUEUES, NOW)
    assert isinstance(plan, Resume)
    assert (plan.call.state, plan.call.seat_id, plan.call.contact_channel_id) == (
        CallState.CONNECTED,
        None,
        "c1-judge",
    )
    assert (plan.requeue, plan.restart_menu) == (False, False)
    for event, hung_up in ((ContactLeft("c1-judge"), "caller"), (CallerLeft(), "c1-judge")):
        ended = decide(plan.call, event, NOW, PROGRAM, QUEUES.__getitem__)
        assert ended is not None and ended[0].state is CallState.ENDED
        assert HangUp(hung_up) in ended[1] and DestroyBridge("c1-bridge") in ended[1]


def test_a_transferred_call_records_its_next_leg_under_a_new_name() -> None:
    row = replace(CONNECTED, leg=2)
    plan = plan_adoption(row, {"caller", "c1-seat1"}, BRIDGED, QUEUES, NOW)
    assert isinstance(plan, Resume)
    assert plan.call.recording_name == "c1-2"

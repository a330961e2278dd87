"""A supervisor's session, event by event: listen, whisper and barge."""

from __future__ import annotations

import pytest

from supervision.model import (
    BridgeLegs,
    DestroyBridge,
    DialPhone,
    HangUp,
    JoinCall,
    Leg,
    LegEntered,
    LegGone,
    Mode,
    Session,
    StartSnoop,
    State,
    StopAsked,
    SupervisionEvent,
)
from supervision.state import decide, start


def session(mode: Mode) -> Session:
    return Session("s1", "high-01", "c1", mode, "high-09", "seat-chan", "c1-bridge")


def run(mode: Mode, *events: SupervisionEvent) -> tuple[Session, list[object]]:
    current, commands = session(mode), list[object]()
    for event in events:
        decided = decide(current, event)
        assert decided is not None, f"{event} ignored in {current.state}"
        current, new = decided
        commands += new
    return current, commands


@pytest.mark.parametrize(
    ("mode", "snoop"),
    [(Mode.LISTEN, StartSnoop("both", "none")), (Mode.WHISPER, StartSnoop("both", "out"))],
)
def test_listening_and_whispering_snoop_on_the_agent_and_ring_the_supervisor(
    mode: Mode, snoop: StartSnoop
) -> None:
    assert start(session(mode)) == [snoop, DialPhone()]


def test_barging_rings_the_supervisor_only() -> None:
    assert start(session(Mode.BARGE)) == [DialPhone()]


@pytest.mark.parametrize(
    "order", [(Leg.PHONE, Leg.SNOOP), (Leg.SNOOP, Leg.PHONE)], ids=["phone-first", "snoop-first"]
)
def test_the_legs_are_bridged_once_both_are_up_whichever_comes_first(
    order: tuple[Leg, Leg],
) -> None:
    current, commands = run(Mode.LISTEN, *(LegEntered(leg) for leg in order))
    assert current.state is State.CONNECTED
    assert commands == [BridgeLegs()]


def test_a_barging_supervisor_joins_the_calls_own_bridge_when_answering() -> None:
    current, commands = run(Mode.BARGE, LegEntered(Leg.PHONE))
    assert (current.state, commands) == (State.CONNECTED, [JoinCall()])


def test_a_leg_entering_twice_is_ignored() -> None:
    current, _ = run(Mode.LISTEN, LegEntered(Leg.PHONE))
    assert decide(current, LegEntered(Leg.PHONE)) is None


@pytest.mark.parametrize("ending", [LegGone(Leg.PHONE), LegGone(Leg.SNOOP), StopAsked()], ids=str)
def test_either_side_going_ends_the_session_and_tidies_every_leg(
    ending: SupervisionEvent,
) -> None:
    connected, _ = run(Mode.WHISPER, LegEntered(Leg.PHONE), LegEntered(Leg.SNOOP))
    decided = decide(connected, ending)
    assert decided is not None
    ended, commands = decided
    assert ended.state is State.ENDED
    assert commands == [HangUp("s1-phone"), HangUp("s1-snoop"), DestroyBridge()]
    assert decide(ended, LegGone(Leg.PHONE)) is None, "nothing more once ended"


def test_a_barge_ends_by_hanging_up_the_supervisor_only() -> None:
    connected, _ = run(Mode.BARGE, LegEntered(Leg.PHONE))
    decided = decide(connected, LegGone(Leg.PHONE))
    assert decided is not None and decided[1] == [HangUp("s1-phone")]

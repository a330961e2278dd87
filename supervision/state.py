"""The supervisor's session as a pure state machine: `start` and `decide` return commands."""

from __future__ import annotations

from dataclasses import replace
from typing import assert_never

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
    SupervisionCommand,
    SupervisionEvent,
)

Decision = tuple[Session, list[SupervisionCommand]]

# What the snoop on the agent's channel does per mode: `out` is what the agent hears, so a
# whisper into `out` reaches the agent alone; spying `both` hears agent and caller.
SNOOP = {Mode.LISTEN: ("both", "none"), Mode.WHISPER: ("both", "out")}


def start(session: Session) -> list[SupervisionCommand]:
    match session.mode:
        case Mode.LISTEN | Mode.WHISPER:
            spy, whisper = SNOOP[session.mode]
            return [StartSnoop(spy, whisper), DialPhone()]
        case Mode.BARGE:
            return [DialPhone()]
        case _:
            assert_never(session.mode)


def decide(session: Session, event: SupervisionEvent) -> Decision | None:
    """None: the event means nothing in this state (logged and ignored by the service)."""
    if session.state is State.ENDED:
        return None
    match event:
        case LegEntered(leg=leg):
            already = session.phone_up if leg is Leg.PHONE else session.snoop_up
            return None if already else _entered(session, leg)
        case LegGone() | StopAsked():
            return _end(session)
        case _:
            assert_never(event)


def _entered(session: Session, leg: Leg) -> Decision:
    match leg:
        case Leg.PHONE:
            entered = replace(session, phone_up=True)
            if session.mode is Mode.BARGE:
                return replace(entered, state=State.CONNECTED), [JoinCall()]
        case Leg.SNOOP:
            entered = replace(session, snoop_up=True)
        case _:
            assert_never(leg)
    if entered.phone_up and entered.snoop_up:
        return replace(entered, state=State.CONNECTED), [BridgeLegs()]
    return entered, []


def _end(session: Session) -> Decision:
    commands: list[SupervisionCommand] = [HangUp(session.phone_channel)]
    if session.mode is not Mode.BARGE:
        commands += [HangUp(session.snoop_channel), DestroyBridge()]
    return replace(session, state=State.ENDED), commands

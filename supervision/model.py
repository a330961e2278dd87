"""A supervisor's session on a seat's call: what it is, what happens to it, what it asks for."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Mode(enum.StrEnum):
    LISTEN = "listen"  # hears caller and agent; nobody hears the supervisor
    WHISPER = "whisper"  # hears both; only the agent hears the supervisor
    BARGE = "barge"  # joins the call: everyone hears everyone


MODE_LABELS = {Mode.LISTEN: "监听", Mode.WHISPER: "耳语", Mode.BARGE: "强插"}


class State(enum.StrEnum):
    DIALLING = "dialling"  # the supervisor's phone rings (and the snoop is being set up)
    CONNECTED = "connected"
    ENDED = "ended"


class Leg(enum.StrEnum):
    PHONE = "phone"  # the supervisor's softphone
    SNOOP = "snoop"  # Asterisk's snoop channel on the agent's channel


@dataclass(frozen=True)
class Session:
    id: str
    seat_id: str  # the seat whose call is supervised
    call_id: str
    mode: Mode
    phone_seat: str  # the supervisor's softphone (a configured seat)
    target_channel: str  # the agent's channel on the call
    call_bridge: str  # the call's bridge (barge joins it)
    state: State = State.DIALLING
    phone_up: bool = False
    snoop_up: bool = False

    @property
    def phone_channel(self) -> str:
        return f"{self.id}-phone"

    @property
    def snoop_channel(self) -> str:
        return f"{self.id}-snoop"

    @property
    def bridge(self) -> str:
        return f"{self.id}-bridge"

    def owns(self, channel_id: str) -> bool:
        return channel_id in (self.phone_channel, self.snoop_channel)


# ---- events ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class LegEntered:
    leg: Leg


@dataclass(frozen=True)
class LegGone:
    """The leg hung up or left the app (or, for a barging phone, left the call's bridge)."""

    leg: Leg


@dataclass(frozen=True)
class StopAsked:
    pass


SupervisionEvent = LegEntered | LegGone | StopAsked


# ---- commands -------------------------------------------------------------------------------
@dataclass(frozen=True)
class StartSnoop:
    spy: str
    whisper: str


@dataclass(frozen=True)
class DialPhone:
    pass


@dataclass(frozen=True)
class BridgeLegs:
    """Put the phone and the snoop together in the session's own bridge."""


@dataclass(frozen=True)
class JoinCall:
    """Put the phone into the call's bridge (barge)."""


@dataclass(frozen=True)
class HangUp:
    channel_id: str


@dataclass(frozen=True)
class DestroyBridge:
    pass


SupervisionCommand = StartSnoop | DialPhone | BridgeLegs | JoinCall | HangUp | DestroyBridge

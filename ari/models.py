"""Typed, read-only views of the ARI resources the hotline reads (names as in the swagger)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Asterisk adds values to its enumerations over releases; an unknown value must not make a whole
# event unreadable, so every enum field falls back to the plain string.
_KNOWN_OR_STR = Field(union_mode="left_to_right")


class AriModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ChannelState(StrEnum):
    DOWN = "Down"
    RESERVED = "Rsrved"
    OFF_HOOK = "OffHook"
    DIALING = "Dialing"
    RING = "Ring"
    RINGING = "Ringing"
    UP = "Up"
    BUSY = "Busy"
    DIALING_OFFHOOK = "Dialing Offhook"
    PRE_RING = "Pre-ring"
    UNKNOWN = "Unknown"


class PlaybackState(StrEnum):
    QUEUED = "queued"
    PLAYING = "playing"
    CONTINUING = "continuing"
    DONE = "done"
    FAILED = "failed"


class RecordingState(StrEnum):
    QUEUED = "queued"
    RECORDING = "recording"
    PAUSED = "paused"
    DONE = "done"
    FAILED = "failed"
    CANCELED = "canceled"


class EndpointState(StrEnum):
    UNKNOWN = "unknown"
    OFFLINE = "offline"
    ONLINE = "online"


class CallerId(AriModel):
    name: str
    number: str


class DialplanCEP(AriModel):
    context: str
    exten: str
    priority: int
    app_name: str | None = None
    app_data: str | None = None


class Channel(AriModel):
    id: str
    name: str
    state: Annotated[ChannelState | str, _KNOWN_OR_STR]
    caller: CallerId
    connected: CallerId
    accountcode: str
    dialplan: DialplanCEP
    creationtime: datetime
    language: str
    # Present only for variables listed in ari.conf's channelvars.
    channelvars: dict[str, str] | None = None
    # SIP Call-ID for PJSIP channels; lets a call be matched with carrier and SIPp traces.
    protocol_id: str | None = None


class Bridge(AriModel):
    id: str
    technology: str
    bridge_type: str
    bridge_class: str
    creator: str
    name: str
    channels: list[str]
    creationtime: datetime | None = None


class Playback(AriModel):
    id: str
    media_uri: str
    target_uri: str
    language: str | None = None
    state: Annotated[PlaybackState | str, _KNOWN_OR_STR]


class LiveRecording(AriModel):
    name: str
    format: str
    state: Annotated[RecordingState | str, _KNOWN_OR_STR]
    target_uri: str
    duration: int | None = None
    talking_duration: int | None = None
    silence_duration: int | None = None
    cause: str | None = None


class Endpoint(AriModel):
    technology: str
    resource: str
    state: Annotated[EndpointState | str | None, _KNOWN_OR_STR] = None
    channel_ids: list[str]


class DeviceState(AriModel):
    name: str  # e.g. "PJSIP/high-01"
    state: str  # NOT_INUSE, INUSE, BUSY, UNAVAILABLE, RINGING, ...


class Application(AriModel):
    name: str
    channel_ids: list[str]
    bridge_ids: list[str]
    endpoint_ids: list[str]
    device_names: list[str]


class SystemInfo(AriModel):
    version: str
    entity_id: str


class BuildInfo(AriModel):
    os: str
    kernel: str
    machine: str
    options: str
    date: str
    user: str


class StatusInfo(AriModel):
    startup_time: datetime
    last_reload_time: datetime


class AsteriskInfo(AriModel):
    system: SystemInfo | None = None
    build: BuildInfo | None = None
    status: StatusInfo | None = None


class Variable(AriModel):
    value: str

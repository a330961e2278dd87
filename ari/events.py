"""Typed ARI events from the events WebSocket, and the parser that turns raw frames into them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal, TypeAlias, assert_never, get_args

from pydantic import Field, TypeAdapter, ValidationError

from ari.errors import AriProtocolError
from ari.models import (
    AriModel,
    Bridge,
    Channel,
    DeviceState,
    Endpoint,
    LiveRecording,
    Playback,
)


class EventBase(AriModel):
    type: str
    application: str
    timestamp: datetime
    asterisk_id: str | None = None


class StasisStart(EventBase):
    type: Literal["StasisStart"]
    channel: Channel
    args: list[str]
    replace_channel: Channel | None = None


class StasisEnd(EventBase):
    type: Literal["StasisEnd"]
    channel: Channel


class ChannelDestroyed(EventBase):
    type: Literal["ChannelDestroyed"]
    channel: Channel
    cause: int
    cause_txt: str


class ChannelHangupRequest(EventBase):
    type: Literal["ChannelHangupRequest"]
    channel: Channel
    cause: int | None = None
    soft: bool | None = None


class ChannelStateChange(EventBase):
    type: Literal["ChannelStateChange"]
    channel: Channel


class ChannelDtmfReceived(EventBase):
    type: Literal["ChannelDtmfReceived"]
    channel: Channel
    digit: str
    duration_ms: int


class ChannelEnteredBridge(EventBase):
    type: Literal["ChannelEnteredBridge"]
    bridge: Bridge
    # Optional in Asterisk's own spec, so a frame without it is still a valid event.
    channel: Channel | None = None


class ChannelLeftBridge(EventBase):
    type: Literal["ChannelLeftBridge"]
    bridge: Bridge
    channel: Channel


class BridgeDestroyed(EventBase):
    type: Literal["BridgeDestroyed"]
    bridge: Bridge


class PlaybackStarted(EventBase):
    type: Literal["PlaybackStarted"]
    playback: Playback


class PlaybackFinished(EventBase):
    type: Literal["PlaybackFinished"]
    playback: Playback


class RecordingStarted(EventBase):
    type: Literal["RecordingStarted"]
    recording: LiveRecording


class RecordingFinished(EventBase):
    type: Literal["RecordingFinished"]
    recording: LiveRecording


class RecordingFailed(EventBase):
    type: Literal["RecordingFailed"]
    recording: LiveRecording


class EndpointStateChange(EventBase):
    type: Literal["EndpointStateChange"]
    endpoint: Endpoint


class DeviceStateChanged(EventBase):
    type: Literal["DeviceStateChanged"]
    device_state: DeviceState


class Dial(EventBase):
    type: Literal["Dial"]
    caller: Channel | None = None
    peer: Channel
    dialstatus: str
    dialstring: str | None = None
    forward: str | None = None
    forwarded: Channel | None = None


class UnknownEvent(AriModel):
    """An event type we do not model; kept whole so it can be logged or inspected."""

    type: str
    application: str | None = None
    asterisk_id: str | None = None
    raw: dict[str, Any]


KnownEvent: TypeAlias = (
    StasisStart
    | StasisEnd
    | ChannelDestroyed
    | ChannelHangupRequest
    | ChannelStateChange
    | ChannelDtmfReceived
    | ChannelEnteredBridge
    | ChannelLeftBridge
    | BridgeDestroyed
    | PlaybackStarted
    | PlaybackFinished
    | RecordingStarted
    | RecordingFinished
    | RecordingFailed
    | EndpointStateChange
    | DeviceStateChanged
    | Dial
)
Event: TypeAlias = KnownEvent | UnknownEvent

_KNOWN_EVENT_ADAPTER: TypeAdapter[KnownEvent] = TypeAdapter(
    Annotated[KnownEvent, Field(discriminator="type")]
)

EVENT_MODELS: dict[str, type[EventBase]] = {
    get_args(model.model_fields["type"].annotation)[0]: model for model in get_args(KnownEvent)
}


def parse_event(raw: bytes | str) -> Event:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AriProtocolError(f"ARI event is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise AriProtocolError(f"ARI event is a JSON {type(data).__name__}, expected an object")
    event_type = data.get("type")
    if not isinstance(event_type, str):
        raise AriProtocolError("ARI event has no string field 'type'")
    if event_type not in EVENT_MODELS:
        application = data.get("application")
        asterisk_id = data.get("asterisk_id")
        return UnknownEvent(
            type=event_type,
            application=application if isinstance(application, str) else None,
            asterisk_id=asterisk_id if isinstance(asterisk_id, str) else None,
            raw=data,
        )
    try:
        return _KNOWN_EVENT_ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise AriProtocolError(
            f"ARI event {event_type} is invalid: {_describe(exc, event_type)}"
        ) from exc


def _describe(exc: ValidationError, event_type: str) -> str:
    problems = []
    for error in exc.errors(include_url=False):
        # The discriminated union puts the event type first in the location; drop it.
        location = [str(part) for part in error["loc"] if part != event_type]
        problems.append(f"field {'.'.join(location) or '(event)'}: {error['msg']}")
    return "; ".join(problems)


def channel_id_of(event: Event) -> str | None:
    """The channel an event is about, for routing it to the call that owns that channel."""
    match event:
        case (
            StasisStart()
            | StasisEnd()
            | ChannelDestroyed()
            | ChannelHangupRequest()
            | ChannelStateChange()
            | ChannelDtmfReceived()
            | ChannelLeftBridge()
        ):
            return event.channel.id
        case ChannelEnteredBridge():
            return event.channel.id if event.channel is not None else None
        case PlaybackStarted() | PlaybackFinished():
            return _resource_id(event.playback.target_uri, "channel")
        case RecordingStarted() | RecordingFinished() | RecordingFailed():
            return _resource_id(event.recording.target_uri, "channel")
        case Dial():
            # The peer is the leg being dialled; its owner is the call that originated it.
            return event.peer.id
        case BridgeDestroyed() | EndpointStateChange() | DeviceStateChanged() | UnknownEvent():
            return None
        case _:
            assert_never(event)


def bridge_id_of(event: Event) -> str | None:
    match event:
        case ChannelEnteredBridge() | ChannelLeftBridge() | BridgeDestroyed():
            return event.bridge.id
        case PlaybackStarted() | PlaybackFinished():
            return _resource_id(event.playback.target_uri, "bridge")
        case RecordingStarted() | RecordingFinished() | RecordingFailed():
            return _resource_id(event.recording.target_uri, "bridge")
        case (
            StasisStart()
            | StasisEnd()
            | ChannelDestroyed()
            | ChannelHangupRequest()
            | ChannelStateChange()
            | ChannelDtmfReceived()
            | EndpointStateChange()
            | DeviceStateChanged()
            | Dial()
            | UnknownEvent()
        ):
            return None
        case _:
            assert_never(event)


def _resource_id(target_uri: str, kind: str) -> str | None:
    # Asterisk names playback and recording targets "channel:ID" or "bridge:ID".
    prefix = f"{kind}:"
    return target_uri[len(prefix) :] if target_uri.startswith(prefix) else None

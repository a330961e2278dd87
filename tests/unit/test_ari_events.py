"""Parsing of ARI events as Asterisk 22 sends them, and routing helpers over the parsed models."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from ari.errors import AriError, AriProtocolError
from ari.events import (
    BridgeDestroyed,
    ChannelDestroyed,
    ChannelDtmfReceived,
    ChannelEnteredBridge,
    ChannelHangupRequest,
    ChannelLeftBridge,
    ChannelStateChange,
    Dial,
    EndpointStateChange,
    PlaybackFinished,
    PlaybackStarted,
    RecordingFailed,
    RecordingFinished,
    RecordingStarted,
    StasisEnd,
    StasisStart,
    UnknownEvent,
    bridge_id_of,
    channel_id_of,
    parse_event,
)
from ari.models import ChannelState, EndpointState, PlaybackState, RecordingState

CALLER: dict[str, Any] = {
    "id": "1741051801.42",
    "name": "PJSIP/carrier-0000002a",
    "state": "Ring",
    "protocol_id": "a84b4c76e66710@127.0.0.2",
    "caller": {"name": "", "number": "13800138000"},
    "connected": {"name": "", "number": ""},
    "accountcode": "",
    "dialplan": {
        "context": "from-carrier",
        "exten": "12368",
        "priority": 2,
        "app_name": "Stasis",
        "app_data": "hotline,inbound",
    },
    "creationtime": "2025-03-04T09:30:01.201+0800",
    "language": "zh",
    "tenantid": "",
}

SEAT: dict[str, Any] = {
    **CALLER,
    "id": "seat-101-a1b2",
    "name": "PJSIP/seat-101-0000002b",
    "state": "Ringing",
    "caller": {"name": "12368", "number": "12368"},
    "dialplan": {"context": "seats", "exten": "s", "priority": 1, "app_name": "", "app_data": ""},
}

BRIDGE: dict[str, Any] = {
    "id": "call-7f3a",
    "technology": "simple_bridge",
    "bridge_type": "mixing",
    "bridge_class": "stasis",
    "creator": "Stasis",
    "name": "call-7f3a",
    "channels": ["1741051801.42", "seat-101-a1b2"],
    "creationtime": "2025-03-04T09:30:09.002+0800",
    "video_mode": "none",
}

COMMON = {
    "timestamp": "2025-03-04T09:30:10.118+0800",
    "asterisk_id": "52:54:00:12:36:80",
    "application": "hotline",
}


def event(event_type: str, **fields: Any) -> dict[str, Any]:
    return {"type": event_type, **fields, **COMMON}


SAMPLES: dict[str, dict[str, Any]] = {
    "StasisStart": event("StasisStart", args=["inbound"], channel=CALLER),
    "StasisEnd": event("StasisEnd", channel=CALLER),
    "ChannelDestroyed": event(
        "ChannelDestroyed", cause=16, cause_txt="Normal Clearing", tech_cause=0, channel=CALLER
    ),
    "ChannelHangupRequest": event("ChannelHangupRequest", cause=16, soft=True, channel=CALLER),
    "ChannelStateChange": event("ChannelStateChange", channel={**CALLER, "state": "Up"}),
    "ChannelDtmfReceived": event("ChannelDtmfReceived", digit="#", duration_ms=120, channel=CALLER),
    "ChannelEnteredBridge": event("ChannelEnteredBridge", bridge=BRIDGE, channel=SEAT),
    "ChannelLeftBridge": event("ChannelLeftBridge", bridge=BRIDGE, channel=SEAT),
    "BridgeDestroyed": event("BridgeDestroyed", bridge={**BRIDGE, "channels": []}),
    "PlaybackStarted": event(
        "PlaybackStarted",
        playback={
            "id": "welcome-1741051801.42",
            "media_uri": "sound:hotline/welcome",
            "next_media_uri": "sound:hotline/menu",
            "target_uri": "channel:1741051801.42",
            "language": "zh",
            "state": "playing",
        },
    ),
    "PlaybackFinished": event(
        "PlaybackFinished",
        playback={
            "id": "hold-call-7f3a",
            "media_uri": "sound:hotline/please-hold",
            "target_uri": "bridge:call-7f3a",
            "language": "zh",
            "state": "done",
        },
    ),
    "RecordingStarted": event(
        "RecordingStarted",
        recording={
            "name": "call-7f3a",
            "format": "wav",
            "state": "recording",
            "target_uri": "bridge:call-7f3a",
        },
    ),
    "RecordingFinished": event(
        "RecordingFinished",
        recording={
            "name": "call-7f3a",
            "format": "wav",
            "state": "done",
            "target_uri": "bridge:call-7f3a",
            "duration": 183,
            "talking_duration": 150,
            "silence_duration": 33,
        },
    ),
    "RecordingFailed": event(
        "RecordingFailed",
        recording={
            "name": "call-7f3a",
            "format": "wav",
            "state": "failed",
            "target_uri": "bridge:call-7f3a",
            "cause": "Failed to open file",
        },
    ),
    "EndpointStateChange": event(
        "EndpointStateChange",
        endpoint={
            "technology": "PJSIP",
            "resource": "seat-101",
            "state": "online",
            "channel_ids": [],
        },
    ),
    "Dial": event("Dial", caller=CALLER, peer=SEAT, dialstring="seat-101", dialstatus="RINGING"),
}

EXPECTED_CLASS = {
    "StasisStart": StasisStart,
    "StasisEnd": StasisEnd,
    "ChannelDestroyed": ChannelDestroyed,
    "ChannelHangupRequest": ChannelHangupRequest,
    "ChannelStateChange": ChannelStateChange,
    "ChannelDtmfReceived": ChannelDtmfReceived,
    "ChannelEnteredBridge": ChannelEnteredBridge,
    "ChannelLeftBridge": ChannelLeftBridge,
    "BridgeDestroyed": BridgeDestroyed,
    "PlaybackStarted": PlaybackStarted,
    "PlaybackFinished": PlaybackFinished,
    "RecordingStarted": RecordingStarted,
    "RecordingFinished": RecordingFinished,
    "RecordingFailed": RecordingFailed,
    "EndpointStateChange": EndpointStateChange,
    "Dial": Dial,
}

# (channel_id_of, bridge_id_of) for each sample: the ids a router would file the event under.
EXPECTED_ROUTING = {
    "StasisStart": ("1741051801.42", None),
    "StasisEnd": ("1741051801.42", None),
    "ChannelDestroyed": ("1741051801.42", None),
    "ChannelHangupRequest": ("1741051801.42", None),
    "ChannelStateChange": ("1741051801.42", None),
    "ChannelDtmfReceived": ("1741051801.42", None),
    "ChannelEnteredBridge": ("seat-101-a1b2", "call-7f3a"),
    "ChannelLeftBridge": ("seat-101-a1b2", "call-7f3a"),
    "BridgeDestroyed": (None, "call-7f3a"),
    "PlaybackStarted": ("1741051801.42", None),
    "PlaybackFinished": (None, "call-7f3a"),
    "RecordingStarted": (None, "call-7f3a"),
    "RecordingFinished": (None, "call-7f3a"),
    "RecordingFailed": (None, "call-7f3a"),
    "EndpointStateChange": (None, None),
    "Dial": ("seat-101-a1b2", None),
}


def test_samples_cover_every_modelled_event_type() -> None:
    assert set(SAMPLES) == set(EXPECTED_CLASS) == set(EXPECTED_ROUTING)


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_each_modelled_event_parses_into_its_own_class_with_common_fields(event_type: str) -> None:
    parsed = parse_event(json.dumps(SAMPLES[event_type]))

    assert type(parsed) is EXPECTED_CLASS[event_type]
    assert parsed.type == event_type
    assert parsed.application == "hotline"
    assert parsed.asterisk_id == "52:54:00:12:36:80"
    assert not isinstance(parsed, UnknownEvent)
    assert parsed.timestamp == datetime(2025, 3, 4, 1, 30, 10, 118000, tzinfo=UTC).astimezone(
        timezone(timedelta(hours=8))
    )


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_routing_helpers_name_the_channel_and_bridge_an_event_belongs_to(event_type: str) -> None:
    parsed = parse_event(json.dumps(SAMPLES[event_type]))

    assert (channel_id_of(parsed), bridge_id_of(parsed)) == EXPECTED_ROUTING[event_type]


def test_stasis_start_carries_channel_details_and_args() -> None:
    parsed = parse_event(json.dumps(SAMPLES["StasisStart"]).encode())

    assert isinstance(parsed, StasisStart)
    assert parsed.args == ["inbound"]
    assert parsed.replace_channel is None
    channel = parsed.channel
    assert channel.state is ChannelState.RING
    assert channel.caller.number == "13800138000"
    assert channel.dialplan.exten == "12368"
    assert channel.dialplan.priority == 2
    assert channel.protocol_id == "a84b4c76e66710@127.0.0.2"
    assert channel.creationtime.utcoffset() == timedelta(hours=8)
    assert channel.channelvars is None


def test_stasis_start_with_replace_channel_parses_both_channels() -> None:
    raw = event("StasisStart", args=[], channel=SEAT, replace_channel=CALLER)

    parsed = parse_event(json.dumps(raw))

    assert isinstance(parsed, StasisStart)
    assert parsed.replace_channel is not None
    assert parsed.replace_channel.id == "1741051801.42"


def test_channel_destroyed_keeps_cause_code_and_text() -> None:
    parsed = parse_event(json.dumps(SAMPLES["ChannelDestroyed"]))

    assert isinstance(parsed, ChannelDestroyed)
    assert (parsed.cause, parsed.cause_txt) == (16, "Normal Clearing")


def test_hangup_request_without_cause_or_soft_is_valid() -> None:
    parsed = parse_event(json.dumps(event("ChannelHangupRequest", channel=CALLER)))

    assert isinstance(parsed, ChannelHangupRequest)
    assert parsed.cause is None
    assert parsed.soft is None


def test_dtmf_event_keeps_digit_and_duration() -> None:
    parsed = parse_event(json.dumps(SAMPLES["ChannelDtmfReceived"]))

    assert isinstance(parsed, ChannelDtmfReceived)
    assert (parsed.digit, parsed.duration_ms) == ("#", 120)


def test_dial_without_caller_routes_by_peer() -> None:
    raw = event("Dial", peer=SEAT, dialstatus="ANSWER")

    parsed = parse_event(json.dumps(raw))

    assert isinstance(parsed, Dial)
    assert parsed.caller is None
    assert parsed.dialstatus == "ANSWER"
    assert channel_id_of(parsed) == "seat-101-a1b2"


def test_entered_bridge_without_channel_is_valid_but_has_no_channel_route() -> None:
    parsed = parse_event(json.dumps(event("ChannelEnteredBridge", bridge=BRIDGE)))

    assert isinstance(parsed, ChannelEnteredBridge)
    assert channel_id_of(parsed) is None
    assert bridge_id_of(parsed) == "call-7f3a"


def test_known_enum_values_become_enum_members() -> None:
    playback = parse_event(json.dumps(SAMPLES["PlaybackStarted"]))
    recording = parse_event(json.dumps(SAMPLES["RecordingFinished"]))
    endpoint = parse_event(json.dumps(SAMPLES["EndpointStateChange"]))

    assert isinstance(playback, PlaybackStarted)
    assert playback.playback.state is PlaybackState.PLAYING
    assert isinstance(recording, RecordingFinished)
    assert recording.recording.state is RecordingState.DONE
    assert recording.recording.duration == 183
    assert isinstance(endpoint, EndpointStateChange)
    assert endpoint.endpoint.state is EndpointState.ONLINE


def test_a_state_asterisk_adds_later_is_kept_as_plain_text() -> None:
    raw = event("ChannelStateChange", channel={**CALLER, "state": "Mute"})

    parsed = parse_event(json.dumps(raw))

    assert isinstance(parsed, ChannelStateChange)
    assert parsed.channel.state == "Mute"
    assert not isinstance(parsed.channel.state, ChannelState)


def test_fields_we_do_not_model_are_ignored() -> None:
    raw = copy.deepcopy(SAMPLES["StasisEnd"])
    raw["channel"]["caller_rdnis"] = "010-12368"
    raw["new_field_in_asterisk_23"] = {"x": 1}

    parsed = parse_event(json.dumps(raw))

    assert isinstance(parsed, StasisEnd)
    assert not hasattr(parsed, "new_field_in_asterisk_23")


def test_parsed_events_are_immutable() -> None:
    parsed = parse_event(json.dumps(SAMPLES["StasisEnd"]))

    with pytest.raises(ValidationError):
        parsed.application = "other"  # type: ignore[misc]


def test_unknown_event_type_is_returned_whole_as_unknown_event() -> None:
    raw = event("ChannelVarset", variable="CDR(userfield)", value="case-2025-0101", channel=CALLER)

    parsed = parse_event(json.dumps(raw))

    assert isinstance(parsed, UnknownEvent)
    assert parsed.type == "ChannelVarset"
    assert parsed.application == "hotline"
    assert parsed.raw == raw
    assert channel_id_of(parsed) is None
    assert bridge_id_of(parsed) is None


def test_unknown_message_without_application_is_still_an_unknown_event() -> None:
    parsed = parse_event('{"type": "MissingParams", "params": ["app"]}')

    assert isinstance(parsed, UnknownEvent)
    assert parsed.application is None


@pytest.mark.parametrize(
    ("raw", "mentions"),
    [
        ("{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        ("[1, 2]", "JSON list"),
        ('{"application": "hotline"}', "'type'"),
        ('{"type": 7}', "'type'"),
    ],
)
def test_malformed_frames_raise_protocol_error(raw: str | bytes, mentions: str) -> None:
    with pytest.raises(AriProtocolError, match=mentions) as caught:
        parse_event(raw)

    assert caught.value.code == "ari-bad-event"
    assert isinstance(caught.value, AriError)


def test_known_event_missing_a_field_names_the_event_and_the_field() -> None:
    raw = event("ChannelDtmfReceived", duration_ms=100, channel=CALLER)

    with pytest.raises(AriProtocolError) as caught:
        parse_event(json.dumps(raw))

    message = str(caught.value)
    assert "ChannelDtmfReceived" in message
    assert "field digit" in message
    assert isinstance(caught.value.__cause__, ValidationError)


def test_known_event_with_a_bad_nested_field_names_its_path() -> None:
    channel = {key: value for key, value in CALLER.items() if key != "id"}
    raw = event("StasisStart", args=[], channel=channel)

    with pytest.raises(AriProtocolError, match=r"StasisStart .*field channel\.id"):
        parse_event(json.dumps(raw))


def test_known_event_with_a_bad_timestamp_names_the_field() -> None:
    raw = {**SAMPLES["StasisEnd"], "timestamp": "yesterday"}

    with pytest.raises(AriProtocolError, match="field timestamp"):
        parse_event(json.dumps(raw))

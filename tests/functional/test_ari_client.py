"""AriClient against the in-process fake ARI: what goes on the wire, and how failures surface."""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import AsyncIterator

import pytest
from structlog.testing import capture_logs

from ari.client import OPERATIONS, AriClient
from ari.errors import (
    AriBadResponse,
    AriConflict,
    AriError,
    AriNotFound,
    AriPreconditionFailed,
    AriUnauthorized,
    AriUnavailable,
    AriUnprocessable,
)
from ari.models import ChannelState, EndpointState, PlaybackState, RecordingState
from tests.fakes.ari_server import FakeAri


@pytest.fixture
async def fake() -> AsyncIterator[FakeAri]:
    async with FakeAri.start() as server:
        yield server


@pytest.fixture
async def client(fake: FakeAri) -> AsyncIterator[AriClient]:
    async with AriClient(
        fake.base_url, fake.username, fake.password, app="hotline", request_timeout=1.0
    ) as ari:
        yield ari


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- what each method sends ---


async def test_asterisk_info_reads_version(client: AriClient, fake: FakeAri) -> None:
    info = await client.asterisk_info()

    assert info.system is not None
    assert info.system.version == "22.10.1"
    assert [(r.method, r.path) for r in fake.requests] == [("GET", "/asterisk/info")]


async def test_originate_sends_endpoint_app_ids_and_variables(
    client: AriClient, fake: FakeAri
) -> None:
    channel = await client.originate(
        "PJSIP/seat-101",
        channel_id="seat-101-a1b2",
        app_args=["seat", "call-7f3a"],
        caller_id='"12368" <12368>',
        timeout_s=20,
        variables={"CALLERID(name)": "12368", "HOTLINE_CALL": "call-7f3a"},
        originator="1741051801.42",
    )

    assert channel.id == "seat-101-a1b2"
    (request,) = fake.requests
    assert (request.method, request.path) == ("POST", "/channels")
    assert request.params == {
        "endpoint": "PJSIP/seat-101",
        "app": "hotline",
        "appArgs": "seat,call-7f3a",
        "callerId": '"12368" <12368>',
        "timeout": "20",
        "channelId": "seat-101-a1b2",
        "originator": "1741051801.42",
    }
    assert request.json == {"variables": {"CALLERID(name)": "12368", "HOTLINE_CALL": "call-7f3a"}}


async def test_originate_without_optional_parts_sends_only_what_is_set(
    client: AriClient, fake: FakeAri
) -> None:
    await client.originate("PJSIP/seat-102", channel_id="seat-102-c3d4")

    (request,) = fake.requests
    assert request.params == {
        "endpoint": "PJSIP/seat-102",
        "app": "hotline",
        "timeout": "30",
        "channelId": "seat-102-c3d4",
    }
    assert request.json is None


async def test_originate_refuses_an_app_arg_with_a_comma_before_sending(
    client: AriClient, fake: FakeAri
) -> None:
    with pytest.raises(ValueError, match="comma"):
        await client.originate("PJSIP/seat-101", channel_id="x", app_args=["a,b"])

    assert fake.requests == []


async def test_duplicate_channel_id_on_originate_is_a_conflict(
    client: AriClient, fake: FakeAri
) -> None:
    fake.add_channel("seat-101-a1b2")

    with pytest.raises(AriConflict, match="already exists"):
        await client.originate("PJSIP/seat-101", channel_id="seat-101-a1b2")


async def test_channel_control_calls_use_their_paths(client: AriClient, fake: FakeAri) -> None:
    fake.add_channel("c1", state="Ring")

    await client.ring("c1")
    await client.answer("c1")
    channel = await client.get_channel("c1")
    await client.hangup("c1", reason="busy")

    assert channel.state is ChannelState.UP
    assert [(r.method, r.path, r.params) for r in fake.requests] == [
        ("POST", "/channels/c1/ring", {}),
        ("POST", "/channels/c1/answer", {}),
        ("GET", "/channels/c1", {}),
        ("DELETE", "/channels/c1", {"reason": "busy"}),
    ]
    assert "c1" not in fake.channels


async def test_hangup_defaults_to_normal_reason(client: AriClient, fake: FakeAri) -> None:
    fake.add_channel("c1")

    await client.hangup("c1")

    assert fake.requests[-1].params == {"reason": "normal"}


async def test_list_channels_returns_models(client: AriClient, fake: FakeAri) -> None:
    fake.add_channel("c1")
    fake.add_channel("c2", state="Ringing")

    channels = await client.list_channels()

    assert [(c.id, c.state) for c in channels] == [("c1", "Up"), ("c2", "Ringing")]


async def test_play_sends_one_comma_joined_media_parameter(
    client: AriClient, fake: FakeAri
) -> None:
    fake.add_channel("c1")

    playback = await client.play(
        "c1", ["sound:hotline/welcome", "sound:hotline/menu"], playback_id="pb-1", lang="zh"
    )

    (request,) = fake.requests
    assert (request.method, request.path) == ("POST", "/channels/c1/play/pb-1")
    assert request.query == [("media", "sound:hotline/welcome,sound:hotline/menu"), ("lang", "zh")]
    assert playback.id == "pb-1"
    assert playback.media_uri == "sound:hotline/welcome"
    assert playback.state is PlaybackState.QUEUED


async def test_play_single_media_without_language(client: AriClient, fake: FakeAri) -> None:
    fake.add_channel("c1")

    await client.play("c1", "sound:hotline/welcome", playback_id="pb-2")

    assert fake.requests[-1].query == [("media", "sound:hotline/welcome")]


async def test_stop_playback_deletes_it(client: AriClient, fake: FakeAri) -> None:
    fake.add_channel("c1")
    await client.play("c1", "sound:beep", playback_id="pb-1")

    await client.stop_playback("pb-1")

    assert (fake.requests[-1].method, fake.requests[-1].path) == ("DELETE", "/playbacks/pb-1")
    with pytest.raises(AriNotFound):
        await client.stop_playback("pb-1")


async def test_music_on_hold_start_with_class_and_stop(client: AriClient, fake: FakeAri) -> None:
    fake.add_channel("c1")

    await client.start_moh("c1", "hotline-hold")
    await client.start_moh("c1")
    await client.stop_moh("c1")

    assert [(r.method, r.path, r.params) for r in fake.requests] == [
        ("POST", "/channels/c1/moh", {"mohClass": "hotline-hold"}),
        ("POST", "/channels/c1/moh", {}),
        ("DELETE", "/channels/c1/moh", {}),
    ]


async def test_dtmf_with_hash_and_star_arrives_intact(client: AriClient, fake: FakeAri) -> None:
    fake.add_channel("c1")

    await client.send_dtmf("c1", "*12#", between_ms=150)
    await client.send_dtmf("c1", "1")

    first, second = fake.requests
    assert first.path == "/channels/c1/dtmf"
    assert first.params == {"dtmf": "*12#", "between": "150"}
    assert "%23" in first.raw_url
    assert second.params == {"dtmf": "1"}


async def test_channel_variable_round_trip(client: AriClient, fake: FakeAri) -> None:
    fake.add_channel("c1")

    await client.set_variable("c1", "HOTLINE_COURT", "北京市东城区人民法院")
    value = await client.get_variable("c1", "HOTLINE_COURT")

    assert value == "北京市东城区人民法院"
    assert fake.requests[0].params == {"variable": "HOTLINE_COURT", "value": "北京市东城区人民法院"}
    assert (fake.requests[1].method, fake.requests[1].params) == (
        "GET",
        {"variable": "HOTLINE_COURT"},
    )


async def test_missing_variable_is_not_found(client: AriClient, fake: FakeAri) -> None:
    fake.add_channel("c1")

    with pytest.raises(AriNotFound):
        await client.get_variable("c1", "NOPE")


async def test_bridge_lifecycle_sends_expected_requests(client: AriClient, fake: FakeAri) -> None:
    fake.add_channel("caller")
    fake.add_channel("seat")

    created = await client.create_bridge("call-7f3a", bridge_type="mixing,dtmf_events", name="c7")
    await client.add_channels("call-7f3a", ["caller", "seat"])
    bridge = await client.get_bridge("call-7f3a")
    listed = await client.list_bridges()
    await client.remove_channel("call-7f3a", "seat")
    await client.destroy_bridge("call-7f3a")

    assert created.id == "call-7f3a"
    assert bridge.channels == ["caller", "seat"]
    assert [b.id for b in listed] == ["call-7f3a"]
    assert [(r.method, r.path, r.params) for r in fake.requests] == [
        ("POST", "/bridges/call-7f3a", {"type": "mixing,dtmf_events", "name": "c7"}),
        ("POST", "/bridges/call-7f3a/addChannel", {"channel": "caller,seat"}),
        ("GET", "/bridges/call-7f3a", {}),
        ("GET", "/bridges", {}),
        ("POST", "/bridges/call-7f3a/removeChannel", {"channel": "seat"}),
        ("DELETE", "/bridges/call-7f3a", {}),
    ]


async def test_create_bridge_defaults_to_mixing_without_name(
    client: AriClient, fake: FakeAri
) -> None:
    await client.create_bridge("b1")

    assert fake.requests[-1].params == {"type": "mixing"}


async def test_add_channels_refuses_an_empty_list(client: AriClient, fake: FakeAri) -> None:
    with pytest.raises(ValueError, match="empty"):
        await client.add_channels("b1", [])

    assert fake.requests == []


async def test_record_bridge_sends_every_recording_option(client: AriClient, fake: FakeAri) -> None:
    await client.create_bridge("call-7f3a")

    recording = await client.record_bridge("call-7f3a", name="rec-call-7f3a")
    await client.record_bridge(
        "call-7f3a",
        name="rec-2",
        format="gsm",
        max_duration_s=3600,
        if_exists="overwrite",
        beep=True,
        terminate_on="#",
    )

    assert recording.name == "rec-call-7f3a"
    assert recording.state is RecordingState.QUEUED
    assert recording.target_uri == "bridge:call-7f3a"
    default_call, custom_call = fake.requests[1:]
    assert default_call.path == "/bridges/call-7f3a/record"
    assert default_call.params == {
        "name": "rec-call-7f3a",
        "format": "wav",
        "maxDurationSeconds": "0",
        "ifExists": "fail",
        "beep": "false",
        "terminateOn": "none",
    }
    assert custom_call.params == {
        "name": "rec-2",
        "format": "gsm",
        "maxDurationSeconds": "3600",
        "ifExists": "overwrite",
        "beep": "true",
        "terminateOn": "#",
    }


async def test_live_recording_read_and_stop(client: AriClient, fake: FakeAri) -> None:
    await client.create_bridge("b1")
    await client.record_bridge("b1", name="rec-1")

    await client.stop_recording("rec-1")
    recording = await client.get_live_recording("rec-1")

    assert recording.state is RecordingState.DONE
    assert [(r.method, r.path) for r in fake.requests[2:]] == [
        ("POST", "/recordings/live/rec-1/stop"),
        ("GET", "/recordings/live/rec-1"),
    ]


async def test_endpoints_listed_all_by_technology_and_one(client: AriClient, fake: FakeAri) -> None:
    everything = await client.list_endpoints()
    pjsip = await client.list_endpoints("PJSIP")
    seat = await client.get_endpoint("PJSIP", "seat-101")

    assert [e.resource for e in everything] == ["carrier", "seat-101"]
    assert len(pjsip) == 2
    assert seat.state is EndpointState.OFFLINE
    assert [r.path for r in fake.requests] == [
        "/endpoints",
        "/endpoints/PJSIP",
        "/endpoints/PJSIP/seat-101",
    ]


async def test_path_parameters_are_percent_encoded(client: AriClient, fake: FakeAri) -> None:
    with pytest.raises(AriNotFound):
        await client.get_endpoint("PJSIP", "seat 101/b?x")

    (request,) = fake.requests
    assert request.raw_url == "/ari/endpoints/PJSIP/seat%20101%2Fb%3Fx"
    assert request.query == []


async def test_application_read_and_subscribe_use_the_client_app(
    client: AriClient, fake: FakeAri
) -> None:
    fake.add_channel("c1")

    application = await client.get_application("hotline")
    subscribed = await client.subscribe("endpoint:PJSIP/seat-101")

    assert application.channel_ids == ["c1"]
    assert subscribed.name == "hotline"
    assert fake.subscriptions == ["endpoint:PJSIP/seat-101"]
    assert fake.requests[-1].path == "/applications/hotline/subscription"
    assert fake.requests[-1].params == {"eventSource": "endpoint:PJSIP/seat-101"}


async def test_reload_module_puts_module_name(client: AriClient, fake: FakeAri) -> None:
    await client.reload_module("res_pjsip.so")

    assert (fake.requests[-1].method, fake.requests[-1].path) == (
        "PUT",
        "/asterisk/modules/res_pjsip.so",
    )
    assert fake.reloaded_modules == ["res_pjsip.so"]


async def test_request_refuses_parameters_not_declared_for_the_operation(
    client: AriClient, fake: FakeAri
) -> None:
    with pytest.raises(ValueError, match="bogus"):
        await client._request("channels.answer", {"channelId": "c1"}, {"bogus": "1"})
    with pytest.raises(ValueError, match="path parameters"):
        await client._request("channels.answer", {"id": "c1"})
    with pytest.raises(ValueError, match="JSON body"):
        await client._request("channels.answer", {"channelId": "c1"}, json_body={"x": 1})

    assert fake.requests == []
    assert "channels.answer" in OPERATIONS


# --- failures ---


@pytest.mark.parametrize(
    ("status", "error_class", "code"),
    [
        (400, AriUnprocessable, "ari-unprocessable"),
        (401, AriUnauthorized, "ari-unauthorized"),
        (403, AriUnauthorized, "ari-unauthorized"),
        (404, AriNotFound, "ari-not-found"),
        (409, AriConflict, "ari-conflict"),
        (412, AriPreconditionFailed, "ari-precondition-failed"),
        (422, AriUnprocessable, "ari-unprocessable"),
        (500, AriUnavailable, "ari-unavailable"),
        (503, AriUnavailable, "ari-unavailable"),
        (418, AriError, "ari-error"),
    ],
)
async def test_http_status_maps_to_typed_error_with_asterisk_message(
    client: AriClient, fake: FakeAri, status: int, error_class: type[AriError], code: str
) -> None:
    fake.respond("POST", "/channels/c1/answer", status, {"message": "Channel not in Stasis"})

    with pytest.raises(AriError) as caught:
        await client.answer("c1")

    error = caught.value
    assert type(error) is error_class
    assert error.code == code
    assert error.status == status
    assert error.asterisk_message == "Channel not in Stasis"
    assert str(error) == f"POST /channels/c1/answer -> {status}: Channel not in Stasis"


async def test_precondition_failed_is_also_a_conflict(client: AriClient, fake: FakeAri) -> None:
    fake.respond("POST", "/channels/c1/answer", 412, {"message": "Channel in invalid state"})

    with pytest.raises(AriConflict):
        await client.answer("c1")


async def test_error_without_json_body_still_names_method_path_and_status(
    client: AriClient, fake: FakeAri
) -> None:
    fake.respond("DELETE", "/bridges/b1", 500)

    with pytest.raises(AriUnavailable, match=r"^DELETE /bridges/b1 -> 500$"):
        await client.destroy_bridge("b1")


async def test_hangup_of_a_channel_already_gone_is_not_found(
    client: AriClient, fake: FakeAri
) -> None:
    with pytest.raises(AriNotFound, match="Channel not found"):
        await client.hangup("gone")


async def test_programmed_failure_can_be_one_shot(client: AriClient, fake: FakeAri) -> None:
    fake.add_channel("c1")
    fake.respond("POST", "/channels/c1/answer", 503, {"message": "busy"}, times=1)

    with pytest.raises(AriUnavailable):
        await client.answer("c1")
    await client.answer("c1")

    assert len(fake.requests_to("POST", "/channels/c1/answer")) == 2


async def test_wrong_password_is_unauthorized(fake: FakeAri) -> None:
    async with AriClient(fake.base_url, fake.username, "wrong", app="hotline") as ari:
        with pytest.raises(AriUnauthorized) as caught:
            await ari.list_channels()

    assert caught.value.status == 401


async def test_unreachable_asterisk_is_unavailable() -> None:
    port = free_port()
    async with AriClient(f"http://127.0.0.1:{port}", "u", "p", app="hotline") as ari:
        with pytest.raises(AriUnavailable, match="unreachable") as caught:
            await ari.list_channels()

    assert caught.value.__cause__ is not None
    assert caught.value.path == "/channels"


async def test_slow_answer_times_out_as_unavailable(fake: FakeAri) -> None:
    fake.respond("GET", "/channels", 200, [], delay=5.0)
    async with AriClient(
        fake.base_url, fake.username, fake.password, app="hotline", request_timeout=0.2
    ) as ari:
        started = time.monotonic()
        with pytest.raises(AriUnavailable, match="timed out"):
            await ari.list_channels()

    assert time.monotonic() - started < 2.0


async def test_malformed_answer_is_a_bad_response(client: AriClient, fake: FakeAri) -> None:
    fake.respond("GET", "/channels/c1", 200, {"id": "c1"})

    with pytest.raises(AriBadResponse, match="Channel") as caught:
        await client.get_channel("c1")

    assert caught.value.code == "ari-bad-response"


async def test_closed_client_refuses_requests(fake: FakeAri) -> None:
    ari = AriClient(fake.base_url, fake.username, fake.password, app="hotline")
    await ari.list_channels()
    await ari.close()

    with pytest.raises(AriUnavailable, match="closed"):
        await ari.list_channels()


# --- credentials ---


def test_base_url_with_embedded_credentials_is_refused() -> None:
    with pytest.raises(ValueError, match="credentials"):
        AriClient("http://hotline:secret@127.0.0.1:8088", "hotline", "secret", app="hotline")


def test_repr_does_not_show_the_password() -> None:
    ari = AriClient("http://127.0.0.1:8088", "hotline", "s3cr3t-Pw", app="hotline")

    assert "s3cr3t-Pw" not in repr(ari)
    assert "hotline" in repr(ari)


async def test_credentials_travel_only_in_the_authorization_header(
    client: AriClient, fake: FakeAri
) -> None:
    fake.add_channel("c1")
    await client.list_channels()
    await client.answer("c1")
    await client.play("c1", "sound:beep", playback_id="pb")
    with pytest.raises(AriNotFound):
        await client.get_bridge("nope")

    expected = "Basic " + base64.b64encode(f"{fake.username}:{fake.password}".encode()).decode()
    assert len(fake.requests) == 4
    for request in fake.requests:
        assert request.authorization == expected
        assert fake.password not in request.raw_url
        assert "api_key" not in request.raw_url


async def test_request_logs_carry_method_path_status_and_time_but_no_credentials(
    client: AriClient, fake: FakeAri
) -> None:
    fake.add_channel("c1")
    encoded = base64.b64encode(f"{fake.username}:{fake.password}".encode()).decode()

    with capture_logs() as logs:
        await client.answer("c1")
        with pytest.raises(AriNotFound):
            await client.hangup("nope")

    assert [(e["event"], e["method"], e["path"], e["status"]) for e in logs] == [
        ("ari.request", "POST", "/channels/c1/answer", 204),
        ("ari.request", "DELETE", "/channels/nope", 404),
    ]
    assert all(isinstance(entry["ms"], float) for entry in logs)
    assert all(entry["log_level"] == "debug" for entry in logs)
    text = repr(logs)
    assert fake.password not in text
    assert encoded not in text


async def test_failed_connection_log_has_no_credentials() -> None:
    port = free_port()
    with capture_logs() as logs:
        async with AriClient(
            f"http://127.0.0.1:{port}", "hotline", "s3cr3t-Pw", app="hotline"
        ) as ari:
            with pytest.raises(AriUnavailable):
                await ari.answer("c1")

    assert [entry["event"] for entry in logs] == ["ari.request.failed"]
    assert "s3cr3t-Pw" not in repr(logs)

"""AriEventStream against the in-process fake ARI: order, rebuild hook, reconnects, stopping."""

from __future__ import annotations

import asyncio
import base64
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from structlog.testing import capture_logs

from ari.event_stream import AriEventStream
from ari.events import ChannelDtmfReceived, Event, StasisStart
from tests.fakes.ari_server import FakeAri, make_channel

WAIT = 5.0


@pytest.fixture
async def fake() -> AsyncIterator[FakeAri]:
    async with FakeAri.start() as server:
        yield server


class Recorder:
    """Collects what the stream hands over, with the order of hooks and events interleaved."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.timeline: list[str] = []
        self.connected_calls = 0
        self.disconnected_calls = 0
        self._changed = asyncio.Condition()

    async def handler(self, event: Event) -> None:
        self.events.append(event)
        self.timeline.append(event.type)
        await self._notify()

    async def on_connected(self) -> None:
        # A rebuild that takes a while: events must still wait for it.
        await asyncio.sleep(0.05)
        self.connected_calls += 1
        self.timeline.append("connected")
        await self._notify()

    async def on_disconnected(self) -> None:
        self.disconnected_calls += 1
        self.timeline.append("disconnected")
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        async with asyncio.timeout(WAIT), self._changed:
            await self._changed.wait_for(predicate)

    def digits(self) -> str:
        return "".join(e.digit for e in self.events if isinstance(e, ChannelDtmfReceived))


def dtmf(digit: str, channel_id: str = "1741051801.42") -> dict[str, Any]:
    return {
        "type": "ChannelDtmfReceived",
        "digit": digit,
        "duration_ms": 100,
        "channel": make_channel(channel_id),
    }


def stasis_start(channel_id: str) -> dict[str, Any]:
    return {"type": "StasisStart", "args": [], "channel": make_channel(channel_id)}


def make_stream(
    fake: FakeAri,
    recorder: Recorder,
    *,
    apps: list[str] | None = None,
    password: str | None = None,
    base_url: str | None = None,
    **options: Any,
) -> AriEventStream:
    options.setdefault("backoff_initial", 0.01)
    options.setdefault("backoff_max", 0.05)
    return AriEventStream(
        base_url or fake.base_url,
        fake.username,
        password if password is not None else fake.password,
        apps or ["hotline"],
        recorder.handler,
        on_connected=recorder.on_connected,
        on_disconnected=recorder.on_disconnected,
        **options,
    )


async def running(stream: AriEventStream) -> asyncio.Task[None]:
    task = asyncio.create_task(stream.run())
    async with asyncio.timeout(WAIT):
        await stream.wait_connected()
    return task


async def stop(stream: AriEventStream, task: asyncio.Task[None]) -> None:
    stream.stop()
    async with asyncio.timeout(WAIT):
        await task


async def test_events_are_delivered_in_the_order_sent(fake: FakeAri) -> None:
    recorder = Recorder()
    stream = make_stream(fake, recorder)
    task = await running(stream)
    sent = "0123456789*#" * 10

    for digit in sent:
        await fake.emit(dtmf(digit))
    await recorder.wait_for(lambda: len(recorder.events) == len(sent))

    assert recorder.digits() == sent
    await stop(stream, task)


async def test_rebuild_hook_finishes_before_the_first_event_is_handed_over(
    fake: FakeAri,
) -> None:
    fake.on_connect_events = [stasis_start("early-call")]
    recorder = Recorder()
    stream = make_stream(fake, recorder)
    task = await running(stream)

    await recorder.wait_for(lambda: len(recorder.events) == 1)

    assert recorder.timeline == ["connected", "StasisStart"]
    assert isinstance(recorder.events[0], StasisStart)
    assert recorder.events[0].channel.id == "early-call"
    await stop(stream, task)


async def test_connection_sends_apps_comma_joined_and_basic_auth_header(fake: FakeAri) -> None:
    recorder = Recorder()
    stream = make_stream(fake, recorder, apps=["hotline", "hotline-seats"])
    task = await running(stream)

    (request,) = fake.ws_requests
    assert request.path == "/events"
    assert request.params == {"app": "hotline,hotline-seats", "subscribeAll": "false"}
    credentials = f"{fake.username}:{fake.password}".encode()
    assert request.authorization == "Basic " + base64.b64encode(credentials).decode()
    assert fake.password not in request.raw_url
    assert "api_key" not in request.raw_url
    assert fake.password not in repr(stream)
    await stop(stream, task)


@pytest.mark.parametrize("abrupt", [False, True], ids=["clean-close", "tcp-cut"])
async def test_stream_reconnects_after_drop_and_rebuilds_again(fake: FakeAri, abrupt: bool) -> None:
    recorder = Recorder()
    stream = make_stream(fake, recorder)
    task = await running(stream)
    await fake.emit(dtmf("1"))
    await recorder.wait_for(lambda: len(recorder.events) == 1)

    await fake.drop_connections(abrupt=abrupt)
    async with asyncio.timeout(WAIT):
        await fake.wait_for_connections(2)
    await recorder.wait_for(lambda: recorder.connected_calls == 2)
    await fake.emit(dtmf("2"))
    await recorder.wait_for(lambda: len(recorder.events) == 2)

    assert recorder.digits() == "12"
    assert recorder.timeline == [
        "connected",
        "ChannelDtmfReceived",
        "disconnected",
        "connected",
        "ChannelDtmfReceived",
    ]
    assert stream.connected
    assert stream.sessions_started == 2
    await stop(stream, task)


async def test_connected_flag_drops_while_the_socket_is_down(fake: FakeAri) -> None:
    recorder = Recorder()
    stream = make_stream(fake, recorder, backoff_initial=0.3, backoff_max=0.3)
    task = await running(stream)

    await fake.drop_connections()
    await recorder.wait_for(lambda: recorder.disconnected_calls == 1)

    assert not stream.connected
    async with asyncio.timeout(WAIT):
        await stream.wait_connected()
    assert recorder.connected_calls == 2
    await stop(stream, task)


async def test_bad_events_are_skipped_and_the_stream_keeps_going(fake: FakeAri) -> None:
    recorder = Recorder()
    stream = make_stream(fake, recorder)
    task = await running(stream)

    with capture_logs() as logs:
        await fake.emit_raw("{not json")
        await fake.emit({"type": "ChannelDtmfReceived", "duration_ms": 100})
        await fake.emit(dtmf("5"))
        await recorder.wait_for(lambda: len(recorder.events) == 1)

    assert recorder.digits() == "5"
    assert fake.connections_total == 1
    bad = [entry for entry in logs if entry["event"] == "ari.events.bad_event"]
    assert len(bad) == 2
    assert "ChannelDtmfReceived" in bad[1]["error"]
    await stop(stream, task)


async def test_a_failing_handler_does_not_stop_later_events(fake: FakeAri) -> None:
    delivered: list[str] = []
    done = asyncio.Event()

    async def handler(event: Event) -> None:
        assert isinstance(event, ChannelDtmfReceived)
        if event.digit == "1":
            raise RuntimeError("bug in one call's handler")
        delivered.append(event.digit)
        done.set()

    stream = AriEventStream(
        fake.base_url, fake.username, fake.password, ["hotline"], handler, backoff_initial=0.01
    )
    task = await running(stream)

    with capture_logs() as logs:
        await fake.emit(dtmf("1"))
        await fake.emit(dtmf("2"))
        async with asyncio.timeout(WAIT):
            await done.wait()

    assert delivered == ["2"]
    assert [e["event"] for e in logs if e["log_level"] == "error"] == ["ari.events.handler_failed"]
    await stop(stream, task)


async def test_duplicated_and_reordered_events_are_passed_on_as_received(fake: FakeAri) -> None:
    recorder = Recorder()
    stream = make_stream(fake, recorder)
    task = await running(stream)

    await fake.emit(dtmf("7"), times=2)
    await fake.emit_reordered([dtmf("a"), dtmf("b"), dtmf("c")], order=[2, 0, 1])
    await recorder.wait_for(lambda: len(recorder.events) == 5)

    assert recorder.digits() == "77cab"
    await stop(stream, task)


async def test_stop_ends_run_promptly_while_connected(fake: FakeAri) -> None:
    recorder = Recorder()
    stream = make_stream(fake, recorder)
    task = await running(stream)

    started = time.monotonic()
    stream.stop()
    async with asyncio.timeout(WAIT):
        await task

    assert not task.cancelled()
    assert time.monotonic() - started < 1.0
    assert not stream.connected
    async with asyncio.timeout(WAIT):
        await fake.wait_until(lambda: fake.open_sockets == 0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_stop_ends_run_promptly_while_waiting_to_reconnect(fake: FakeAri) -> None:
    recorder = Recorder()
    stream = make_stream(
        fake,
        recorder,
        base_url=f"http://127.0.0.1:{free_port()}",
        backoff_initial=30.0,
        backoff_max=30.0,
    )
    task = asyncio.create_task(stream.run())
    await asyncio.sleep(0.1)

    started = time.monotonic()
    stream.stop()
    async with asyncio.timeout(WAIT):
        await task

    assert time.monotonic() - started < 1.0
    assert recorder.connected_calls == 0


async def test_stop_from_inside_the_handler_ends_run(fake: FakeAri) -> None:
    stream: AriEventStream

    async def handler(event: Event) -> None:
        stream.stop()

    stream = AriEventStream(fake.base_url, fake.username, fake.password, ["hotline"], handler)
    task = await running(stream)

    await fake.emit(dtmf("9"))
    async with asyncio.timeout(WAIT):
        await task

    assert task.result() is None


async def test_outside_cancellation_still_propagates(fake: FakeAri) -> None:
    recorder = Recorder()
    stream = make_stream(fake, recorder)
    task = await running(stream)

    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task


async def test_wrong_password_is_logged_as_configuration_error_and_retried(
    fake: FakeAri,
) -> None:
    recorder = Recorder()
    stream = make_stream(fake, recorder, password="wrong", backoff_max=0.05)

    with capture_logs() as logs:
        task = asyncio.create_task(stream.run())
        async with asyncio.timeout(WAIT):
            await fake.wait_until(lambda: len(fake.ws_requests) >= 2)
        await stop(stream, task)

    assert not stream.connected
    assert recorder.connected_calls == 0
    unauthorized = [e for e in logs if e["event"] == "ari.events.unauthorized"]
    assert unauthorized
    assert all(entry["log_level"] == "error" for entry in unauthorized)
    assert "configuration" in unauthorized[0]["hint"]
    assert "wrong" not in repr(logs)


async def test_rebuild_failure_closes_the_socket_and_retries(fake: FakeAri) -> None:
    attempts = 0
    delivered: list[Event] = []
    first_delivery = asyncio.Event()

    async def flaky_rebuild() -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("GET /channels failed")

    async def handler(event: Event) -> None:
        delivered.append(event)
        first_delivery.set()

    fake.on_connect_events = [stasis_start("c1")]
    stream = AriEventStream(
        fake.base_url,
        fake.username,
        fake.password,
        ["hotline"],
        handler,
        on_connected=flaky_rebuild,
        backoff_initial=0.01,
        backoff_max=0.02,
    )
    task = asyncio.create_task(stream.run())
    async with asyncio.timeout(WAIT):
        await stream.wait_connected()
        await first_delivery.wait()

    assert attempts == 2
    assert fake.connections_total == 2
    # Events from the socket whose rebuild failed are never handed over.
    assert len(delivered) == 1
    await stop(stream, task)


def test_stream_refuses_an_app_name_with_a_comma() -> None:
    async def handler(event: Event) -> None:
        return None

    with pytest.raises(ValueError, match="comma"):
        AriEventStream("http://127.0.0.1:8088", "u", "p", ["a,b"], handler)

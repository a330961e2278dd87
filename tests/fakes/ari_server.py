"""An in-process fake of Asterisk's ARI (REST + events WebSocket) for unit and functional tests.

It records every request, keeps a small in-memory model of channels, bridges, playbacks and
recordings, can be told to answer any (method, path) with a chosen status, and lets a test push,
duplicate and reorder events or drop the WebSocket.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from aiohttp import WSMsgType, web

JsonDict = dict[str, Any]

FAKE_USERNAME = "hotline"
FAKE_PASSWORD = "fake-ari-secret"


def asterisk_time(moment: datetime | None = None) -> str:
    """A timestamp in the format Asterisk writes (``2024-05-01T10:11:12.345+0000``)."""
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def make_channel(
    channel_id: str,
    *,
    name: str | None = None,
    state: str = "Up",
    caller_number: str = "13800138000",
    caller_name: str = "",
    exten: str = "12368",
    context: str = "from-carrier",
    channelvars: JsonDict | None = None,
) -> JsonDict:
    channel: JsonDict = {
        "id": channel_id,
        "name": name or f"PJSIP/carrier-{channel_id[-8:]}",
        "state": state,
        "protocol_id": f"{channel_id}@127.0.0.2",
        "caller": {"name": caller_name, "number": caller_number},
        "connected": {"name": "", "number": ""},
        "accountcode": "",
        "dialplan": {
            "context": context,
            "exten": exten,
            "priority": 2,
            "app_name": "Stasis",
            "app_data": "hotline",
        },
        "creationtime": asterisk_time(),
        "language": "zh",
    }
    if channelvars is not None:
        channel["channelvars"] = channelvars
    return channel


def make_bridge(
    bridge_id: str, *, channels: Sequence[str] = (), bridge_type: str = "mixing", name: str = ""
) -> JsonDict:
    return {
        "id": bridge_id,
        "technology": "simple_bridge",
        "bridge_type": bridge_type,
        "bridge_class": "stasis",
        "creator": "Stasis",
        "name": name,
        "channels": list(channels),
        "creationtime": asterisk_time(),
        "video_mode": "none",
    }


@dataclass
class RecordedRequest:
    method: str
    path: str
    """The decoded path below ``/ari`` (``/channels/abc/answer``)."""
    raw_url: str
    """Exactly what the client put on the request line, percent-encoding and all."""
    query: list[tuple[str, str]]
    json: Any
    authorization: str | None

    @property
    def params(self) -> dict[str, str]:
        return dict(self.query)


@dataclass
class _Override:
    status: int
    body: Any
    times: int | None
    delay: float


@dataclass
class _Socket:
    ws: web.WebSocketResponse
    request: web.Request
    apps: list[str]


Handler = Callable[[web.Request, re.Match[str], RecordedRequest], Awaitable[web.Response]]


@dataclass
class FakeAri:
    username: str = FAKE_USERNAME
    password: str = FAKE_PASSWORD
    base_url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    ws_requests: list[RecordedRequest] = field(default_factory=list)
    channels: dict[str, JsonDict] = field(default_factory=dict)
    bridges: dict[str, JsonDict] = field(default_factory=dict)
    playbacks: dict[str, JsonDict] = field(default_factory=dict)
    recordings: dict[str, JsonDict] = field(default_factory=dict)
    variables: dict[tuple[str, str], str] = field(default_factory=dict)
    endpoints: list[JsonDict] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)
    reloaded_modules: list[str] = field(default_factory=list)
    on_connect_events: list[JsonDict] = field(default_factory=list)
    """Events sent on every new socket straight after the handshake, before anything else."""
    connections_total: int = 0
    _overrides: dict[tuple[str, str], _Override] = field(default_factory=dict)
    _sockets: list[_Socket] = field(default_factory=list)
    _closing: asyncio.Event = field(default_factory=asyncio.Event)
    _connection_changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    @classmethod
    @asynccontextmanager
    async def start(
        cls, *, username: str = FAKE_USERNAME, password: str = FAKE_PASSWORD
    ) -> AsyncIterator[FakeAri]:
        fake = cls(username=username, password=password)
        fake.endpoints = [
            {"technology": "PJSIP", "resource": "carrier", "state": "online", "channel_ids": []},
            {"technology": "PJSIP", "resource": "seat-101", "state": "offline", "channel_ids": []},
        ]
        app = web.Application()
        app.router.add_get("/ari/events", fake._events_socket)
        app.router.add_route("*", "/ari/{tail:.*}", fake._rest)
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        fake.base_url = f"http://{host}:{port}"
        try:
            yield fake
        finally:
            fake._closing.set()
            await fake.drop_connections()
            await runner.cleanup()

    # --- programming the fake ---

    def respond(
        self,
        method: str,
        path: str,
        status: int,
        body: Any = None,
        *,
        times: int | None = None,
        delay: float = 0.0,
    ) -> None:
        """Answer `method path` (decoded, below /ari) with `status` and JSON `body`.

        `times=None` keeps the override until cleared; `delay` holds the answer back (timeouts).
        """
        self._overrides[(method.upper(), path)] = _Override(status, body, times, delay)

    def clear_responses(self) -> None:
        self._overrides.clear()

    def add_channel(self, channel_id: str, **fields: Any) -> JsonDict:
        channel = make_channel(channel_id, **fields)
        self.channels[channel_id] = channel
        return channel

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method.upper() and r.path == path]

    # --- events ---

    @property
    def open_sockets(self) -> int:
        return sum(1 for socket in self._sockets if not socket.ws.closed)

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait until `predicate` holds; rechecked whenever a socket connects, closes or is
        attempted. Bound it with `asyncio.timeout`."""
        async with self._connection_changed:
            await self._connection_changed.wait_for(predicate)

    async def wait_for_connections(self, total: int) -> None:
        """Wait until `total` sockets have ever connected and one is open now."""
        await self.wait_until(lambda: self.connections_total >= total and self.open_sockets > 0)

    def _complete(self, event: JsonDict, apps: Sequence[str]) -> JsonDict:
        completed = {"application": apps[0] if apps else "hotline", "timestamp": asterisk_time()}
        completed["asterisk_id"] = "52:54:00:12:36:80"
        completed.update(event)
        return completed

    async def emit(self, event: JsonDict, *, times: int = 1) -> None:
        """Send `event` to every open socket (`times` > 1 duplicates it, as a retry might)."""
        for socket in list(self._sockets):
            text = json.dumps(self._complete(event, socket.apps))
            for _ in range(times):
                await self._send(socket, text)

    async def emit_raw(self, text: str) -> None:
        for socket in list(self._sockets):
            await self._send(socket, text)

    async def emit_reordered(self, events: Sequence[JsonDict], order: Sequence[int]) -> None:
        """Send `events` in the given order of indexes (e.g. ``[1, 0]`` swaps two events)."""
        if sorted(order) != list(range(len(events))):
            raise ValueError("order must be a permutation of the event indexes")
        for index in order:
            await self.emit(events[index])

    async def drop_connections(self, *, abrupt: bool = False) -> None:
        """Close every events socket: cleanly, or (`abrupt`) by cutting the TCP connection."""
        for socket in list(self._sockets):
            if abrupt and socket.request.transport is not None:
                socket.request.transport.abort()
            else:
                await socket.ws.close(code=1001, message=b"fake asterisk going away")

    async def _send(self, socket: _Socket, text: str) -> None:
        if not socket.ws.closed:
            await socket.ws.send_str(text)

    async def _events_socket(self, request: web.Request) -> web.StreamResponse:
        recorded = self._record(request, None)
        async with self._connection_changed:
            self.ws_requests.append(recorded)
            self._connection_changed.notify_all()
        if not self._authorized(request):
            return _error(401, "Authentication required")
        app_param = request.query.get("app", "")
        apps = [app for app in app_param.split(",") if app]
        if not apps:
            return _error(400, "Missing parameter app")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        socket = _Socket(ws, request, apps)
        for event in self.on_connect_events:
            await ws.send_str(json.dumps(self._complete(event, apps)))
        async with self._connection_changed:
            self._sockets.append(socket)
            self.connections_total += 1
            self._connection_changed.notify_all()
        try:
            async for message in ws:
                if message.type is WSMsgType.ERROR:
                    break
        finally:
            async with self._connection_changed:
                self._sockets.remove(socket)
                self._connection_changed.notify_all()
        return ws

    # --- REST ---

    def _authorized(self, request: web.Request) -> bool:
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    def _record(self, request: web.Request, body: Any) -> RecordedRequest:
        path = unquote(request.raw_path.split("?", 1)[0])
        return RecordedRequest(
            method=request.method,
            path=path.removeprefix("/ari"),
            raw_url=request.raw_path,
            query=list(request.query.items()),
            json=body,
            authorization=request.headers.get("Authorization"),
        )

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    return _error(400, "Body is not JSON")
        recorded = self._record(request, body)
        self.requests.append(recorded)
        if not self._authorized(request):
            return _error(401, "Authentication required")

        override = self._overrides.get((recorded.method, recorded.path))
        if override is not None:
            if override.times is not None:
                override.times -= 1
                if override.times <= 0:
                    del self._overrides[(recorded.method, recorded.path)]
            if override.delay:
                # Cut short when the fake shuts down, so a test's teardown does not wait it out.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(override.delay):
                        await self._closing.wait()
            if override.body is None:
                return web.Response(status=override.status)
            return web.json_response(override.body, status=override.status)

        for method, pattern, handler in self._routes():
            if method != recorded.method:
                continue
            match = pattern.fullmatch(recorded.path)
            if match:
                return await handler(request, match, recorded)
        return _error(404, "Resource not found")

    def _routes(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        seg = r"([^/]+)"
        return [
            ("GET", re.compile("/asterisk/info"), self._asterisk_info),
            ("PUT", re.compile(f"/asterisk/modules/{seg}"), self._reload_module),
            ("GET", re.compile(f"/applications/{seg}"), self._get_application),
            ("POST", re.compile(f"/applications/{seg}/subscription"), self._subscribe),
            ("GET", re.compile("/channels"), self._list_channels),
            ("POST", re.compile("/channels"), self._originate),
            ("GET", re.compile(f"/channels/{seg}"), self._get_channel),
            ("DELETE", re.compile(f"/channels/{seg}"), self._hangup),
            ("POST", re.compile(f"/channels/{seg}/answer"), self._answer),
            ("POST", re.compile(f"/channels/{seg}/ring"), self._channel_no_content),
            ("POST", re.compile(f"/channels/{seg}/moh"), self._channel_no_content),
            ("DELETE", re.compile(f"/channels/{seg}/moh"), self._channel_no_content),
            ("POST", re.compile(f"/channels/{seg}/dtmf"), self._send_dtmf),
            ("POST", re.compile(f"/channels/{seg}/play/{seg}"), self._play),
            ("POST", re.compile(f"/channels/{seg}/variable"), self._set_variable),
            ("GET", re.compile(f"/channels/{seg}/variable"), self._get_variable),
            ("DELETE", re.compile(f"/playbacks/{seg}"), self._stop_playback),
            ("GET", re.compile("/bridges"), self._list_bridges),
            ("POST", re.compile(f"/bridges/{seg}"), self._create_bridge),
            ("GET", re.compile(f"/bridges/{seg}"), self._get_bridge),
            ("DELETE", re.compile(f"/bridges/{seg}"), self._destroy_bridge),
            ("POST", re.compile(f"/bridges/{seg}/addChannel"), self._add_channel),
            ("POST", re.compile(f"/bridges/{seg}/removeChannel"), self._remove_channel),
            ("POST", re.compile(f"/bridges/{seg}/record"), self._record_bridge),
            ("POST", re.compile(f"/bridges/{seg}/play/{seg}"), self._play_to_bridge),
            ("POST", re.compile(f"/bridges/{seg}/moh"), self._bridge_no_content),
            ("DELETE", re.compile(f"/bridges/{seg}/moh"), self._bridge_no_content),
            ("POST", re.compile(f"/channels/{seg}/record"), self._record_channel),
            ("POST", re.compile(f"/channels/{seg}/snoop/{seg}"), self._snoop),
            ("GET", re.compile(f"/recordings/live/{seg}"), self._get_live_recording),
            ("POST", re.compile(f"/recordings/live/{seg}/stop"), self._stop_recording),
            ("GET", re.compile("/endpoints"), self._list_endpoints),
            ("GET", re.compile(f"/endpoints/{seg}"), self._list_endpoints),
            ("GET", re.compile(f"/endpoints/{seg}/{seg}"), self._get_endpoint),
        ]

    async def _asterisk_info(self, *_: Any) -> web.Response:
        return web.json_response(
            {
                "system": {"version": "22.10.1", "entity_id": "52:54:00:12:36:80"},
                "build": {
                    "os": "Linux",
                    "kernel": "6.1.0",
                    "machine": "x86_64",
                    "options": "",
                    "date": "2025-01-01 00:00:00 UTC",
                    "user": "debian",
                },
                "status": {"startup_time": asterisk_time(), "last_reload_time": asterisk_time()},
                "config": {
                    "name": "",
                    "default_language": "en",
                    "setid": {"user": "asterisk", "group": "asterisk"},
                },
            }
        )

    async def _reload_module(
        self, _request: web.Request, match: re.Match[str], _rec: RecordedRequest
    ) -> web.Response:
        self.reloaded_modules.append(match[1])
        return web.Response(status=204)

    def _application(self, name: str) -> JsonDict:
        return {
            "name": name,
            "channel_ids": list(self.channels),
            "bridge_ids": list(self.bridges),
            "endpoint_ids": [],
            "device_names": [],
            "events_allowed": [],
            "events_disallowed": [],
        }

    async def _get_application(
        self, _request: web.Request, match: re.Match[str], _rec: RecordedRequest
    ) -> web.Response:
        return web.json_response(self._application(match[1]))

    async def _subscribe(
        self, _request: web.Request, match: re.Match[str], rec: RecordedRequest
    ) -> web.Response:
        source = rec.params.get("eventSource")
        if not source:
            return _error(400, "Missing parameter eventSource")
        if len(source.split(",")) > 127:  # Asterisk 22's limit, seen with 128 seats
            return _error(400, "Too many values for event_source")
        self.subscriptions.extend(source.split(","))
        return web.json_response(self._application(match[1]))

    async def _list_channels(self, *_: Any) -> web.Response:
        return web.json_response(list(self.channels.values()))

    async def _originate(
        self, _request: web.Request, _match: re.Match[str], rec: RecordedRequest
    ) -> web.Response:
        params = rec.params
        if "endpoint" not in params:
            return _error(400, "Endpoint must be specified")
        channel_id = params.get("channelId") or f"fake-{len(self.channels) + 1}"
        if channel_id in self.channels:
            return _error(409, "Channel with given unique ID already exists")
        channel = self.add_channel(
            channel_id,
            name=f"{params['endpoint']}-00000001",
            state="Down",
            caller_number=params.get("callerId", ""),
        )
        return web.json_response(channel)

    async def _snoop(
        self, _request: web.Request, match: re.Match[str], _rec: RecordedRequest
    ) -> web.Response:
        """A snoop channel on an existing channel (its StasisStart is the test's to emit)."""
        if match[1] not in self.channels:
            return _error(404, "Channel not found")
        if match[2] in self.channels:
            return _error(409, "Channel with given unique ID already exists")
        channel = self.add_channel(match[2], name=f"Snoop/{match[1]}-00000001", state="Up")
        return web.json_response(channel)

    def _channel_or_404(self, channel_id: str) -> JsonDict | web.Response:
        channel = self.channels.get(channel_id)
        return channel if channel is not None else _error(404, "Channel not found")

    async def _get_channel(
        self, _request: web.Request, match: re.Match[str], _rec: RecordedRequest
    ) -> web.Response:
        found = self._channel_or_404(match[1])
        return found if isinstance(found, web.Response) else web.json_response(found)

    async def _hangup(
        self, _request: web.Request, match: re.Match[str], _rec: RecordedRequest
    ) -> web.Response:
        if self.channels.pop(match[1], None) is None:
            return _error(404, "Channel not found")
        for bridge in self.bridges.values():
            if match[1] in bridge["channels"]:
                bridge["channels"].remove(match[1])
        return web.Response(status=204)

    async def _answer(
        self, _request: web.Request, match: re.Match[str], _rec: RecordedRequest
    ) -> web.Response:
        found = self._channel_or_404(match[1])
        if isinstance(found, web.Response):
            return found
        found["state"] = "Up"
        return web.Response(status=204)

    async def _channel_no_content(
        self, _request: web.Request, match: re.Match[str], _rec: RecordedRequest
    ) -> web.Response:
        found = self._channel_or_404(match[1])
        return found if isinstance(found, web.Response) else web.Response(status=204)

    async def _send_dtmf(
        self, _request: web.Request, match: re.Match[str], rec: RecordedRequest
    ) -> web.Response:
        found = self._channel_or_404(match[1])
        if isinstance(found, web.Response):
            return found
        if not rec.params.get("dtmf"):
            return _error(400, "DTMF is required")
        return web.Response(status=204)

    async def _play(
        self, _request: web.Request, match: re.Match[str], rec: RecordedRequest
    ) -> web.Response:
        found = self._channel_or_404(match[1])
        if isinstance(found, web.Response):
            return found
        media = rec.params.get("media")
        if not media:
            return _error(400, "Missing parameter media")
        playback = {
            "id": match[2],
            "media_uri": media.split(",")[0],
            "target_uri": f"channel:{match[1]}",
            "language": rec.params.get("lang", found["language"]),
            "state": "queued",
        }
        if "," in media:
            playback["next_media_uri"] = media.split(",")[1]
        self.playbacks[match[2]] = playback
        return web.json_response(playback, status=201)

    async def _stop_playback(
        self, _request: web.Request, match: re.Match[str], _rec: RecordedRequest
    ) -> web.Response:
        if self.playbacks.pop(match[1], None) is None:
            return _error(404, "Playback not found")
        return web.Response(status=204)

    async def _set_variable(
        self, _request: web.Request, match: re.Match[str], rec: RecordedRequest
    ) -> web.Response:
        found = self._channel_or_404(match[1])
        if isinstance(found, web.Response):
            return found
        name = rec.params.get("variable")
        if not name:
            return _error(400, "Variable name is required")
        self.variables[(match[1], name)] = rec.params.get("value", "")
        return web.Response(status=204)

    async def _get_variable(
        self, _request: web.Request, match: re.Match[str], rec: RecordedRequest
    ) -> web.Response:
        key = (match[1], rec.params.get("variable", ""))
        if match[1] not in self.channels or key not in self.variables:
            return _error(404, "Provided variable was not found")
        return web.json_response({"value": self.variables[key]})

    async def _list_bridges(self, *_: Any) -> web.Response:
        return web.json_response(list(self.bridges.values()))

    async def _create_bridge(
        self, _request: web.Request, match: re.Match[str], rec: RecordedRequest
    ) -> web.Response:
        if match[1] in self.bridges:
            return _error(409, "Bridge with this id already exists")
        bridge = make_bridge(
            match[1],
            bridge_type=rec.params.get("type", "mixing").split(",")[0],
            name=rec.params.get("name", ""),
        )
        self.bridges[match[1]] = bridge
        return web.json_response(bridge)

    async def _get_bridge(
        self, _request: web.Request, match: re.Match[str], _rec: RecordedRequest
    ) -> web.Response:
        bridge = self.bridges.get(match[1])
        return _error(404, "Bridge not found") if bridge is None else web.json_response(bridge)

    async def _bridge_no_content(
        self, _request: web.Request, match: re.Match[str], _rec: RecordedRequest
    ) -> web.Response:
        if match[1] not in self.bridges:
            return _error(404, "Bridge not found")
        return web.Response(status=204)

    async def _play_to_bridge(
        self, _request: web.Request, match: re.Match[str], rec: RecordedRequest
    ) -> web.Response:
        if match[1] not in self.bridges:
            return _error(404, "Bridge not found")
        media = rec.params.get("media")
        if not media:
            return _error(400, "Missing parameter media")
        playback = {
            "id": match[2],
            "media_uri": media.split(",")[0],
            "target_uri": f"bridge:{match[1]}",
            "language": rec.params.get("lang", "zh"),
            "state": "queued",
        }
        self.playbacks[match[2]] = playback
        return web.json_response(playback, status=201)

    async def _destroy_bridge(
        self, _request: web.Request, match: re.Match[str], _rec: RecordedRequest
    ) -> web.Response:
        if self.bridges.pop(match[1], None) is None:
            return _error(404, "Bridge not found")
        return web.Response(status=204)

    async def _add_channel(
        self, _request: web.Request, match: re.Match[str], rec: RecordedRequest
    ) -> web.Response:
        bridge = self.bridges.get(match[1])
        if bridge is None:
            return _error(404, "Bridge not found")
        channel_ids = [c for c in rec.params.get("channel", "").split(",") if c]
        if not channel_ids:
            return _error(400, "Missing parameter channel")
        for channel_id in channel_ids:
            if channel_id not in self.channels:
                return _error(400, "Channel not found")
        for channel_id in channel_ids:
            if channel_id not in bridge["channels"]:
                bridge["channels"].append(channel_id)
        return web.Response(status=204)

    async def _remove_channel(
        self, _request: web.Request, match: re.Match[str], rec: RecordedRequest
    ) -> web.Response:
        bridge = self.bridges.get(match[1])
        if bridge is None:
            return _error(404, "Bridge not found")
        channel_id = rec.params.get("channel", "")
        if channel_id not in bridge["channels"]:
            return _error(422, "Channel not in this bridge")
        bridge["channels"].remove(channel_id)
        return web.Response(status=204)

    async def _record_bridge(
        self, _request: web.Request, match: re.Match[str], rec: RecordedRequest
    ) -> web.Response:
        if match[1] not in self.bridges:
            return _error(404, "Bridge not found")
        return self._start_recording(rec, f"bridge:{match[1]}")

    async def _record_channel(
        self, _request: web.Request, match: re.Match[str], rec: RecordedRequest
    ) -> web.Response:
        if match[1] not in self.channels:
            return _error(404, "Channel not found")
        return self._start_recording(rec, f"channel:{match[1]}")

    def _start_recording(self, rec: RecordedRequest, target_uri: str) -> web.Response:
        name = rec.params.get("name")
        if not name or not rec.params.get("format"):
            return _error(400, "Missing parameter name or format")
        if name in self.recordings and rec.params.get("ifExists", "fail") == "fail":
            return _error(409, "Recording with that name already exists")
        recording = {
            "name": name,
            "format": rec.params["format"],
            "state": "queued",
            "target_uri": target_uri,
        }
        self.recordings[name] = recording
        return web.json_response(recording, status=201)

    async def _get_live_recording(
        self, _request: web.Request, match: re.Match[str], _rec: RecordedRequest
    ) -> web.Response:
        recording = self.recordings.get(match[1])
        if recording is None:
            return _error(404, "Recording not found")
        return web.json_response(recording)

    async def _stop_recording(
        self, _request: web.Request, match: re.Match[str], _rec: RecordedRequest
    ) -> web.Response:
        recording = self.recordings.get(match[1])
        if recording is None:
            return _error(404, "Recording not found")
        recording["state"] = "done"
        return web.Response(status=204)

    async def _list_endpoints(
        self, _request: web.Request, match: re.Match[str], _rec: RecordedRequest
    ) -> web.Response:
        tech = match[1] if match.lastindex else None
        found = [e for e in self.endpoints if tech is None or e["technology"] == tech]
        if tech is not None and not found:
            return _error(404, "Endpoints not found")
        return web.json_response(found)

    async def _get_endpoint(
        self, _request: web.Request, match: re.Match[str], _rec: RecordedRequest
    ) -> web.Response:
        for endpoint in self.endpoints:
            if (endpoint["technology"], endpoint["resource"]) == (match[1], match[2]):
                return web.json_response(endpoint)
        return _error(404, "Endpoint not found")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)

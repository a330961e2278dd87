"""Typed ARI REST client: every call the hotline makes to Asterisk goes through `AriClient`."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote, urlsplit

import aiohttp
import structlog
from pydantic import BaseModel, TypeAdapter, ValidationError
from yarl import URL

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
from ari.models import (
    Application,
    AsteriskInfo,
    Bridge,
    Channel,
    Endpoint,
    LiveRecording,
    Playback,
    Variable,
)

_log = structlog.get_logger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)
QueryValue = str | int | bool | Sequence[str] | None

_PATH_PARAM = re.compile(r"{(\w+)}")


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    query: frozenset[str] = field(default_factory=frozenset)
    body: bool = False

    @property
    def path_params(self) -> frozenset[str]:
        return frozenset(_PATH_PARAM.findall(self.path))


def _op(method: str, path: str, *query: str, body: bool = False) -> Operation:
    return Operation(method, path, frozenset(query), body)


# The contract test checks each entry against the swagger specs Asterisk ships, so anything the
# client (or the event stream) can send must be declared here and nowhere else.
OPERATIONS: dict[str, Operation] = {
    "asterisk.info": _op("GET", "/asterisk/info"),
    "asterisk.reload_module": _op("PUT", "/asterisk/modules/{moduleName}"),
    "applications.get": _op("GET", "/applications/{applicationName}"),
    "applications.subscribe": _op(
        "POST", "/applications/{applicationName}/subscription", "eventSource"
    ),
    "channels.list": _op("GET", "/channels"),
    "channels.get": _op("GET", "/channels/{channelId}"),
    "channels.originate": _op(
        "POST",
        "/channels",
        "endpoint",
        "app",
        "appArgs",
        "callerId",
        "timeout",
        "channelId",
        "originator",
        body=True,
    ),
    "channels.hangup": _op("DELETE", "/channels/{channelId}", "reason"),
    "channels.answer": _op("POST", "/channels/{channelId}/answer"),
    "channels.ring": _op("POST", "/channels/{channelId}/ring"),
    "channels.play_with_id": _op(
        "POST", "/channels/{channelId}/play/{playbackId}", "media", "lang"
    ),
    "channels.start_moh": _op("POST", "/channels/{channelId}/moh", "mohClass"),
    "channels.stop_moh": _op("DELETE", "/channels/{channelId}/moh"),
    "channels.send_dtmf": _op("POST", "/channels/{channelId}/dtmf", "dtmf", "between"),
    "channels.set_variable": _op("POST", "/channels/{channelId}/variable", "variable", "value"),
    "channels.get_variable": _op("GET", "/channels/{channelId}/variable", "variable"),
    "playbacks.stop": _op("DELETE", "/playbacks/{playbackId}"),
    "bridges.list": _op("GET", "/bridges"),
    "bridges.create_with_id": _op("POST", "/bridges/{bridgeId}", "type", "name"),
    "bridges.get": _op("GET", "/bridges/{bridgeId}"),
    "bridges.destroy": _op("DELETE", "/bridges/{bridgeId}"),
    "bridges.add_channel": _op("POST", "/bridges/{bridgeId}/addChannel", "channel"),
    "bridges.remove_channel": _op("POST", "/bridges/{bridgeId}/removeChannel", "channel"),
    "bridges.play_with_id": _op("POST", "/bridges/{bridgeId}/play/{playbackId}", "media", "lang"),
    "bridges.start_moh": _op("POST", "/bridges/{bridgeId}/moh", "mohClass"),
    "bridges.stop_moh": _op("DELETE", "/bridges/{bridgeId}/moh"),
    "bridges.record": _op(
        "POST",
        "/bridges/{bridgeId}/record",
        "name",
        "format",
        "maxDurationSeconds",
        "ifExists",
        "beep",
        "terminateOn",
    ),
    "channels.snoop_with_id": _op(
        "POST", "/channels/{channelId}/snoop/{snoopId}", "spy", "whisper", "app", "appArgs"
    ),
    "channels.record": _op(
        "POST",
        "/channels/{channelId}/record",
        "name",
        "format",
        "maxDurationSeconds",
        "maxSilenceSeconds",
        "ifExists",
        "beep",
        "terminateOn",
    ),
    "recordings.get_live": _op("GET", "/recordings/live/{recordingName}"),
    "recordings.stop": _op("POST", "/recordings/live/{recordingName}/stop"),
    "endpoints.list": _op("GET", "/endpoints"),
    "endpoints.list_by_tech": _op("GET", "/endpoints/{tech}"),
    "endpoints.get": _op("GET", "/endpoints/{tech}/{resource}"),
    "events.websocket": _op("GET", "/events", "app", "subscribeAll"),
}

_CHANNELS = TypeAdapter(list[Channel])
_BRIDGES = TypeAdapter(list[Bridge])
_ENDPOINTS = TypeAdapter(list[Endpoint])

_STATUS_ERRORS: dict[int, type[AriError]] = {
    400: AriUnprocessable,
    401: AriUnauthorized,
    403: AriUnauthorized,
    404: AriNotFound,
    409: AriConflict,
    412: AriPreconditionFailed,
    422: AriUnprocessable,
}


def check_base_url(base_url: str) -> str:
    """Return base_url without a trailing slash; refuse credentials embedded in it."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"ARI base URL must be http(s)://HOST[:PORT], got {parts.scheme!r} URL")
    if parts.username is not None or parts.password is not None:
        raise ValueError("ARI base URL must not contain credentials; pass username and password")
    return base_url.rstrip("/")


def join_list(name: str, values: Sequence[str]) -> str:
    # Asterisk splits list parameters on commas and keeps only the last of repeated parameters,
    # so a list travels as one comma-joined value and an item must not contain a comma.
    if not values:
        raise ValueError(f"{name} must not be empty")
    for value in values:
        if "," in value:
            raise ValueError(f"{name} item {value!r} contains a comma, which ARI cannot carry")
    return ",".join(values)


def _query_text(name: str, value: str | int | bool | Sequence[str]) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return str(value)
    return join_list(name, value)


class AriClient:
    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        app: str,
        request_timeout: float = 5.0,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.username = username
        self.app = app
        self.request_timeout = request_timeout
        self._authorization = aiohttp.encode_basic_auth(username, password)
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def __repr__(self) -> str:
        return (
            f"AriClient(base_url={self.base_url!r}, username={self.username!r}, app={self.app!r})"
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        self._closed = True
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def _get_session(self) -> aiohttp.ClientSession:
        # Created lazily: aiohttp binds a session to the running loop, and the client may be
        # constructed before the loop starts.
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": self._authorization},
                timeout=aiohttp.ClientTimeout(total=self.request_timeout),
            )
        return self._session

    async def _request(
        self,
        operation_key: str,
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, QueryValue] | None = None,
        json_body: Any = None,
    ) -> Any:
        operation = OPERATIONS[operation_key]
        path_params = path_params or {}
        if set(path_params) != operation.path_params:
            raise ValueError(
                f"{operation_key} needs path parameters {sorted(operation.path_params)}, "
                f"got {sorted(path_params)}"
            )
        params: list[tuple[str, str]] = []
        for name, value in (query or {}).items():
            if name not in operation.query:
                raise ValueError(f"{operation_key} does not take query parameter {name!r}")
            if value is not None:
                params.append((name, _query_text(name, value)))
        if json_body is not None and not operation.body:
            raise ValueError(f"{operation_key} does not take a JSON body")

        path = _PATH_PARAM.sub(lambda match: quote(path_params[match[1]], safe=""), operation.path)
        url = URL(f"{self.base_url}/ari{path}", encoded=True)
        method = operation.method
        if self._closed:
            raise AriUnavailable(f"{method} {path}: client is closed", method=method, path=path)

        started = time.monotonic()
        try:
            async with self._get_session().request(
                method, url, params=params, json=json_body
            ) as response:
                status = response.status
                body = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            _log.debug(
                "ari.request.failed",
                method=method,
                path=path,
                error=type(exc).__name__,
                ms=round((time.monotonic() - started) * 1000, 1),
            )
            reason = "timed out" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}"
            raise AriUnavailable(
                f"{method} {path}: Asterisk unreachable ({reason})", method=method, path=path
            ) from exc
        _log.debug(
            "ari.request",
            method=method,
            path=path,
            status=status,
            ms=round((time.monotonic() - started) * 1000, 1),
        )

        if 200 <= status < 300:
            if not body:
                return None
            try:
                return json.loads(body)
            except ValueError as exc:
                raise AriBadResponse(
                    f"{method} {path}: answer {status} is not JSON",
                    method=method,
                    path=path,
                    status=status,
                ) from exc
        raise _status_error(method, path, status, body)

    @staticmethod
    def _parse(model: type[ModelT], data: Any, operation_key: str) -> ModelT:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise AriBadResponse(
                f"{operation_key}: unexpected {model.__name__} from Asterisk: {exc}"
            ) from exc

    @staticmethod
    def _parse_list(
        adapter: TypeAdapter[list[ModelT]], data: Any, operation_key: str
    ) -> list[ModelT]:
        try:
            return adapter.validate_python(data)
        except ValidationError as exc:
            raise AriBadResponse(f"{operation_key}: unexpected list from Asterisk: {exc}") from exc

    # --- Asterisk and applications ---

    async def asterisk_info(self) -> AsteriskInfo:
        data = await self._request("asterisk.info")
        return self._parse(AsteriskInfo, data, "asterisk.info")

    async def reload_module(self, name: str) -> None:
        await self._request("asterisk.reload_module", {"moduleName": name})

    async def get_application(self, app: str) -> Application:
        data = await self._request("applications.get", {"applicationName": app})
        return self._parse(Application, data, "applications.get")

    async def subscribe(self, event_source: str) -> Application:
        data = await self._request(
            "applications.subscribe",
            {"applicationName": self.app},
            {"eventSource": event_source},
        )
        return self._parse(Application, data, "applications.subscribe")

    # --- channels ---

    async def list_channels(self) -> list[Channel]:
        data = await self._request("channels.list")
        return self._parse_list(_CHANNELS, data, "channels.list")

    async def get_channel(self, channel_id: str) -> Channel:
        data = await self._request("channels.get", {"channelId": channel_id})
        return self._parse(Channel, data, "channels.get")

    async def originate(
        self,
        endpoint: str,
        *,
        channel_id: str,
        app_args: list[str] | None = None,
        caller_id: str | None = None,
        timeout_s: int = 30,
        variables: dict[str, str] | None = None,
        originator: str | None = None,
    ) -> Channel:
        data = await self._request(
            "channels.originate",
            query={
                "endpoint": endpoint,
                "app": self.app,
                "appArgs": join_list("app_args", app_args) if app_args else None,
                "callerId": caller_id,
                "timeout": timeout_s,
                "channelId": channel_id,
                "originator": originator,
            },
            json_body={"variables": variables} if variables else None,
        )
        return self._parse(Channel, data, "channels.originate")

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        await self._request("channels.hangup", {"channelId": channel_id}, {"reason": reason})

    async def answer(self, channel_id: str) -> None:
        await self._request("channels.answer", {"channelId": channel_id})

    async def ring(self, channel_id: str) -> None:
        await self._request("channels.ring", {"channelId": channel_id})

    async def play(
        self,
        channel_id: str,
        media: str | list[str],
        *,
        playback_id: str,
        lang: str | None = None,
    ) -> Playback:
        media_list = [media] if isinstance(media, str) else media
        data = await self._request(
            "channels.play_with_id",
            {"channelId": channel_id, "playbackId": playback_id},
            {"media": media_list, "lang": lang},
        )
        return self._parse(Playback, data, "channels.play_with_id")

    async def stop_playback(self, playback_id: str) -> None:
        await self._request("playbacks.stop", {"playbackId": playback_id})

    async def start_moh(self, channel_id: str, moh_class: str | None = None) -> None:
        await self._request(
            "channels.start_moh", {"channelId": channel_id}, {"mohClass": moh_class}
        )

    async def stop_moh(self, channel_id: str) -> None:
        await self._request("channels.stop_moh", {"channelId": channel_id})

    async def send_dtmf(self, channel_id: str, dtmf: str, *, between_ms: int | None = None) -> None:
        await self._request(
            "channels.send_dtmf", {"channelId": channel_id}, {"dtmf": dtmf, "between": between_ms}
        )

    async def set_variable(self, channel_id: str, name: str, value: str) -> None:
        await self._request(
            "channels.set_variable", {"channelId": channel_id}, {"variable": name, "value": value}
        )

    async def get_variable(self, channel_id: str, name: str) -> str:
        data = await self._request(
            "channels.get_variable", {"channelId": channel_id}, {"variable": name}
        )
        return self._parse(Variable, data, "channels.get_variable").value

    async def snoop(
        self,
        channel_id: str,
        snoop_id: str,
        *,
        spy: str = "none",
        whisper: str = "none",
        app_args: list[str] | None = None,
    ) -> Channel:
        """A snoop channel on `channel_id` in our app: it hears (`spy`) and/or speaks into
        (`whisper`) the channel's audio, `in`, `out` or `both` directions."""
        data = await self._request(
            "channels.snoop_with_id",
            {"channelId": channel_id, "snoopId": snoop_id},
            {
                "spy": spy,
                "whisper": whisper,
                "app": self.app,
                "appArgs": join_list("app_args", app_args) if app_args else None,
            },
        )
        return self._parse(Channel, data, "channels.snoop_with_id")

    # --- bridges ---

    async def create_bridge(
        self, bridge_id: str, *, bridge_type: str = "mixing", name: str | None = None
    ) -> Bridge:
        data = await self._request(
            "bridges.create_with_id", {"bridgeId": bridge_id}, {"type": bridge_type, "name": name}
        )
        return self._parse(Bridge, data, "bridges.create_with_id")

    async def get_bridge(self, bridge_id: str) -> Bridge:
        data = await self._request("bridges.get", {"bridgeId": bridge_id})
        return self._parse(Bridge, data, "bridges.get")

    async def list_bridges(self) -> list[Bridge]:
        data = await self._request("bridges.list")
        return self._parse_list(_BRIDGES, data, "bridges.list")

    async def add_channels(self, bridge_id: str, channel_ids: list[str]) -> None:
        await self._request(
            "bridges.add_channel", {"bridgeId": bridge_id}, {"channel": channel_ids}
        )

    async def remove_channel(self, bridge_id: str, channel_id: str) -> None:
        await self._request(
            "bridges.remove_channel", {"bridgeId": bridge_id}, {"channel": channel_id}
        )

    async def play_to_bridge(
        self, bridge_id: str, media: list[str], *, playback_id: str, lang: str | None = None
    ) -> Playback:
        """Everyone in the bridge hears it (the recording too)."""
        data = await self._request(
            "bridges.play_with_id",
            {"bridgeId": bridge_id, "playbackId": playback_id},
            {"media": media, "lang": lang},
        )
        return self._parse(Playback, data, "bridges.play_with_id")

    async def start_bridge_moh(self, bridge_id: str, moh_class: str | None = None) -> None:
        await self._request("bridges.start_moh", {"bridgeId": bridge_id}, {"mohClass": moh_class})

    async def stop_bridge_moh(self, bridge_id: str) -> None:
        await self._request("bridges.stop_moh", {"bridgeId": bridge_id})

    async def destroy_bridge(self, bridge_id: str) -> None:
        await self._request("bridges.destroy", {"bridgeId": bridge_id})

    async def record_bridge(
        self,
        bridge_id: str,
        *,
        name: str,
        format: str = "wav",
        max_duration_s: int = 0,
        if_exists: str = "fail",
        beep: bool = False,
        terminate_on: str = "none",
    ) -> LiveRecording:
        data = await self._request(
            "bridges.record",
            {"bridgeId": bridge_id},
            {
                "name": name,
                "format": format,
                "maxDurationSeconds": max_duration_s,
                "ifExists": if_exists,
                "beep": beep,
                "terminateOn": terminate_on,
            },
        )
        return self._parse(LiveRecording, data, "bridges.record")

    async def record_channel(
        self,
        channel_id: str,
        *,
        name: str,
        format: str = "wav",
        max_duration_s: int = 0,
        max_silence_s: int = 0,
        if_exists: str = "fail",
        beep: bool = False,
        terminate_on: str = "none",
    ) -> LiveRecording:
        data = await self._request(
            "channels.record",
            {"channelId": channel_id},
            {
                "name": name,
                "format": format,
                "maxDurationSeconds": max_duration_s,
                "maxSilenceSeconds": max_silence_s,
                "ifExists": if_exists,
                "beep": beep,
                "terminateOn": terminate_on,
            },
        )
        return self._parse(LiveRecording, data, "channels.record")

    # --- recordings ---

    async def get_live_recording(self, name: str) -> LiveRecording:
        data = await self._request("recordings.get_live", {"recordingName": name})
        return self._parse(LiveRecording, data, "recordings.get_live")

    async def stop_recording(self, name: str) -> None:
        await self._request("recordings.stop", {"recordingName": name})

    # --- endpoints ---

    async def list_endpoints(self, tech: str | None = None) -> list[Endpoint]:
        if tech is None:
            data = await self._request("endpoints.list")
            return self._parse_list(_ENDPOINTS, data, "endpoints.list")
        data = await self._request("endpoints.list_by_tech", {"tech": tech})
        return self._parse_list(_ENDPOINTS, data, "endpoints.list_by_tech")

    async def get_endpoint(self, tech: str, resource: str) -> Endpoint:
        data = await self._request("endpoints.get", {"tech": tech, "resource": resource})
        return self._parse(Endpoint, data, "endpoints.get")


def _status_error(method: str, path: str, status: int, body: bytes) -> AriError:
    asterisk_message = _asterisk_message(body)
    if status in _STATUS_ERRORS:
        error_class = _STATUS_ERRORS[status]
    elif status >= 500:
        error_class = AriUnavailable
    else:
        error_class = AriError
    detail = f": {asterisk_message}" if asterisk_message else ""
    return error_class(
        f"{method} {path} -> {status}{detail}",
        method=method,
        path=path,
        status=status,
        asterisk_message=asterisk_message,
    )


def _asterisk_message(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, dict):
        for key in ("message", "error"):
            value = data.get(key)
            if isinstance(value, str):
                return value
    return None

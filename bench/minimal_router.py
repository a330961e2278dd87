"""The floor the controller is measured against: a minimal asyncio ARI router.

Answer the caller, dial a free seat when the caller presses a key (the call shape the hotline's
menu sees), put both in a mixing bridge, hang up the other side and clean up when either leaves.
No IVR, database or recording. `python -m bench.minimal_router --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp


@dataclass
class Call:
    caller: str
    number: str
    arrived: float
    pressed: float | None = None
    seat: str | None = None
    seat_channel: str | None = None
    bridged: bool = False


@dataclass
class MinimalRouter:
    http: aiohttp.ClientSession
    app: str
    free: deque[str]
    waiting: deque[Call] = field(default_factory=deque)
    calls: dict[str, Call] = field(default_factory=dict)  # caller or seat channel -> call
    dial_ms: list[float] = field(default_factory=list)  # StasisStart -> first seat dialled
    digit_ms: list[float] = field(default_factory=list)  # the key -> first seat dialled
    bridged: int = 0
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def request(self, method: str, path: str, **params: str) -> bool:
        async with self.http.request(method, f"/ari{path}", params=params) as reply:
            await reply.read()
            return reply.status < 300  # 404: the other side left first, a normal race

    def spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def on_event(self, event: dict[str, Any]) -> None:
        channel = event.get("channel", {})
        call = self.calls.get(channel.get("id", ""))
        if event["type"] == "StasisStart" and not event.get("args"):
            call = Call(channel["id"], channel["caller"]["number"], time.monotonic())
            self.calls[call.caller] = call
            self.spawn(self.request("POST", f"/channels/{call.caller}/answer"))
        elif event["type"] == "ChannelDtmfReceived" and call and call.pressed is None:
            call.pressed = time.monotonic()
            self.spawn(self.dial(call))
        elif event["type"] == "StasisStart" and call is not None:
            self.spawn(self.bridge(call))
        elif event["type"] in ("StasisEnd", "ChannelDestroyed") and call is not None:
            self.spawn(self.left(call, channel["id"]))

    async def dial(self, call: Call) -> None:
        if call.caller not in self.calls:
            return
        if not self.free:
            return self.waiting.append(call)
        if call.seat_channel is None and call.pressed is not None:
            now = time.monotonic()
            self.dial_ms.append((now - call.arrived) * 1000)
            self.digit_ms.append((now - call.pressed) * 1000)
        call.seat = self.free.popleft()
        call.seat_channel = f"{call.caller}-{call.seat}"
        self.calls[call.seat_channel] = call
        await self.request(
            "POST", "/channels", endpoint=f"PJSIP/{call.seat}", app=self.app,
            appArgs="seat", channelId=call.seat_channel, timeout="5",
            callerId=f'"12368" <{call.number}>', originator=call.caller,
        )  # fmt: skip

    async def bridge(self, call: Call) -> None:
        call.bridged, bridge = True, f"{call.caller}-bridge"
        await self.request("POST", f"/bridges/{bridge}", type="mixing")
        if await self.request(
            "POST", f"/bridges/{bridge}/addChannel", channel=f"{call.caller},{call.seat_channel}"
        ):
            self.bridged += 1

    async def left(self, call: Call, channel_id: str) -> None:
        if self.calls.pop(channel_id, None) is None:
            return  # StasisEnd and ChannelDestroyed both come; act once
        if channel_id == call.seat_channel and not call.bridged and call.caller in self.calls:
            await self.release(call.seat)
            return await self.dial(call)  # the seat did not answer: try the next one
        other = call.seat_channel if channel_id == call.caller else call.caller
        if other and self.calls.pop(other, None) is not None:
            await self.request("DELETE", f"/channels/{other}")
        if call.bridged:
            await self.request("DELETE", f"/bridges/{call.caller}-bridge")
        await self.release(call.seat)

    async def release(self, seat: str | None) -> None:
        if seat is not None:
            self.free.append(seat)
        while self.free and self.waiting:
            await self.dial(self.waiting.popleft())


async def serve(url: str, user: str, app: str, seats: list[str]) -> MinimalRouter:
    auth = {"Authorization": aiohttp.encode_basic_auth(user, os.environ["BENCH_ARI_PASSWORD"])}
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with aiohttp.ClientSession(url, headers=auth) as http:
        router = MinimalRouter(http, app, deque(seats))
        async with http.ws_connect("/ari/events", params={"app": app}) as ws:
            reader = asyncio.ensure_future(read(ws, router))
            await stop.wait()
            reader.cancel()
    return router


async def read(ws: aiohttp.ClientWebSocketResponse, router: MinimalRouter) -> None:
    print("minimal router: connected", flush=True)
    async for message in ws:
        router.on_event(json.loads(message.data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8288", help="Asterisk's HTTP server")
    parser.add_argument("--user", default="hotline", help="ARI user ($BENCH_ARI_PASSWORD)")
    parser.add_argument("--app", default="benchmin", help="the Stasis app to serve")
    parser.add_argument("--seats-file", required=True, help="seat ids (PJSIP endpoints)")
    parser.add_argument("--stats", required=True, help="JSON written on SIGTERM")
    args = parser.parse_args()
    seats = Path(args.seats_file).read_text(encoding="utf-8").split()
    router = asyncio.run(serve(args.url, args.user, args.app, seats))
    stats = {"dial_ms": router.dial_ms, "digit_ms": router.digit_ms, "bridged": router.bridged}
    Path(args.stats).write_text(json.dumps(stats), encoding="utf-8")


if __name__ == "__main__":
    main()

"""A test SMS gateway: checks each request's signature, records deliveries once per key, and can
be told to fail (503) for a number of requests or a while, to refuse keys, or to answer slowly.

It verifies the signature with its own HMAC code, not the hotline's, so a test against it checks
the wire format rather than agreeing with itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

SINK_SECRET = "sink-shared-secret"
# Requests whose timestamp is further than this from the sink's clock are replays.
MAX_CLOCK_SKEW_S = 300


@dataclass
class SmsSink:
    secret: str = SINK_SECRET
    url: str = ""
    delivered: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> first payload
    new_deliveries: list[str] = field(default_factory=list)  # keys, in arrival order
    duplicates: Counter[str] = field(default_factory=Counter)
    # Monotonic arrival time of every correctly signed request, failed ones included.
    arrivals: dict[str, list[float]] = field(default_factory=dict)
    rejected_signatures: int = 0
    failures_served: int = 0
    in_flight: int = 0  # recorded, the answer not written yet
    delay_s: float = 0.0
    refused: dict[str, int] = field(default_factory=dict)  # key -> status answered every time
    _fail_next: int = 0
    _fail_until: float = 0.0
    _fail_status: int = 503

    @classmethod
    @asynccontextmanager
    async def start(cls, secret: str = SINK_SECRET) -> AsyncIterator[SmsSink]:
        sink = cls(secret=secret)
        app = web.Application()
        app.router.add_post("/sms", sink._receive)
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        sink.url = f"http://{host}:{port}/sms"
        try:
            yield sink
        finally:
            await runner.cleanup()

    def fail_next(self, requests: int, status: int = 503) -> None:
        self._fail_next, self._fail_status = requests, status

    def fail_for(self, seconds: float, status: int = 503) -> None:
        self._fail_until, self._fail_status = time.monotonic() + seconds, status

    @property
    def failing(self) -> bool:
        return self._fail_next > 0 or time.monotonic() < self._fail_until

    def _signature_valid(self, request: web.Request, body: bytes) -> bool:
        timestamp = request.headers.get("X-Hotline-Timestamp", "")
        given = request.headers.get("X-Hotline-Signature", "")
        if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > MAX_CLOCK_SKEW_S:
            return False
        signed = timestamp.encode() + b"." + body
        expected = "sha256=" + hmac.new(self.secret.encode(), signed, hashlib.sha256).hexdigest()
        return hmac.compare_digest(given, expected)

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not self._signature_valid(request, body):
            self.rejected_signatures += 1
            return web.json_response({"error": "bad signature"}, status=401)
        payload = json.loads(body)
        key = payload["idempotency_key"]
        if request.headers.get("Idempotency-Key") != key:
            return web.json_response({"error": "Idempotency-Key differs from body"}, status=400)
        self.arrivals.setdefault(key, []).append(time.monotonic())
        if key in self.refused:
            return web.json_response({"error": "refused"}, status=self.refused[key])
        if self.failing:
            self._fail_next = max(self._fail_next - 1, 0)
            self.failures_served += 1
            return web.json_response({"error": "unavailable"}, status=self._fail_status)
        duplicate = key in self.delivered
        if duplicate:
            self.duplicates[key] += 1
        else:
            self.delivered[key] = payload
            self.new_deliveries.append(key)
        # Accepted before the answer: a sender killed meanwhile never learns it was delivered.
        self.in_flight += 1
        try:
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
        finally:
            self.in_flight -= 1
        return web.json_response({"id": f"sink-{key}", "duplicate": duplicate})

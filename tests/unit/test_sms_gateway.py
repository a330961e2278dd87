"""The HTTP gateway on the wire, against a small in-process receiver: the signed request, and what
each kind of answer (or no answer) becomes."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from config.base import SecretReference
from config.secrets import SecretStore
from sms.config import SmsSection
from sms.errors import InvalidGatewayUrl
from sms.gateway import HttpGateway, LogGateway, gateway_from_config
from sms.model import DeliveryOutcome, DeliveryResult, OutboxMessage

SECRET = "gateway-unit-test-secret"
MOBILE = "13812345678"
MASKED_MOBILE = "138****5678"
MESSAGE = OutboxMessage(
    idempotency_key="work-order-17-dispatch",
    to=MOBILE,
    text="工单 17：请今天回电当事人。",
    kind="dispatch",
    reference="work-order:17",
)
FIXED_TIME = 1_741_944_600.75


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers every request with `status` and `answer`; with `hold`, only once `released`."""

    url: str = ""
    status: int = 200
    answer: bytes = b'{"id": "gw-4711"}'
    hold: bool = False
    in_pieces: bool = False
    released: asyncio.Event = field(default_factory=asyncio.Event)
    received: list[Received] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.received.append(Received(dict(request.headers), await request.read()))
        if self.hold:
            await self.released.wait()
        if not self.in_pieces:
            return web.Response(
                status=self.status, body=self.answer, content_type="application/json"
            )
        # The body in two chunks, the second after a pause: the client sees them arrive apart.
        response = web.StreamResponse(status=self.status)
        response.content_type = "application/json"
        await response.prepare(request)
        middle = len(self.answer) // 2
        await response.write(self.answer[:middle])
        await asyncio.sleep(0.05)
        await response.write(self.answer[middle:])
        await response.write_eof()
        return response


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/sms/send", receiver.handle)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    receiver.url = f"http://{host}:{port}/sms/send"
    try:
        yield receiver
    finally:
        receiver.released.set()  # a held request ends, so the server closes at once
        await runner.cleanup()


@pytest.fixture
async def gateway(receiver: Receiver) -> AsyncIterator[HttpGateway]:
    gateway = HttpGateway(receiver.url, SECRET, timeout_s=0.5, clock=lambda: FIXED_TIME)
    try:
        yield gateway
    finally:
        await gateway.close()


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_the_request_is_signed_over_timestamp_and_exact_body(
    gateway: HttpGateway, receiver: Receiver
) -> None:
    await gateway.send(MESSAGE)

    [request] = receiver.received
    assert request.headers["X-Hotline-Timestamp"] == "1741944600"
    signed = b"1741944600." + request.body
    expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert request.headers["X-Hotline-Signature"] == f"sha256={expected}"
    assert json.loads(request.body) == {
        "idempotency_key": "work-order-17-dispatch",
        "to": MOBILE,
        "text": "工单 17：请今天回电当事人。",
        "kind": "dispatch",
    }
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"


async def test_every_attempt_carries_the_messages_idempotency_key(
    gateway: HttpGateway, receiver: Receiver
) -> None:
    receiver.status = 503
    await gateway.send(MESSAGE)
    receiver.status = 200
    await gateway.send(MESSAGE)

    keys = [request.headers["Idempotency-Key"] for request in receiver.received]
    assert keys == ["work-order-17-dispatch", "work-order-17-dispatch"]


async def test_an_accepted_message_keeps_the_gateways_own_reference(
    gateway: HttpGateway, receiver: Receiver
) -> None:
    assert await gateway.send(MESSAGE) == DeliveryResult(
        DeliveryOutcome.DELIVERED, "HTTP 200", "gw-4711"
    )


async def test_the_reference_is_read_from_an_answer_arriving_in_pieces(
    gateway: HttpGateway, receiver: Receiver
) -> None:
    receiver.in_pieces = True

    result = await gateway.send(MESSAGE)

    assert (result.outcome, result.gateway_reference) == (DeliveryOutcome.DELIVERED, "gw-4711")


@pytest.mark.parametrize(
    ("status", "answer", "reference"),
    [
        (200, b'{"id": 99123}', "99123"),
        (202, b'{"id": "queued-7", "status": "accepted"}', "queued-7"),
        (200, b'{"message_id": "x"}', None),
        (200, b'["gw-1"]', None),
        (200, b"OK", None),
        (204, b"", None),
    ],
)
async def test_an_answer_without_an_id_is_still_delivered_without_a_reference(
    gateway: HttpGateway, receiver: Receiver, status: int, answer: bytes, reference: str | None
) -> None:
    receiver.status, receiver.answer = status, answer

    result = await gateway.send(MESSAGE)

    assert (result.outcome, result.gateway_reference) == (DeliveryOutcome.DELIVERED, reference)


@pytest.mark.parametrize("status", [400, 401, 404, 422])
async def test_a_refusal_is_permanent_and_says_the_status(
    gateway: HttpGateway, receiver: Receiver, status: int
) -> None:
    receiver.status, receiver.answer = status, b'{"error": "no such route"}'

    result = await gateway.send(MESSAGE)

    assert result == DeliveryResult(
        DeliveryOutcome.PERMANENT, f'HTTP {status}: {{"error": "no such route"}}'
    )


@pytest.mark.parametrize("status", [408, 429, 500, 503])
async def test_a_busy_or_broken_gateway_is_temporary(
    gateway: HttpGateway, receiver: Receiver, status: int
) -> None:
    receiver.status = status

    result = await gateway.send(MESSAGE)

    assert result.outcome is DeliveryOutcome.TEMPORARY
    assert result.detail.startswith(f"HTTP {status}")


async def test_phone_numbers_echoed_in_a_refusal_are_masked(
    gateway: HttpGateway, receiver: Receiver
) -> None:
    receiver.status = 400
    receiver.answer = json.dumps({"error": f"{MOBILE} is not a mobile\nnumber"}).encode()

    result = await gateway.send(MESSAGE)

    assert result.outcome is DeliveryOutcome.PERMANENT
    assert MOBILE not in result.detail
    assert MASKED_MOBILE in result.detail
    assert "\n" not in result.detail


async def test_a_long_refusal_is_cut_short(gateway: HttpGateway, receiver: Receiver) -> None:
    receiver.status, receiver.answer = 400, b"x" * 10_000

    result = await gateway.send(MESSAGE)

    assert result.detail.startswith("HTTP 400: xxx")
    assert len(result.detail) == 200


async def test_no_answer_within_the_timeout_is_temporary(
    gateway: HttpGateway, receiver: Receiver
) -> None:
    receiver.hold = True

    async with asyncio.timeout(3):
        result = await gateway.send(MESSAGE)

    assert result == DeliveryResult(DeliveryOutcome.TEMPORARY, "no answer within 0.5s")
    assert len(receiver.received) == 1


async def test_a_refused_connection_is_temporary() -> None:
    gateway = HttpGateway(f"http://127.0.0.1:{unused_port()}/sms", SECRET, timeout_s=2)
    try:
        result = await gateway.send(MESSAGE)
    finally:
        await gateway.close()

    assert result.outcome is DeliveryOutcome.TEMPORARY
    assert result.detail.startswith("ClientConnectorError")
    assert result.gateway_reference is None


async def test_the_gateway_works_again_after_close(
    gateway: HttpGateway, receiver: Receiver
) -> None:
    await gateway.send(MESSAGE)
    await gateway.close()

    result = await gateway.send(MESSAGE)

    assert result.outcome is DeliveryOutcome.DELIVERED
    assert len(receiver.received) == 2


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://sms.example/send", "http"),
        ("https:///send", "http"),
        ("https://user:pw@sms.example/send", "credentials"),
        ("https://sms.example:port/send", "not a valid URL"),
        ("https://sms.example/send#x", "fragment"),
    ],
)
def test_a_gateway_url_that_cannot_be_right_is_refused(url: str, message: str) -> None:
    with pytest.raises(InvalidGatewayUrl, match=message):
        HttpGateway(url, SECRET)


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret must not be empty"):
        HttpGateway("https://sms.example/send", "")


async def test_the_development_gateway_only_logs_and_counts_as_delivered() -> None:
    result = await LogGateway().send(MESSAGE)
    assert result.outcome is DeliveryOutcome.DELIVERED


def test_the_configured_gateway_reads_its_secret_from_the_store(
    tmp_path: Path,
) -> None:
    store = SecretStore(tmp_path)
    (store.directory / "sms").write_text(f"{SECRET}\n", encoding="utf-8")
    section = SmsSection(
        gateway="http",
        url="https://sms.example/send",
        secret=SecretReference("secret:sms"),
        timeout_s=2,
        lease_s=10,
    )

    gateway = gateway_from_config(section, store)

    assert isinstance(gateway, HttpGateway)
    assert (gateway.url, gateway.timeout_s) == ("https://sms.example/send", 2)
    assert SECRET not in repr(gateway)
    assert isinstance(gateway_from_config(SmsSection(), store), LogGateway)

"""Where messages go: a development gateway that only logs, and a signed generic HTTP gateway.

The HTTP request, for whoever writes the receiving side:

    POST <url>
    Content-Type: application/json; charset=utf-8
    Idempotency-Key: <idempotency_key>
    X-Hotline-Timestamp: <unix seconds>
    X-Hotline-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body bytes)>

    {"idempotency_key": "...", "to": "...", "text": "...", "kind": "..."}

A receiver checks the signature over the exact bytes it received, refuses a timestamp far from
its own clock (a replayed request), and acknowledges a key it has seen before with 2xx without
sending again: the outbox delivers at least once, so the same key can arrive more than once.
A 2xx means accepted; 408, 429 and 5xx mean "try again later"; any other 4xx means this message
will never be accepted and is not retried.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Protocol, assert_never

import aiohttp
import structlog

from config.secrets import SecretStore
from hotline.logs import mask_phone, mask_text
from sms.config import SmsSection
from sms.model import DeliveryOutcome, DeliveryResult, OutboxMessage, check_gateway_url
from sms.policy import classify_http_status

log = structlog.get_logger(__name__)

SIGNATURE_HEADER = "X-Hotline-Signature"
TIMESTAMP_HEADER = "X-Hotline-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# A gateway's answer is a short JSON object; more is not read.
_MAX_RESPONSE_BYTES = 64 * 1024
_MAX_DETAIL_CHARACTERS = 200


class SmsGateway(Protocol):
    async def send(self, message: OutboxMessage) -> DeliveryResult:
        """Never raises for a failed delivery: the result says whether to try again."""
        ...

    async def close(self) -> None: ...


def request_body(message: OutboxMessage) -> bytes:
    return json.dumps(
        {
            "idempotency_key": message.idempotency_key,
            "to": message.to,
            "text": message.text,
            "kind": message.kind,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def signed_headers(secret: bytes, timestamp: str, body: bytes, key: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        IDEMPOTENCY_HEADER: key,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


class LogGateway:
    """Development: the message goes to the log (numbers masked) and counts as delivered."""

    async def send(self, message: OutboxMessage) -> DeliveryResult:
        log.info(
            "sms logged, not sent (development gateway)",
            key=message.idempotency_key,
            kind=message.kind,
            reference=message.reference,
            to=mask_phone(message.to),
            text=mask_text(message.text),
        )
        return DeliveryResult(DeliveryOutcome.DELIVERED, "logged by the development gateway")

    async def close(self) -> None:
        return None


class HttpGateway:
    def __init__(
        self,
        url: str,
        secret: str,
        *,
        timeout_s: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret:
            raise ValueError("the SMS gateway secret must not be empty")
        self.url = check_gateway_url(url)
        self.timeout_s = timeout_s
        self._secret = secret.encode("utf-8")
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"HttpGateway(url={self.url!r}, timeout_s={self.timeout_s})"

    def _get_session(self) -> aiohttp.ClientSession:
        # Created lazily: aiohttp binds a session to the running loop.
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout_s)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def send(self, message: OutboxMessage) -> DeliveryResult:
        body = request_body(message)
        timestamp = str(int(self._clock()))
        headers = signed_headers(self._secret, timestamp, body, message.idempotency_key)
        try:
            async with self._get_session().post(self.url, data=body, headers=headers) as response:
                outcome = classify_http_status(response.status)
                answer = await _read_answer(response)
        except TimeoutError:
            return DeliveryResult(DeliveryOutcome.TEMPORARY, f"no answer within {self.timeout_s}s")
        except aiohttp.ClientError as exc:
            return DeliveryResult(DeliveryOutcome.TEMPORARY, _short(f"{type(exc).__name__}: {exc}"))
        if outcome is DeliveryOutcome.DELIVERED:
            return DeliveryResult(outcome, f"HTTP {response.status}", _gateway_reference(answer))
        answered = answer.decode(errors="replace")
        return DeliveryResult(outcome, _short(f"HTTP {response.status}: {answered}"))


async def _read_answer(response: aiohttp.ClientResponse) -> bytes:
    answer = bytearray()
    # The status is what counts; a body cut off after it changes nothing.
    with contextlib.suppress(TimeoutError, aiohttp.ClientError):
        # read(n) returns what has arrived so far, which may be only the body's first chunk.
        while len(answer) < _MAX_RESPONSE_BYTES:
            chunk = await response.content.read(_MAX_RESPONSE_BYTES - len(answer))
            if not chunk:
                break
            answer += chunk
    return bytes(answer)


def _gateway_reference(answer: bytes) -> str | None:
    """The gateway's own id for the message, when it answers with {"id": …}."""
    try:
        decoded = json.loads(answer)
    except ValueError:
        return None
    if isinstance(decoded, dict) and isinstance(decoded.get("id"), str | int):
        return str(decoded["id"])[:_MAX_DETAIL_CHARACTERS]
    return None


def _short(detail: str) -> str:
    # A gateway may echo the request in its error text: mask it like a log line.
    return mask_text(" ".join(detail.split()))[:_MAX_DETAIL_CHARACTERS]


def gateway_from_config(section: SmsSection, secrets: SecretStore) -> SmsGateway:
    match section.gateway:
        case "log":
            return LogGateway()
        case "http":
            assert section.url is not None and section.secret is not None  # the section checks
            return HttpGateway(
                section.url, secrets.resolve(section.secret), timeout_s=section.timeout_s
            )
        case _:
            assert_never(section.gateway)

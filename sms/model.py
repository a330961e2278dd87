"""The SMS the hotline sends, its delivery states and what a gateway answered."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sms.errors import InvalidGatewayUrl, InvalidMessage

PHONE_NUMBER = re.compile(r"^\+?[0-9]{5,20}$")
# Seven 70-character segments: a longer text is a mistake in a template, not a message.
MAX_TEXT_LENGTH = 500
# The key travels in an HTTP header, so no whitespace or control characters.
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")
KIND = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
MAX_REFERENCE_LENGTH = 200


class DeliveryState(enum.StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # leased by one worker until leased_until
    SENT = "sent"  # the gateway accepted it (final)
    FAILED = "failed"  # refused for good, or out of attempts (final)


class DeliveryOutcome(enum.StrEnum):
    DELIVERED = "delivered"
    TEMPORARY = "temporary"  # try again later: 5xx, 408, 429, timeout, connection error
    PERMANENT = "permanent"  # the gateway refused this message: retrying cannot help


@dataclass(frozen=True)
class OutboxMessage:
    idempotency_key: str  # unique; derived by the caller, e.g. "work-order-17-dispatch"
    to: str
    text: str
    kind: str  # dispatch, reminder, escalation, reply…
    reference: str | None = None  # what it is about, e.g. "work-order:17"

    def __post_init__(self) -> None:
        if not IDEMPOTENCY_KEY.match(self.idempotency_key):
            raise InvalidMessage(
                "idempotency_key must be 1-200 characters of letters, digits and . _ : -,"
                f" got {self.idempotency_key!r}"
            )
        if not PHONE_NUMBER.match(self.to):
            # The number itself is personal data: say what is wrong, not what it was.
            raise InvalidMessage(
                f"{self.idempotency_key}: to must be a phone number of 5-20 digits,"
                " optionally starting with +"
            )
        if not self.text.strip():
            raise InvalidMessage(f"{self.idempotency_key}: text must not be empty")
        if len(self.text) > MAX_TEXT_LENGTH:
            raise InvalidMessage(
                f"{self.idempotency_key}: text has {len(self.text)} characters,"
                f" at most {MAX_TEXT_LENGTH} are sent"
            )
        if not KIND.match(self.kind):
            raise InvalidMessage(
                f"{self.idempotency_key}: kind must be a lowercase word like 'dispatch',"
                f" got {self.kind!r}"
            )
        if self.reference is not None and not 0 < len(self.reference) <= MAX_REFERENCE_LENGTH:
            raise InvalidMessage(
                f"{self.idempotency_key}: reference must be 1-{MAX_REFERENCE_LENGTH} characters"
            )


@dataclass(frozen=True)
class ClaimedMessage:
    """A message leased to one worker. `attempts` counts this attempt and is the lease token."""

    id: int
    message: OutboxMessage
    attempts: int
    leased_until: datetime


@dataclass(frozen=True)
class DeliveryResult:
    outcome: DeliveryOutcome
    detail: str  # for last_error and logs; never holds the secret or the text
    gateway_reference: str | None = None


def check_gateway_url(url: str) -> str:
    """The URL unchanged; refuses anything but http(s) with a host, and embedded credentials."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise InvalidGatewayUrl(f"gateway URL is not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidGatewayUrl("gateway URL must be http(s)://HOST[:PORT]/PATH")
    if "@" in parts.netloc:
        raise InvalidGatewayUrl(
            "gateway URL must not contain credentials; the shared secret signs each request"
        )
    if any(character.isspace() for character in url) or parts.fragment:
        raise InvalidGatewayUrl("gateway URL must not contain whitespace or a #fragment")
    return url

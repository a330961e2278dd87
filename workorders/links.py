"""Signed, expiring, purpose-bound links to a work order, short enough for an SMS.

A token is url-safe base64 (no padding) of a 14-byte payload and its MAC, 40 characters:

    version (1 byte) | order id (8, big-endian) | purpose (1) | expiry, Unix seconds (4)

The MAC is HMAC-SHA256 over the payload, truncated to 16 bytes (128 bits, well above what a
guess by SMS link can reach), compared with `hmac.compare_digest`. Nothing in the token is
secret, only unforgeable: the order id is visible to whoever holds the link.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import re
import struct
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from workorders.errors import LinkExpired, LinkInvalid, LinkSecretTooShort

VERSION = 1
MAC_BYTES = 16
MIN_SECRET_BYTES = 16
TOKEN_CHARACTERS = re.compile(r"^[A-Za-z0-9_-]+$")
_PAYLOAD = struct.Struct(">BQBI")
TOKEN_LENGTH = (_PAYLOAD.size + MAC_BYTES) * 4 // 3
MAX_ORDER_ID = 2**63 - 1  # a PostgreSQL bigint
MAX_EXPIRY = 2**32 - 1  # the year 2106


class LinkPurpose(enum.StrEnum):
    REPLY = "reply"  # the handler's reply form, sent with dispatch and reminders
    VIEW = "view"  # a read-only view, sent with escalations to heads and the supervision office


# Stored in tokens: never renumber, only add.
_PURPOSE_CODES: Mapping[LinkPurpose, int] = MappingProxyType(
    {LinkPurpose.REPLY: 1, LinkPurpose.VIEW: 2}
)
_PURPOSES_BY_CODE = {code: purpose for purpose, code in _PURPOSE_CODES.items()}


def sign(order_id: int, purpose: LinkPurpose, expires_at: datetime, secret: str | bytes) -> str:
    """A token for `order_id` and `purpose`, valid before `expires_at` (whole seconds, floored)."""
    key = _key(secret)
    if not 1 <= order_id <= MAX_ORDER_ID:
        raise ValueError(f"order id {order_id} is not a stored work order's id")
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise ValueError(f"expires_at {expires_at.isoformat()} must be timezone-aware")
    expiry = int(expires_at.timestamp() // 1)
    if not 0 < expiry <= MAX_EXPIRY:
        raise ValueError(f"expires_at {expires_at.isoformat()} is out of range for a link")
    payload = _PAYLOAD.pack(VERSION, order_id, _PURPOSE_CODES[purpose], expiry)
    return base64.urlsafe_b64encode(payload + _mac(key, payload)).decode("ascii").rstrip("=")


def verify(token: str, purpose: LinkPurpose, now: datetime, secret: str | bytes) -> int:
    """The order id of a genuine token for `purpose` that has not expired at `now`.

    Raises `LinkInvalid` ("work-order-link-invalid") for anything not signed by `secret` for
    this purpose, and `LinkExpired` ("work-order-link-expired") from the expiry second on. The
    MAC is checked before anything in the payload is believed.
    """
    key = _key(secret)
    if len(token) != TOKEN_LENGTH or not TOKEN_CHARACTERS.match(token):
        raise LinkInvalid("this link is not a work-order link")
    try:
        raw = base64.urlsafe_b64decode(token)
    except (binascii.Error, ValueError) as exc:
        raise LinkInvalid("this link is not a work-order link") from exc
    payload, mac = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
    if not hmac.compare_digest(mac, _mac(key, payload)):
        raise LinkInvalid("this link was altered or is not ours")
    version, order_id, purpose_code, expiry = _PAYLOAD.unpack(payload)
    if version != VERSION:
        raise LinkInvalid(f"this link has version {version}, not {VERSION}")
    if _PURPOSES_BY_CODE.get(purpose_code) is not purpose:
        raise LinkInvalid(f"this link is not a {purpose} link")
    if now.timestamp() >= expiry:
        raise LinkExpired(f"this link to work order {order_id} has expired")
    return int(order_id)


def link_url(public_url: str, token: str) -> str:
    """The address in the SMS: the console's public base, then /w/ and the token."""
    return f"{public_url.rstrip('/')}/w/{token}"


def _key(secret: str | bytes) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if len(key) < MIN_SECRET_BYTES:
        raise LinkSecretTooShort(
            f"the link secret has {len(key)} bytes; {MIN_SECRET_BYTES} or more are needed"
            " (run 'hotline secrets init' to generate one)"
        )
    return key


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:MAC_BYTES]

"""Reply links: signed, expiring, bound to one purpose, short enough for an SMS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import string
import struct
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from workorders.errors import LinkExpired, LinkInvalid, LinkSecretTooShort
from workorders.links import TOKEN_LENGTH, LinkPurpose, link_url, sign, verify

SECRET = "k3J9-links-secret-for-tests"
EXPIRES = datetime(2026, 10, 11, 16, 0, tzinfo=UTC)
BEFORE = EXPIRES - timedelta(hours=1)
ALPHABET = string.ascii_letters + string.digits + "-_"


def token(order_id: int = 7, purpose: LinkPurpose = LinkPurpose.REPLY) -> str:
    return sign(order_id, purpose, EXPIRES, SECRET)


@pytest.mark.parametrize("order_id", [1, 7, 123_456_789, 2**63 - 1])
@pytest.mark.parametrize("purpose", list(LinkPurpose))
def test_a_genuine_link_names_its_order(order_id: int, purpose: LinkPurpose) -> None:
    signed = token(order_id, purpose)
    assert verify(signed, purpose, BEFORE, SECRET) == order_id
    assert len(signed) == TOKEN_LENGTH == 40
    assert set(signed) <= set(ALPHABET)


def test_a_link_fits_an_sms_and_is_stable() -> None:
    url = link_url("https://12368.bjcourt.example/", token())
    assert url == f"https://12368.bjcourt.example/w/{token()}"
    assert len(token()) < 80
    assert token() == token()


@pytest.mark.parametrize(
    ("now", "valid"),
    [
        (EXPIRES - timedelta(seconds=1), True),
        (EXPIRES, False),
        (EXPIRES + timedelta(seconds=1), False),
        (EXPIRES + timedelta(days=400), False),
    ],
)
def test_a_link_expires_at_its_second(now: datetime, valid: bool) -> None:
    if valid:
        assert verify(token(), LinkPurpose.REPLY, now, SECRET) == 7
        return
    with pytest.raises(LinkExpired) as raised:
        verify(token(), LinkPurpose.REPLY, now, SECRET)
    assert raised.value.code == "work-order-link-expired"


def test_expiry_is_compared_as_an_instant_in_any_zone() -> None:
    shanghai = EXPIRES.astimezone(ZoneInfo("Asia/Shanghai"))
    assert shanghai.hour == 0
    assert sign(7, LinkPurpose.REPLY, shanghai, SECRET) == token()


def test_every_single_character_altered_is_refused() -> None:
    signed = token()
    tried = 0
    for position, original in enumerate(signed):
        for replacement in ALPHABET:
            if replacement == original:
                continue
            altered = signed[:position] + replacement + signed[position + 1 :]
            with pytest.raises(LinkInvalid):
                verify(altered, LinkPurpose.REPLY, BEFORE, SECRET)
            tried += 1
    assert tried == 40 * 63


def test_a_tampered_expired_link_is_invalid_not_expired() -> None:
    altered = "A" + token()[1:] if token()[0] != "A" else "B" + token()[1:]
    with pytest.raises(LinkInvalid):
        verify(altered, LinkPurpose.REPLY, EXPIRES + timedelta(days=1), SECRET)


def test_a_link_for_another_purpose_is_refused() -> None:
    with pytest.raises(LinkInvalid, match="not a reply link"):
        verify(token(purpose=LinkPurpose.VIEW), LinkPurpose.REPLY, BEFORE, SECRET)
    with pytest.raises(LinkInvalid, match="not a view link"):
        verify(token(purpose=LinkPurpose.REPLY), LinkPurpose.VIEW, BEFORE, SECRET)


def test_a_link_signed_with_another_secret_is_refused() -> None:
    with pytest.raises(LinkInvalid) as raised:
        verify(token(), LinkPurpose.REPLY, BEFORE, SECRET + "-rotated")
    assert raised.value.code == "work-order-link-invalid"


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        "abc",
        "=" * 40,
        " " * 40,
        "é" * 40,
        "A" * 39,
        "A" * 41,
        "A" * 40,
        "+" * 40,
        "/" * 40,
    ],
)
def test_malformed_links_are_refused(malformed: str) -> None:
    with pytest.raises(LinkInvalid):
        verify(malformed, LinkPurpose.REPLY, BEFORE, SECRET)


def test_a_correctly_signed_payload_of_another_version_is_refused() -> None:
    payload = struct.pack(">BQBI", 2, 7, 1, int(EXPIRES.timestamp()))
    mac = hmac.new(SECRET.encode(), payload, hashlib.sha256).digest()[:16]
    forged = base64.urlsafe_b64encode(payload + mac).decode().rstrip("=")
    with pytest.raises(LinkInvalid, match="version 2"):
        verify(forged, LinkPurpose.REPLY, BEFORE, SECRET)
    # The same construction with version 1 is what sign() makes: the test forges faithfully.
    genuine = struct.pack(">BQBI", 1, 7, 1, int(EXPIRES.timestamp()))
    mac = hmac.new(SECRET.encode(), genuine, hashlib.sha256).digest()[:16]
    assert base64.urlsafe_b64encode(genuine + mac).decode().rstrip("=") == token()


@pytest.mark.parametrize(
    ("order_id", "expires_at", "message"),
    [
        (0, EXPIRES, "not a stored work order"),
        (2**63, EXPIRES, "not a stored work order"),
        (7, datetime(2026, 10, 11, 16), "timezone-aware"),
        (7, datetime(2107, 1, 1, tzinfo=UTC), "out of range"),
    ],
)
def test_signing_refuses_what_cannot_be_a_link(
    order_id: int, expires_at: datetime, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        sign(order_id, LinkPurpose.REPLY, expires_at, SECRET)


def test_a_short_secret_is_refused_both_ways() -> None:
    with pytest.raises(LinkSecretTooShort) as raised:
        sign(7, LinkPurpose.REPLY, EXPIRES, "short")
    assert raised.value.code == "work-order-link-secret-too-short"
    with pytest.raises(LinkSecretTooShort):
        verify(token(), LinkPurpose.REPLY, BEFORE, b"short")
    assert verify(token(), LinkPurpose.REPLY, BEFORE, SECRET.encode()) == 7

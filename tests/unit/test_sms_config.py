"""The `sms:` YAML section: safe defaults, the retry policy it makes, errors naming the field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from sms.config import SmsSection
from sms.policy import RetryPolicy

HTTP = {"gateway": "http", "url": "https://sms.court.example/send", "secret": "secret:sms"}


def error_of(data: dict[str, Any]) -> tuple[tuple[int | str, ...], str]:
    with pytest.raises(ValidationError) as caught:
        SmsSection.model_validate(data)
    [error] = caught.value.errors()
    return error["loc"], error["msg"]


def test_by_default_messages_only_reach_the_log() -> None:
    section = SmsSection()
    assert (section.gateway, section.url, section.secret) == ("log", None, None)
    assert section.lease_s >= 2 * section.timeout_s


def test_an_http_gateway_from_yaml() -> None:
    text = """
gateway: http
url: https://sms.court.example/api/send
secret: env:HOTLINE_SMS_SECRET
timeout_s: 3
max_attempts: 5
backoff_first_s: 2
backoff_max_s: 30
workers: 4
batch: 10
lease_s: 6
"""
    section = SmsSection.model_validate(yaml.safe_load(text))
    assert (section.url, section.secret) == (
        "https://sms.court.example/api/send",
        "env:HOTLINE_SMS_SECRET",
    )
    assert (section.workers, section.batch, section.lease_s) == (4, 10, 6)
    assert section.retry_policy() == RetryPolicy(
        max_attempts=5, first_delay=timedelta(seconds=2), max_delay=timedelta(seconds=30)
    )


@pytest.mark.parametrize(
    ("data", "location", "message"),
    [
        ({"gateway": "http"}, (), "gateway 'http' needs url and secret"),
        ({**HTTP, "url": None}, (), "gateway 'http' needs url ("),
        ({**HTTP, "secret": None}, (), "gateway 'http' needs secret ("),
        ({"url": HTTP["url"]}, (), "url only apply to gateway 'http'"),
        ({"secret": "secret:sms"}, (), "secret only apply to gateway 'http'"),
        ({"url": HTTP["url"], "secret": "secret:sms"}, (), "url and secret only apply"),
        ({**HTTP, "url": "https://court:hunter2@sms.example/send"}, ("url",), "credentials"),
        ({**HTTP, "url": "sms.court.example/send"}, ("url",), "http(s)://HOST"),
        ({**HTTP, "url": "https://sms.example:80a/send"}, ("url",), "not a valid URL"),
        ({**HTTP, "secret": "hunter2"}, ("secret",), "not the secret itself"),
        ({"gateway": "smpp"}, ("gateway",), "'log' or 'http'"),
        (
            {"timeout_s": 5, "lease_s": 9},
            (),
            "lease_s (9) must be at least twice timeout_s (5.0)",
        ),
        (
            {"backoff_first_s": 60, "backoff_max_s": 30},
            (),
            "backoff_max_s (30.0) must not be below backoff_first_s (60.0)",
        ),
        ({"timeout_s": 0}, ("timeout_s",), "greater than 0"),
        ({"max_attempts": 0}, ("max_attempts",), "greater than or equal to 1"),
        ({"workers": 33}, ("workers",), "less than or equal to 32"),
        ({"lease_s": 1.5}, ("lease_s",), "integer"),
        ({"retries": 3}, ("retries",), "Extra inputs"),
    ],
)
def test_a_wrong_section_is_refused_naming_the_field(
    data: dict[str, Any], location: tuple[str, ...], message: str
) -> None:
    where, text = error_of(data)
    assert where == location
    assert message in text


def test_the_refusal_of_a_url_with_credentials_does_not_repeat_the_password() -> None:
    _where, text = error_of({**HTTP, "url": "https://court:hunter2@sms.example/send"})
    assert "hunter2" not in text


def test_a_lease_of_exactly_twice_the_timeout_is_enough() -> None:
    assert SmsSection(timeout_s=2.5, lease_s=5).lease_s == 5

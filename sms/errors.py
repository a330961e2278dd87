"""Errors of the SMS outbox, each with a stable code for logs, the CLI and APIs."""

from __future__ import annotations


class SmsError(Exception):
    code: str = "sms-error"


class InvalidMessage(SmsError, ValueError):
    """A message a caller built wrongly (bad number, empty text, bad key): nothing is stored."""

    code = "sms-invalid-message"


class InvalidGatewayUrl(SmsError, ValueError):
    """A gateway URL that is not http(s)://HOST[:PORT]/PATH, or carries credentials."""

    code = "sms-gateway-url-invalid"

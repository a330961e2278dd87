"""The `sms:` section of the YAML: which gateway, how hard to retry, how many workers."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from config.base import SecretReference, Strict
from sms.errors import InvalidGatewayUrl
from sms.model import check_gateway_url
from sms.policy import RetryPolicy


class SmsSection(Strict):
    # "log" only writes each message to the log: the default, so no SMS leaves a test machine.
    gateway: Literal["log", "http"] = "log"
    url: str | None = None
    secret: SecretReference | None = None
    timeout_s: float = Field(5.0, gt=0, le=60)
    max_attempts: int = Field(8, ge=1, le=100)
    backoff_first_s: float = Field(5.0, gt=0)
    backoff_max_s: float = Field(600.0, gt=0)
    workers: int = Field(2, ge=1, le=32)
    batch: int = Field(20, ge=1, le=500)
    lease_s: int = Field(60, ge=1, le=3600)

    @field_validator("url")
    @classmethod
    def _http_url_without_credentials(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return check_gateway_url(value)
        except InvalidGatewayUrl as exc:
            raise ValueError(str(exc)) from exc

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.gateway == "http":
            missing = [name for name in ("url", "secret") if getattr(self, name) is None]
            if missing:
                raise ValueError(
                    f"gateway 'http' needs {' and '.join(missing)}"
                    " (url: https://HOST/PATH, secret: secret:NAME or env:NAME)"
                )
        else:
            # A URL with gateway 'log' would look configured while every SMS only reaches the log.
            stray = [name for name in ("url", "secret") if getattr(self, name) is not None]
            if stray:
                raise ValueError(
                    f"{' and '.join(stray)} only apply to gateway 'http'; set gateway: http"
                    " or remove them"
                )
        if self.backoff_max_s < self.backoff_first_s:
            raise ValueError(
                f"backoff_max_s ({self.backoff_max_s}) must not be below"
                f" backoff_first_s ({self.backoff_first_s})"
            )
        # A lease running out during a request lets a second worker send the same message.
        if self.lease_s < 2 * self.timeout_s:
            raise ValueError(
                f"lease_s ({self.lease_s}) must be at least twice timeout_s ({self.timeout_s})"
            )
        return self

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            first_delay=timedelta(seconds=self.backoff_first_s),
            max_delay=timedelta(seconds=self.backoff_max_s),
        )

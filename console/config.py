"""The `console:` YAML section: sessions, login throttling and what agents see."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from pydantic import Field, field_validator

from config.base import Strict
from console.policy import Throttle


class ConsoleSection(Strict):
    # Behind the TLS proxy in production; only a sandbox on loopback over plain HTTP sets false.
    secure_cookie: bool = True
    session_hours: int = Field(default=12, ge=1, le=24)  # a shift, then sign in again
    idle_minutes: int = Field(default=120, ge=5, le=24 * 60)
    login_max_failures: int = Field(default=5, ge=3, le=50)
    login_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    login_lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # Agents see callers' numbers as 139****5678 unless a court decides otherwise.
    mask_caller_number: bool = True
    # A call longer than this shows a notice on the agent's console (court practice: ~10 min).
    long_call_minutes: int = Field(default=15, ge=1, le=240)
    # Addresses of the court's own reverse proxies: from them, X-Forwarded-For names the client
    # (login throttling counts per client address). Empty: the peer is the client.
    trusted_proxies: list[str] = Field(default_factory=list, max_length=20)
    # Service level on the wallboard: the share of callers put through within this many seconds.
    service_level_s: int = Field(default=20, ge=5, le=600)

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            ipaddress.ip_address(address)  # ValueError names the bad one
        return value

    @property
    def throttle(self) -> Throttle:
        return Throttle(
            max_failures=self.login_max_failures,
            window=timedelta(minutes=self.login_window_minutes),
            lockout=timedelta(minutes=self.login_lockout_minutes),
        )

    @property
    def session_length(self) -> timedelta:
        return timedelta(hours=self.session_hours)

    @property
    def idle_limit(self) -> timedelta:
        return timedelta(minutes=self.idle_minutes)

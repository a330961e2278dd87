"""The `work_orders:` YAML section: due times, reminder times, escalation, reply links."""

from __future__ import annotations

from datetime import time, timedelta
from itertools import pairwise
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, field_validator, model_validator

from config.base import SecretReference, Strict
from schedule.config import parse_clock_time
from workorders.model import Category
from workorders.policy import (
    DEFAULT_DUE_WORKING_DAYS,
    DEFAULT_ESCALATION_MAX_LEVEL,
    DEFAULT_REMINDER_TIMES,
    WorkOrderPolicy,
)

# Whole working days: a YAML 1.5 is an error, not a silently rounded due time.
WorkingDays = Annotated[int, Field(strict=True, ge=1, le=30)]


def _with_defaults(days: dict[Category, int]) -> dict[Category, int]:
    # The YAML names the categories a court changes; the others keep the courts' usual times.
    return {**DEFAULT_DUE_WORKING_DAYS, **days}


def _parse_times(value: object) -> object:
    if isinstance(value, list):
        return [parse_clock_time(item) for item in value]
    return value


def _in_order_each_once(times: list[time]) -> list[time]:
    ordered = sorted(times)
    for earlier, later in pairwise(ordered):
        if earlier == later:
            raise ValueError(f"{earlier:%H:%M} is listed twice")
    return ordered


class WorkOrdersSection(Strict):
    """Defaults: a judge calls back within 1 working day, other matters 2; reminders at 09:00 and
    15:00 on working days; escalation to the division, then the supervision office; reply links
    valid 72 h.
    """

    due_working_days: Annotated[dict[Category, WorkingDays], AfterValidator(_with_defaults)] = (
        Field(default_factory=lambda: dict(DEFAULT_DUE_WORKING_DAYS))
    )
    # Only the categories an urgent order gets sooner; never later than due_working_days.
    urgent_due_working_days: dict[Category, WorkingDays] = Field(default_factory=dict)
    reminder_times: Annotated[list[time], AfterValidator(_in_order_each_once)] = Field(
        default_factory=lambda: list(DEFAULT_REMINDER_TIMES), max_length=12
    )
    escalation_max_level: int = Field(DEFAULT_ESCALATION_MAX_LEVEL, ge=0, le=5)
    link_ttl_hours: int = Field(72, ge=1, le=31 * 24)
    link_secret: SecretReference = SecretReference("secret:links")
    public_url: str = "http://127.0.0.1:8368"

    @field_validator("reminder_times", mode="before")
    @classmethod
    def _clock_times(cls, value: object) -> object:
        return _parse_times(value)

    @field_validator("public_url")
    @classmethod
    def _http_url_without_credentials(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"{value!r} must be an http(s) address, e.g. https://12368.court.example"
            )
        if parts.username is not None or parts.password is not None:
            raise ValueError("must not contain a user name or password: links are sent by SMS")
        if parts.query or parts.fragment:
            raise ValueError("must have no query (?…) or fragment (#…): tokens are appended")
        try:
            parts.port  # noqa: B018 -- raises for a port out of range
        except ValueError as exc:
            raise ValueError(f"{value!r} has an invalid port") from exc
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _urgent_not_later(self) -> WorkOrdersSection:
        for category, days in self.urgent_due_working_days.items():
            normal = self.due_working_days[category]
            if days > normal:
                raise ValueError(
                    f"urgent_due_working_days.{category} ({days}) is later than"
                    f" due_working_days.{category} ({normal})"
                )
        return self

    @property
    def link_ttl(self) -> timedelta:
        return timedelta(hours=self.link_ttl_hours)

    def policy(self) -> WorkOrderPolicy:
        return WorkOrderPolicy(
            due_working_days=dict(self.due_working_days),
            urgent_due_working_days=dict(self.urgent_due_working_days),
            reminder_times=tuple(self.reminder_times),
            escalation_max_level=self.escalation_max_level,
        )

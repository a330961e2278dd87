"""The `quality:` YAML section: the weekly follow-up sample, its retries, and grading."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, model_validator

from config.base import Strict
from quality.policy import RetryPolicy, SamplePolicy

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class FollowUpSection(Strict):
    # How many closed orders of each division are called back: a count, or a share (0–1].
    per_division: int | None = Field(3, ge=1, le=1000)
    share: float | None = Field(None, gt=0, le=1)
    # The day the controller draws the week's sample (orders closed the week before).
    draw_on: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    # Fixed seed for the draw; unset, each week's seed is its Monday as YYYYMMDD (reproducible).
    seed: int | None = None
    max_attempts: int = Field(3, ge=1, le=10)
    retry_hours: float = Field(4, ge=0.25, le=168)

    @model_validator(mode="after")
    def _count_or_share(self) -> FollowUpSection:
        if self.share is not None and "per_division" in self.model_fields_set:
            raise ValueError("give per_division or share, not both")
        return self

    def sample_policy(self) -> SamplePolicy:
        if self.share is not None:
            return SamplePolicy(per_division=None, share=self.share)
        return SamplePolicy(per_division=self.per_division)

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(self.max_attempts, timedelta(hours=self.retry_hours))


class QualitySection(Strict):
    follow_up: FollowUpSection = Field(default_factory=FollowUpSection)
    # A reply shorter than this (or a bare "收到") is not a substantive answer.
    substantive_min_chars: int = Field(10, ge=1, le=500)

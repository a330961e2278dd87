"""The YAML section for case self-service: how hard it is to guess a case password by phone."""

from __future__ import annotations

from pydantic import Field, model_validator

from config.base import Strict


class CaseQueryPolicy(Strict):
    """Defaults: 3 tries a call; 5 failures in 30 min on one code or from one number lock 60 min."""

    attempts_per_call: int = Field(3, ge=1, le=10)
    lock_after_failures: int = Field(5, ge=1, le=100)
    window_minutes: int = Field(30, ge=1, le=24 * 60)
    lock_minutes: int = Field(60, ge=1, le=7 * 24 * 60)

    @model_validator(mode="after")
    def _lock_not_before_call_budget(self) -> CaseQueryPolicy:
        # Otherwise a single call always ends locked and "offer an agent" is never reached first.
        if self.lock_after_failures < self.attempts_per_call:
            raise ValueError(
                f"lock_after_failures ({self.lock_after_failures}) must be at least"
                f" attempts_per_call ({self.attempts_per_call})"
            )
        return self

"""The `urgent:` YAML section: how the switch rings the judge's chain, and how often it may."""

from __future__ import annotations

from pydantic import Field

from config.base import Strict
from urgent.model import UrgentPolicy
from urgent.policy import RateLimits


class UrgentSection(Strict):
    # Prompt ids (prompts.items): what the caller hears while waiting, and when nobody answered.
    hold_prompt: str
    unreached_prompt: str
    ring_s: int = Field(20, ge=5, le=120)
    choice_s: int = Field(8, ge=3, le=60)
    whisper_plays: int = Field(2, ge=1, le=5)
    # Once the judge is put through, the agent stays on the line (three-way) or drops.
    agent_stays: bool = True
    # Ring the court's duty judge after the division head, where the directory names one.
    duty_judge: bool = True
    per_case_per_hour: int = Field(3, ge=1, le=100)
    per_caller_per_hour: int = Field(5, ge=1, le=100)
    max_concurrent: int = Field(10, ge=1, le=500)

    def policy(self) -> UrgentPolicy:
        return UrgentPolicy(self.ring_s, self.choice_s, self.whisper_plays, self.agent_stays)

    def limits(self) -> RateLimits:
        return RateLimits(self.per_case_per_hour, self.per_caller_per_hour, self.max_concurrent)

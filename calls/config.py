"""The `transfer:` YAML section: whom an agent may hand a caller to besides another queue."""

from __future__ import annotations

from pydantic import Field, field_validator

from config.base import Strict
from directory.model import DIRECTORY_ID


class TransferSection(Strict):
    # The HQ consulting judges (咨询法官), by their directory id: agents consult them on hard
    # questions and may hand the caller over. They are rung at their office phone, else mobile.
    consulting_judges: list[str] = Field(default_factory=list, max_length=50)
    judge_ring_s: int = Field(25, ge=5, le=120)

    @field_validator("consulting_judges")
    @classmethod
    def _directory_ids(cls, value: list[str]) -> list[str]:
        for judge_id in value:
            if not DIRECTORY_ID.fullmatch(judge_id):
                raise ValueError(f"{judge_id!r} is not a directory judge id")
        if len(set(value)) != len(value):
            raise ValueError("a judge is listed twice")
        return value

"""The `recordings.retention` YAML: how long recordings are kept, per category."""

from __future__ import annotations

from pydantic import Field, field_validator

from config.base import Strict
from recordings.policy import MESSAGE, NO_QUEUE, Retention

# Categories: a queue's skill (the call's last queue), `message`, or `no_queue`.
CATEGORIES = frozenset(
    {
        "consultation",
        "case_query",
        "contact_judge",
        "complaint",
        "docketing_supervision",
        "appointment",
        "online_platform",
        MESSAGE,
        NO_QUEUE,
    }
)


class RetentionSection(Strict):
    # Two years by default; courts keep complaints (司法作风投诉) longer.
    default_days: int = Field(730, ge=1, le=36500)
    days: dict[str, int] = Field(default_factory=lambda: {"complaint": 1825})

    @field_validator("days")
    @classmethod
    def _known_categories(cls, value: dict[str, int]) -> dict[str, int]:
        for category, days in value.items():
            if category not in CATEGORIES:
                known = ", ".join(sorted(CATEGORIES))
                raise ValueError(f"{category!r} is not a category (one of {known})")
            if not 1 <= days <= 36500:
                raise ValueError(f"{category}: days must be 1 to 36500")
        return value

    def retention(self) -> Retention:
        return Retention(self.default_days, dict(self.days))

"""The `work_orders:` YAML section: defaults, what admins may change, the errors they see."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from workorders.config import WorkOrdersSection
from workorders.model import Category
from workorders.policy import WorkOrderPolicy


def test_defaults_are_the_courts_usual_rules() -> None:
    section = WorkOrdersSection()
    assert section.due_working_days == {
        Category.CONTACT_JUDGE: 1,
        Category.COMPLAINT: 2,
        Category.DOCKETING_SUPERVISION: 2,
        Category.CONSULTATION_FOLLOW_UP: 2,
        Category.OTHER: 2,
    }
    assert section.reminder_times == [time(9), time(15)]
    assert (section.escalation_max_level, section.link_ttl) == (2, timedelta(hours=72))
    assert (section.link_secret, section.public_url) == ("secret:links", "http://127.0.0.1:8368")
    assert section.policy() == WorkOrderPolicy()


def test_yaml_changes_only_what_it_names() -> None:
    text = """
due_working_days: {complaint: 3}
urgent_due_working_days: {complaint: 1}
reminder_times: ["15:30", "8:30", "12:00"]
escalation_max_level: 3
link_ttl_hours: 48
link_secret: env:HOTLINE_LINK_SECRET
public_url: https://12368.bjcourt.example/hotline/
"""
    section = WorkOrdersSection.model_validate(yaml.safe_load(text))
    assert section.due_working_days[Category.COMPLAINT] == 3
    assert section.due_working_days[Category.CONTACT_JUDGE] == 1
    assert section.reminder_times == [time(8, 30), time(12), time(15, 30)]
    assert section.public_url == "https://12368.bjcourt.example/hotline"
    policy = section.policy()
    assert policy.reminder_times == (time(8, 30), time(12), time(15, 30))
    assert policy.urgent_due_working_days == {Category.COMPLAINT: 1}
    assert policy.escalation_max_level == 3


@pytest.mark.parametrize(
    ("data", "location", "message"),
    [
        ({"due_working_days": {"complaint": 1.5}}, ("due_working_days", "complaint"), "integer"),
        ({"due_working_days": {"complaint": "2"}}, ("due_working_days", "complaint"), "integer"),
        (
            {"due_working_days": {"complaint": 0}},
            ("due_working_days", "complaint"),
            "greater than or equal to 1",
        ),
        (
            {"due_working_days": {"appeal": 1}},
            ("due_working_days", "appeal", "[key]"),
            "'contact_judge', 'complaint'",
        ),
        ({"urgent_due_working_days": {"contact_judge": 2}}, (), "later than"),
        ({"reminder_times": ["09:00", "9:00"]}, ("reminder_times",), "09:00 is listed twice"),
        ({"reminder_times": ["25:00"]}, ("reminder_times",), "not a clock time"),
        ({"reminder_times": [900]}, ("reminder_times",), "quote clock times"),
        ({"escalation_max_level": 6}, ("escalation_max_level",), "less than or equal to 5"),
        ({"link_ttl_hours": 0}, ("link_ttl_hours",), "greater than or equal to 1"),
        ({"link_secret": "hunter2hunter2"}, ("link_secret",), "not the secret itself"),
        ({"public_url": "ftp://x.example"}, ("public_url",), "http(s) address"),
        ({"public_url": "https://"}, ("public_url",), "http(s) address"),
        ({"public_url": "https://admin:pw@x.example"}, ("public_url",), "user name or password"),
        ({"public_url": "https://x.example/?a=1"}, ("public_url",), "no query"),
        ({"public_url": "https://x.example:99999"}, ("public_url",), "invalid port"),
        ({"reply_hours": 3}, ("reply_hours",), "Extra inputs"),
    ],
)
def test_bad_values_name_where_they_are(
    data: dict[str, Any], location: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        WorkOrdersSection.model_validate(data)
    errors = raised.value.errors()
    assert len(errors) == 1
    assert tuple(str(part) for part in errors[0]["loc"]) == location
    assert message in errors[0]["msg"]

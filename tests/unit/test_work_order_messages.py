"""The SMS texts: what each must say, and that none outgrows a long SMS."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import pytest

from workorders.messages import (
    SMS_MAX_CHARACTERS,
    dispatch_sms,
    escalation_sms,
    follow_up_sms,
    local_deadline,
    reminder_sms,
    reply_sms,
    urgent_unreached_sms,
)
from workorders.model import Urgency, WorkOrder

from .work_order_data import CALLER, CASE, SHANGHAI, at, order

HOTLINE = "北京法院12368"
LINK = "https://12368.bjcourt.example/w/AQAAAAAAAAAHAWnUqdBzRnkHAapY2EiU7K3Xc4bT"
# The longest values a court can plausibly produce.
LONG_HOTLINE = "北京市第一中级人民法院诉讼服务热线12368"
LONG_CASE = "(2026)京0105执恢字第123456号之一（执行异议审查案件）"
LONG_LINK = "https://litigation-service-hotline.bj1zy.court.example.gov.cn:8443/w/" + "A" * 40
LONG_TEXT = "当事人反映执行款尚未到账，" * 60


def sample(*, long: bool = False) -> WorkOrder:
    base = replace(order(), reminders_sent=12, reply="法官已回电并说明开庭安排。")
    if not long:
        return base
    return replace(base, case_number=LONG_CASE, content=LONG_TEXT, reply=LONG_TEXT)


Render = Callable[[WorkOrder, str, str], str]
RENDERERS: dict[str, Render] = {
    "dispatch": lambda o, h, link: dispatch_sms(o, hotline_name=h, link=link, zone=SHANGHAI),
    "reminder": lambda o, h, link: reminder_sms(o, hotline_name=h, link=link, zone=SHANGHAI),
    "escalation": lambda o, h, link: escalation_sms(o, hotline_name=h, link=link, zone=SHANGHAI),
    "follow_up": lambda o, h, link: follow_up_sms(
        o, hotline_name=h, caller_number=CALLER, note=LONG_TEXT, link=link, zone=SHANGHAI
    ),
    "reply": lambda o, h, link: reply_sms(o, hotline_name=h),
}


@pytest.mark.parametrize("name", list(RENDERERS))
def test_no_sms_outgrows_the_limit_even_with_the_longest_values(name: str) -> None:
    text = RENDERERS[name](sample(long=True), LONG_HOTLINE, LONG_LINK)
    assert len(text) <= SMS_MAX_CHARACTERS
    assert text.startswith(f"【{LONG_HOTLINE}】")
    # What the recipient acts on survives the shortening.
    if name != "reply":
        assert text.endswith(LONG_LINK)
    assert "…" in text


@pytest.mark.parametrize("name", list(RENDERERS))
def test_a_short_order_is_sent_whole(name: str) -> None:
    text = RENDERERS[name](sample(), HOTLINE, LINK)
    assert "…" not in text or name == "follow_up"
    assert len(text) <= SMS_MAX_CHARACTERS


def test_dispatch_tells_the_judge_what_whom_to_call_back_and_by_when() -> None:
    text = dispatch_sms(sample(), hotline_name=HOTLINE, link=LINK, zone=SHANGHAI)
    assert text == (
        f"【北京法院12368】工单7（联系法官），案号{CASE}，来电人13900001111请求："
        "想了解开庭时间，请法官回电。请于10月8日16:00前回电并回复："
        f"{LINK}"
    )


def test_an_urgent_order_without_a_case_says_so() -> None:
    urgent = replace(sample(), urgency=Urgency.URGENT, case_number=None)
    text = dispatch_sms(urgent, hotline_name=HOTLINE, link=LINK, zone=SHANGHAI)
    assert text.startswith("【北京法院12368】【紧急】工单7（联系法官），来电人")
    assert "案号" not in text


def test_reminder_and_escalation_name_their_kind_and_the_deadline() -> None:
    reminder = reminder_sms(sample(), hotline_name=HOTLINE, link=LINK, zone=SHANGHAI)
    assert "催办（第12次）" in reminder
    assert CALLER in reminder
    escalation = escalation_sms(sample(), hotline_name=HOTLINE, link=LINK, zone=SHANGHAI)
    assert "督办" in escalation
    assert "自10月8日16:00起逾期未回复" in escalation
    assert "承办人：承办法官李法官" in escalation


def test_the_reply_reaches_the_caller_and_a_long_one_says_where_to_hear_it_all() -> None:
    assert reply_sms(sample(), hotline_name=HOTLINE) == (
        f"【北京法院12368】您反映的事项（工单7），案号{CASE}，已答复："
        "法官已回电并说明开庭安排。如有疑问请致电12368。"
    )
    long = reply_sms(sample(long=True), hotline_name=HOTLINE)
    assert long.endswith("…。完整答复请致电12368查询，工单号7。")
    assert len(long) == SMS_MAX_CHARACTERS


def test_urgent_contact_unreached_asks_for_a_call_back() -> None:
    text = urgent_unreached_sms(
        hotline_name=HOTLINE,
        case_number=CASE,
        asked_at=at(10, 9, 14, 5),
        caller_number=CALLER,
        zone=SHANGHAI,
    )
    assert text == (
        f"【北京法院12368】{CASE}案当事人于10月9日14:05通过12368紧急联系法官，电话无人接听。"
        "请尽快回电13900001111。"
    )
    assert len(text) <= SMS_MAX_CHARACTERS


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (at(12, 3, 17), "12月3日17:00"),
        (at(10, 8, 9, 5), "10月8日09:05"),
        (at(10, 9), "10月8日24:00"),  # the end of 10-08, as due times of holiday orders are
        (at(1, 1), "12月31日24:00"),
    ],
)
def test_deadlines_read_in_local_time(moment: datetime, text: str) -> None:
    assert local_deadline(moment, SHANGHAI) == text

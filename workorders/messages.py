"""The SMS texts of work orders, in Simplified Chinese. Pure functions of plain data.

Each text starts with the hotline's signature in 【】 (carriers require one) and stays within
`SMS_MAX_CHARACTERS`: free text (the caller's request, the judge's reply) is shortened to fit,
so a long reply cannot push the link or the call-back number out of the message.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from workorders.model import CATEGORY_LABELS, HANDLER_LABELS, Urgency, WorkOrder

# Five segments of 70 characters at most, what carriers still deliver as one long SMS.
SMS_MAX_CHARACTERS = 300
ELLIPSIS = "…"
HOTLINE = "12368"


def local_deadline(moment: datetime, zone: ZoneInfo) -> str:
    """'12月3日17:00'; the end of a day (00:00 of the next) reads as that day's '24:00'."""
    local = moment.astimezone(zone)
    if local.time() == time(0):
        day = local - timedelta(days=1)
        return f"{day.month}月{day.day}日24:00"
    return f"{local.month}月{local.day}日{local:%H:%M}"


def dispatch_sms(order: WorkOrder, *, hotline_name: str, link: str, zone: ZoneInfo) -> str:
    """To the handler, at dispatch: what, which case, whom to call back, by when, the link."""
    head = f"【{hotline_name}】{_urgent(order)}工单{order.id}（{CATEGORY_LABELS[order.category]}）"
    return _fit(
        f"{head}{_case(order)}来电人{order.caller_number}请求：",
        order.content,
        f"。请于{local_deadline(order.due_at, zone)}前回电并回复：{link}",
    )


def reminder_sms(order: WorkOrder, *, hotline_name: str, link: str, zone: ZoneInfo) -> str:
    """催办, to the handler; `order` as after `Remind`, which counts the reminders."""
    return _fit(
        f"【{hotline_name}】催办（第{order.reminders_sent}次）：工单{order.id}"
        f"（{CATEGORY_LABELS[order.category]}）{_case(order)}尚未回复，"
        f"请回电来电人{order.caller_number}。诉求：",
        order.content,
        f"。办理期限{local_deadline(order.due_at, zone)}，回复：{link}",
    )


def escalation_sms(order: WorkOrder, *, hotline_name: str, link: str, zone: ZoneInfo) -> str:
    """督办, to the division clerk, head or supervision office; says since when it is overdue."""
    handler = f"{HANDLER_LABELS[order.handler.kind]}{order.handler.name}"
    return _fit(
        f"【{hotline_name}】督办：工单{order.id}（{CATEGORY_LABELS[order.category]}）"
        f"{_case(order)}自{local_deadline(order.due_at, zone)}起逾期未回复，"
        f"承办人：{handler}。诉求：",
        order.content,
        f"。请督促办理：{link}",
    )


def follow_up_sms(
    order: WorkOrder, *, hotline_name: str, caller_number: str, note: str, link: str, zone: ZoneInfo
) -> str:
    """To the handler, when the caller calls again about the open order."""
    return _fit(
        f"【{hotline_name}】工单{order.id}{_case(order)}来电人再次来电"
        f"（{caller_number}），请尽快回电。留言：",
        note,
        f"。办理期限{local_deadline(order.due_at, zone)}，回复：{link}",
    )


def reply_sms(order: WorkOrder, *, hotline_name: str) -> str:
    """To the caller: the handler's reply; a shortened reply says where to hear all of it."""
    reply = _clean(order.reply or "")
    prefix = f"【{hotline_name}】您反映的事项（工单{order.id}）{_case(order)}已答复："
    whole = f"{prefix}{reply}。如有疑问请致电{HOTLINE}。"
    if len(whole) <= SMS_MAX_CHARACTERS:
        return whole
    return _fit(prefix, reply, f"。完整答复请致电{HOTLINE}查询，工单号{order.id}。")


def urgent_unreached_sms(
    *, hotline_name: str, case_number: str, asked_at: datetime, caller_number: str, zone: ZoneInfo
) -> str:
    """To the judge and the division head after an urgent contact that nobody answered."""
    local = asked_at.astimezone(zone)
    return (
        f"【{hotline_name}】{case_number}案当事人于{local.month}月{local.day}日{local:%H:%M}"
        f"通过{HOTLINE}紧急联系法官，电话无人接听。请尽快回电{caller_number}。"
    )


def _urgent(order: WorkOrder) -> str:
    return "【紧急】" if order.urgency is Urgency.URGENT else ""


def _case(order: WorkOrder) -> str:
    return f"，案号{order.case_number}，" if order.case_number else "，"


def _clean(free_text: str) -> str:
    # One line, and no closing stop: the template adds its own "。".
    return " ".join(free_text.split()).rstrip("。.！!；;，, ")


def _fit(prefix: str, free_text: str, suffix: str) -> str:
    """prefix + free_text + suffix, the free text shortened (with …) to keep within the limit."""
    text = _clean(free_text)
    room = SMS_MAX_CHARACTERS - len(prefix) - len(suffix)
    if len(text) > room:
        text = text[: max(room - len(ELLIPSIS), 0)] + ELLIPSIS
    return f"{prefix}{text}{suffix}"

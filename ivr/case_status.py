"""What a caller hears after a case query: the outcome in IVR terms and the status read aloud."""

from __future__ import annotations

from datetime import tzinfo
from typing import assert_never

from cases.model import Case, Found, Locked, QueryOutcome, Wrong
from ivr.model import CaseAnswered, CaseAnswerKind


def status_text(case: Case, zone: tzinfo) -> str:
    """Plain sentences; ivr.speech turns the numbers and dates into words when it is spoken."""
    parts = [f"您查询的案件{case.case_number}，目前{case.stage}。"]
    if case.judge_name:
        parts.append(f"承办法官{case.judge_name}。")
    if case.next_hearing is not None:
        hearing = case.next_hearing.astimezone(zone)
        parts.append(
            f"下次开庭时间为{hearing.year}年{hearing.month}月{hearing.day}日"
            f"{hearing.hour}:{hearing.minute:02d}。"
        )
    if case.last_event:
        when = ""
        if case.last_event_at is not None:
            moment = case.last_event_at.astimezone(zone)
            when = f"{moment.year}年{moment.month}月{moment.day}日，"
        parts.append(f"最新进展：{when}{case.last_event}。")
    return "".join(parts)


def answer_for(outcome: QueryOutcome, zone: tzinfo) -> CaseAnswered:
    match outcome:
        case Found(case):
            found = (case.court_id, case.case_number)
            return CaseAnswered(CaseAnswerKind.FOUND, status_text(case, zone), found)
        case Wrong():
            kind = CaseAnswerKind.REFUSED if outcome.offer_agent else CaseAnswerKind.WRONG
            return CaseAnswered(kind)
        case Locked():
            return CaseAnswered(CaseAnswerKind.REFUSED)
        case _:
            assert_never(outcome)

"""Quality work through the API (质检回访): the weekly sample, follow-up calls with retries and
answers, grades and a supervisor's override; a real PostgreSQL and real work orders."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from tests.directory_data import CASE_NUMBER, load_directory
from tests.functional.call_harness import Stack
from tests.functional.test_console import Browser, people  # noqa: F401
from workorders.model import Category, Urgency
from workorders.service import NewWorkOrder

NEXT_MONDAY_FROM = lambda day: day + timedelta(days=7 - day.weekday())  # noqa: E731
REPLY = "已电话联系当事人，说明了保全申请的办理进度。"


async def closed_orders(stack: Stack, tmp_path: Path, replies: list[str]) -> list[int]:
    """Contact-the-judge orders of chaoyang's 民一庭, replied (on time) and closed."""
    await load_directory(stack.database, tmp_path)
    work_orders = stack.hotline.work_orders
    assert work_orders is not None
    ids = []
    for index, reply in enumerate(replies):
        created = await work_orders.create(
            NewWorkOrder(
                court_id="chaoyang",
                case_number=CASE_NUMBER,
                category=Category.CONTACT_JUDGE,
                urgency=Urgency.NORMAL,
                caller_number=f"1391234{index:04d}",
                content="请法官回电。",
                by="high-01",
            )
        )
        order_id = created.order.id
        assert order_id is not None and not created.follow_up
        await work_orders.reply(order_id, reply, by="cy-zhang")  # a reply closes it
        ids.append(order_id)
    return ids


def the_week(stack: Stack) -> date:
    """The Monday after today: its round samples the orders closed this week."""
    today = datetime.now(stack.hotline.holder.current.hours.zone).date()
    return NEXT_MONDAY_FROM(today)


async def test_a_round_samples_each_division_once_and_reproducibly(
    stack: Stack,
    people: dict[str, Browser],  # noqa: F811
    tmp_path: Path,
) -> None:
    ids = await closed_orders(stack, tmp_path, [REPLY] * 5)
    zhao, wang = people["zhao"], people["wang"]
    await zhao.sign_in("zhao")
    await wang.sign_in("wang")
    week = the_week(stack).isoformat()
    status, body = await wang.send("POST", "/api/follow-ups/rounds", {"week": week})
    assert (status, body["error"]) == (403, "forbidden"), "one court's supervisor cannot"
    status, body = await zhao.send("POST", "/api/follow-ups/rounds", {"week": "2026-12-08"})
    assert (status, body["error"]) == (422, "bad-week")
    status, drawn = await zhao.send("POST", "/api/follow-ups/rounds", {"week": week, "seed": 7})
    assert status == 201 and drawn["seed"] == 7
    [sampled] = drawn["sampled"].values()
    assert len(sampled) == 3 and set(sampled) <= set(ids)  # the default: 3 per division
    status, body = await zhao.send("POST", "/api/follow-ups/rounds", {"week": week, "seed": 7})
    assert (status, body["error"]) == (409, "round-exists")

    # The same seed over the same orders: the same sample (checked through the service).
    quality = stack.hotline.quality
    assert quality is not None
    await stack.fetch("DELETE FROM follow_ups")
    await stack.fetch("DELETE FROM follow_up_rounds")
    again = await quality.draw(date.fromisoformat(week), seed=7, by="test")
    assert list(again.sampled.values()) == [sampled]

    status, listed = await wang.send("GET", "/api/follow-ups?state=open")
    assert status == 200 and sorted(f["work_order_id"] for f in listed) == sampled
    assert all(f["caller"].startswith("139****") for f in listed), "numbers masked"


async def test_follow_up_calls_retry_then_finish_and_answers_grade_the_order(
    stack: Stack,
    people: dict[str, Browser],  # noqa: F811
    tmp_path: Path,
) -> None:
    await closed_orders(stack, tmp_path, [REPLY, "已收到"])
    quality = stack.hotline.quality
    assert quality is not None
    await quality.draw(the_week(stack), by="test")
    zhang, zhao = people["zhang"], people["zhao"]  # an HQ agent, an HQ supervisor
    await zhang.sign_in("zhang")
    await zhao.sign_in("zhao")
    status, listed = await zhang.send("GET", "/api/follow-ups")
    good, empty = sorted(listed, key=lambda f: f["work_order_id"])
    assert good["questions"]["judge_called"].startswith("法官")

    path = f"/api/follow-ups/{good['id']}/attempts"
    status, body = await zhang.send("POST", path, {"outcome": "no_answer", "answers": {}})
    assert (status, body["error"]) == (422, "bad-field")
    status, body = await zhang.send("POST", path, {"outcome": "answered"})
    assert (status, body["error"]) == (422, "bad-answers")
    status, first = await zhang.send("POST", path, {"outcome": "no_answer"})
    assert status == 200 and (first["state"], first["attempts"]) == ("open", 1)
    assert first["next_attempt_at"] is not None
    answers = {"judge_called": "yes", "problem_solved": "no", "satisfied": "no"}
    status, done = await zhang.send(
        "POST", path, {"outcome": "answered", "answers": answers, "note": "当事人称仍未开庭。"}
    )
    assert status == 200 and done["state"] == "done" and done["answers"] == answers
    status, body = await zhang.send("POST", path, {"outcome": "no_answer"})
    assert (status, body["error"]) == (409, "follow-up-finished")

    # The answers graded it: on time and substantive, but the problem is not solved.
    status, body = await zhang.send("GET", f"/api/work-orders/{good['work_order_id']}/grade")
    assert (status, body["error"]) == (403, "forbidden"), "agents call; supervisors review"
    status, graded = await zhao.send("GET", f"/api/work-orders/{good['work_order_id']}/grade")
    assert status == 200 and graded["result"] == "fail"
    assert [r["code"] for r in graded["computed"]["reasons"]] == ["not_solved"]
    assert graded["computed"]["reasons"][0]["label"] == "问题未解决"

    # Never reached: three tries, then unreachable; the bare "已收到" fails on its own.
    empty_path = f"/api/follow-ups/{empty['id']}/attempts"
    for _ in range(3):
        status, last = await zhang.send("POST", empty_path, {"outcome": "busy"})
    assert (last["state"], last["attempts"]) == ("unreachable", 3)
    assert await quality.grade_pending() == 1
    status, graded = await zhao.send("GET", f"/api/work-orders/{empty['work_order_id']}/grade")
    assert [r["code"] for r in graded["computed"]["reasons"]] == ["not_substantive"]

    # The supervisor reviews it: a pass, with the reason written down; regrading keeps it.
    grade_path = f"/api/work-orders/{empty['work_order_id']}/grade"
    status, body = await zhao.send("PUT", grade_path, {"result": "pass", "note": "  "})
    assert (status, body["error"]) == (422, "note-required")
    status, reviewed = await zhao.send(
        "PUT", grade_path, {"result": "pass", "note": "法官已当面答复，有记录。"}
    )
    assert status == 200 and reviewed["result"] == "pass"
    assert reviewed["override"] == {
        "result": "pass",
        "note": "法官已当面答复，有记录。",
        "by": "zhao",
    }
    await quality.grade_order(empty["work_order_id"])
    status, kept = await zhao.send("GET", grade_path)
    assert kept["result"] == "pass" and kept["computed"]["result"] == "fail"


async def test_a_branch_court_sees_only_its_own_follow_ups(
    stack: Stack,
    people: dict[str, Browser],  # noqa: F811
    tmp_path: Path,
) -> None:
    await closed_orders(stack, tmp_path, [REPLY])
    quality = stack.hotline.quality
    assert quality is not None
    await quality.draw(the_week(stack), by="test")
    [follow_up] = await quality.follow_ups()
    await stack.fetch("UPDATE work_orders SET court_id = 'haidian'")
    wang = people["wang"]  # chaoyang's supervisor
    await wang.sign_in("wang")
    status, listed = await wang.send("GET", "/api/follow-ups")
    assert (status, listed) == (200, [])
    status, body = await wang.send(
        "POST", f"/api/follow-ups/{follow_up.id}/attempts", {"outcome": "busy"}
    )
    assert (status, body["error"]) == (404, "follow-up-not-found")

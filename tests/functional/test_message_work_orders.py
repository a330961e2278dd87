"""A message left after a verified case query becomes a work order to the case's judge (fake ARI,
real PostgreSQL); a second message from the same caller follows up on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from config.schema import HotlineConfig
from ivr.model import MenuNode, MessageNode
from tests.directory_data import (
    CASE_NUMBER,
    JUDGE_MOBILE,
    PARTY_PHONE,
    PASSWORD,
    QUERY_CODE,
    load_directory,
)
from tests.fakes.ari_server import FakeAri
from tests.functional.call_harness import (
    API_TOKEN,
    CALLER,
    Stack,
    eventually_rows,
    make_hotline,
    plays,
    prompt_ends,
    write_wav,
)
from tests.support import eventually
from workorders.model import Category


def with_judge_message(config: HotlineConfig) -> HotlineConfig:
    """After a case query, 6 leaves a message for the case's judge."""
    nodes = dict(config.ivr.nodes)
    after_case = nodes["after_case"]
    assert isinstance(after_case, MenuNode)
    nodes["after_case"] = after_case.model_copy(
        update={"choices": {**after_case.choices, "6": "judge_message"}}
    )
    nodes["judge_message"] = MessageNode(
        type="message",
        prompt="leave_message",
        thanks="message_thanks",
        max_seconds=60,
        work_order=Category.CONTACT_JUDGE,
    )
    return config.model_copy(update={"ivr": config.ivr.model_copy(update={"nodes": nodes})})


async def played(stack: Stack, media: str, after: int = 0) -> str:
    """The playback id of the first `media` played after the first `after` playbacks."""
    found = await eventually(lambda: [p for p in plays(stack)[after:] if p[1] == media])
    return found[0][0]


async def leave_message_for_the_judge(stack: Stack, channel: str = CALLER) -> str:
    before = len(plays(stack))
    call_id = await stack.caller_arrives(channel)
    await stack.press("2", channel)
    await played(stack, "sound:/prompts/enter_code", before)
    for digit in f"{QUERY_CODE}#{PASSWORD}#":
        await stack.press(digit, channel)
    status = await eventually(lambda: [p for p in plays(stack)[before:] if "speech" in p[1]])
    await prompt_ends(stack, status[0][0], channel)
    await played(stack, "sound:/prompts/after_case", before)
    before = len(plays(stack))
    await stack.press("6", channel)
    await prompt_ends(stack, await played(stack, "sound:/prompts/leave_message", before), channel)
    record = await eventually(lambda: stack.requests("POST", f"/channels/{channel}/record"))
    name = record[-1].params["name"]
    write_wav(stack.spool / f"{name}.wav", 3.0)
    await stack.fake.emit(
        {
            "type": "RecordingFinished",
            "recording": {
                "name": name,
                "format": "wav",
                "state": "done",
                "target_uri": f"channel:{channel}",
            },
        }
    )
    await prompt_ends(stack, await played(stack, "sound:/prompts/message_thanks", before), channel)
    row = await stack.ended_row(call_id)
    assert row["end_reason"] == "message_left"
    return call_id


async def test_a_message_after_a_verified_case_is_dispatched_to_the_judge_and_a_repeat_follows_up(
    fake: FakeAri, database: dict[str, Any], test_config: HotlineConfig, tmp_path: Path
) -> None:
    await load_directory(database, tmp_path)
    async with make_hotline(fake, database, with_judge_message(test_config), tmp_path) as hotline:
        await hotline.wait_ready(5)
        stack = Stack(fake, hotline, database, tmp_path / "spool")
        first_call = await leave_message_for_the_judge(stack)

        [order] = await eventually_rows(stack, "SELECT * FROM work_orders")
        assert (order["category"], order["urgency"], order["status"]) == (
            "contact_judge",
            "normal",
            "dispatched",
        )
        assert (order["case_number"], order["caller_number"], order["call_id"]) == (
            CASE_NUMBER,
            PARTY_PHONE,
            first_call,
        )
        assert (order["handler_kind"], order["handler_mobile"], order["created_by"]) == (
            "judge",
            JUDGE_MOBILE,
            "ivr",
        )
        assert "留言" in order["content"]
        [sms] = await stack.fetch("SELECT to_number, kind FROM sms_outbox")
        assert tuple(sms) == (JUDGE_MOBILE, "dispatch")
        # The judge calls back: no agent callback for this message.
        assert await stack.fetch("SELECT * FROM callback_tasks") == []

        # The same litigant leaves another message: the open order gets a follow-up.
        await leave_message_for_the_judge(stack, "caller-2")
        await eventually_rows(stack, "SELECT 1 FROM work_orders WHERE follow_ups = 1")
        orders = await stack.fetch("SELECT id, follow_ups FROM work_orders")
        assert [tuple(row) for row in orders] == [(order["id"], 1)]
        kinds = await stack.fetch("SELECT kind FROM sms_outbox ORDER BY id")
        assert [row["kind"] for row in kinds] == ["dispatch", "follow_up"]


async def test_a_message_without_a_verified_case_stays_with_the_agents(
    fake: FakeAri, database: dict[str, Any], test_config: HotlineConfig, tmp_path: Path
) -> None:
    config = with_judge_message(test_config)
    # The judge's message node straight from the main menu, no case query before it.
    main = config.ivr.nodes["main"]
    assert isinstance(main, MenuNode)
    nodes = {
        **config.ivr.nodes,
        "main": main.model_copy(update={"choices": {"6": "judge_message"}}),
    }
    config = config.model_copy(update={"ivr": config.ivr.model_copy(update={"nodes": nodes})})
    async with make_hotline(fake, database, config, tmp_path) as hotline:
        await hotline.wait_ready(5)
        stack = Stack(fake, hotline, database, tmp_path / "spool")
        call_id = await stack.caller_arrives()
        await stack.press("6")
        await prompt_ends(stack, await played(stack, "sound:/prompts/leave_message"))
        await eventually(lambda: stack.requests("POST", f"/channels/{CALLER}/record"))
        await stack.hang_up(CALLER)
        row = await stack.ended_row(call_id)
        assert row["end_reason"] == "message_left"
        [task] = await eventually_rows(stack, "SELECT * FROM callback_tasks")
        assert (task["call_id"], task["reason"]) == (call_id, "message")
        assert await stack.fetch("SELECT * FROM work_orders") == []


async def test_the_status_shows_orders_awaiting_a_reply_and_the_overdue_ones(
    stack: Stack, tmp_path: Path
) -> None:
    await load_directory(stack.database, tmp_path)
    order = {
        "court_id": "chaoyang",
        "case_number": CASE_NUMBER,
        "category": "contact_judge",
        "caller_number": PARTY_PHONE,
        "content": "请法官回电。",
        "by": "high-01",
    }
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    async with aiohttp.ClientSession(base_url=stack.hotline.status_url) as session:
        async with session.post("/api/work-orders", json=order, headers=auth) as response:
            assert response.status == 201, await response.text()
        async with session.get("/api/status", headers=auth) as response:
            figures = (await response.json())["work_orders"]
        assert (figures["dispatched"], figures["overdue"], figures["escalated"]) == (1, 0, 0)
        assert figures["sms_failed"] == 0

        await stack.fetch("UPDATE work_orders SET due_at = now() - interval '1 hour'")
        async with session.get("/api/status", headers=auth) as response:
            figures = (await response.json())["work_orders"]
        assert (figures["dispatched"], figures["overdue"]) == (1, 1)

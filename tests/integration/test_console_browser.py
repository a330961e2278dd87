"""The people's side on the real switch: an agent, a supervisor and a judge in Debian's Chromium.

Real Asterisk, PostgreSQL and SIPp phones: a citizen calls 12368 and reaches the agent's
softphone; the agent's console pops the caller's open work order, starts an urgent contact
whose steps update live while the judge's phone rings and answers, and files a work order; the
supervisor's wallboard shows the seat talking and pauses it; the judge replies from the SMS link
on a phone-sized screen.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from playwright.async_api import expect

from ari.errors import AriNotFound
from console.model import Role
from tests.browser import DESKTOP, PHONE, new_page, save_screenshot
from tests.directory_data import CASE_NUMBER, JUDGE_MOBILE, load_directory
from tests.integration.conftest import (
    CITIZEN,
    Running,
    seat_registered,
    start_caller,
    start_seat,
    unregister_seat,
)
from tests.integration.test_urgent_contact import contact_phones, stop
from tests.support import eventually, fetch
from workorders.model import Category, Urgency
from workorders.service import NewWorkOrder

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

CALLER = CITIZEN
PASSWORD = "console-test-2026"
EARLIER_REQUEST = "上周来电询问缴费退费，请法官回复。"


async def sign_in(page: Page, base: str, username: str) -> None:
    await page.goto(f"{base}/login")
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")


async def test_agent_supervisor_and_judge_work_a_real_call_in_the_browser(
    running: Running, browser: Browser, tmp_path: Path
) -> None:
    hotline = running.hotline
    base = hotline.status_url
    assert hotline.console is not None and hotline.work_orders is not None
    await load_directory(running.database, tmp_path)
    await hotline.console.add_user(
        "zhang", "张晓燕", Role.AGENT, PASSWORD, platform="high", seats=["high-01"]
    )
    # The supervisor's own softphone is seat haidian-01 (any configured seat can be one).
    await hotline.console.add_user(
        "zhao", "赵主任", Role.SUPERVISOR, PASSWORD, seats=["haidian-01"]
    )
    # The caller has called before: an order of theirs is still open.
    await hotline.work_orders.create(
        NewWorkOrder(
            court_id="chaoyang",
            case_number=CASE_NUMBER,
            category=Category.OTHER,
            urgency=Urgency.NORMAL,
            caller_number=CALLER,
            content=EARLIER_REQUEST,
            by="high-02",
        )
    )

    agent = await new_page(browser, DESKTOP)
    await sign_in(agent, base, "zhang")
    await agent.wait_for_url(f"{base}/console")
    supervisor = await new_page(browser, DESKTOP)
    await sign_in(supervisor, base, "zhao")
    await supervisor.wait_for_url(f"{base}/wallboard")
    seat_card = supervisor.locator('[data-seat="high-01"]')

    seat = await start_seat(
        running.asterisk, tmp_path / "seat", "high-01", address="127.0.0.11", stay_ms=90_000
    )
    phones = await contact_phones(tmp_path / "phones", answer=JUDGE_MOBILE, talk_ms=4000)
    supervisor_phone = transfer_seat = caller = None
    try:
        await seat_registered(running, seat, "high-01")
        await expect(agent.locator("#status")).to_have_text("示闲")
        await expect(seat_card.locator(".seat-state")).to_have_text("空闲")

        caller = await start_caller(running.asterisk, tmp_path / "caller", talk_ms=60_000)
        # The screen pop: masked number, the caller's open order with its request.
        await expect(agent.locator("#caller")).to_have_text("138****8000", timeout=20_000)
        await expect(agent.locator("#orders")).to_contain_text(EARLIER_REQUEST)
        await expect(agent.locator("#orders")).to_contain_text("办理中")
        await expect(seat_card.locator(".seat-state")).to_have_text("通话中")
        await expect(agent.locator("#do-urgent")).to_be_enabled()

        # Urgent contact: the judge's phone rings (a step appears), answers and presses 1.
        await agent.fill("#urgent-court", "chaoyang")
        await agent.fill("#urgent-case", CASE_NUMBER)
        await agent.click("#do-urgent")
        first_step = agent.locator("#urgent-steps li").first
        await expect(first_step).to_contain_text("承办法官", timeout=10_000)
        await expect(first_step).to_contain_text("138****0001")
        await expect(first_step).to_contain_text("已接通", timeout=20_000)
        await expect(agent.locator("#urgent-outcome")).to_contain_text("法官已加入通话")

        # A work order for the caller, filed from the call (the number comes from the call).
        await agent.select_option("#order-category", "contact_judge")
        await agent.fill("#order-court", "chaoyang")
        await agent.fill("#order-case", CASE_NUMBER)
        await agent.fill("#order-content", "当事人请求法官就保全申请回电。")
        await agent.click("#do-order")
        await expect(agent.locator("#order-result")).to_contain_text("已派至 张明")
        await save_screenshot(agent, "agent-console")

        # Hold: on the real switch the caller leaves the call's bridge (music), then returns.
        live = hotline.calls.call(hotline.seats.get("high-01").call_id or "")  # type: ignore[union-attr]
        assert live is not None and live.bridge_id is not None
        await agent.click("#do-hold")
        await expect(agent.locator("#held")).to_be_visible()
        ari = hotline.ari
        assert ari is not None

        async def caller_in_bridge(expected: bool) -> None:
            async with asyncio.timeout(5):
                while True:
                    channels = (await ari.get_bridge(live.bridge_id or "")).channels
                    if (live.caller_channel_id in channels) is expected:
                        return
                    await asyncio.sleep(0.1)

        await caller_in_bridge(False)
        await agent.click("#do-hold")
        await expect(agent.locator("#held")).to_be_hidden()
        await caller_in_bridge(True)

        # The supervisor pauses the seat from the board; both screens follow.
        await supervisor.select_option("#pause-reason", "meeting")
        await seat_card.get_by_role("button", name="暂停").click()
        await expect(seat_card).to_contain_text("示忙·会议")
        await expect(agent.locator("#status")).to_have_text("示忙（会议）")
        assert hotline.seats.get("high-01").status.value == "paused"  # type: ignore[union-attr]

        # The supervisor listens from their own softphone: it rings, answers, and is bridged
        # with Asterisk's snoop on the agent's channel.
        supervisor_phone = await start_seat(
            running.asterisk,
            tmp_path / "supervisor",
            "haidian-01",
            address="127.0.0.12",
            stay_ms=60_000,
            media_port=42400,
        )
        await seat_registered(running, supervisor_phone, "haidian-01")
        await seat_card.get_by_role("button", name="监听").click()
        await expect(seat_card.locator(".supervised")).to_have_text("监听中")
        [session] = await eventually(lambda: hotline.supervision.sessions(), 10)  # type: ignore[union-attr]
        await eventually(lambda: hotline.supervision.sessions()[0].state.value == "connected", 10)  # type: ignore[union-attr]
        # Connected first, then its legs are bridged: wait for them (a loaded machine is slow).
        legs = sorted([session.snoop_channel, session.phone_channel])
        for _ in range(50):
            bridge = await hotline.ari.get_bridge(session.bridge)  # type: ignore[union-attr]
            if sorted(bridge.channels) == legs:
                break
            await asyncio.sleep(0.1)
        assert sorted(bridge.channels) == legs
        await save_screenshot(supervisor, "wallboard")
        await seat_card.get_by_role("button", name="结束监听").click()
        await expect(seat_card.locator(".supervised")).to_have_count(0)

        # A blind transfer to the complaints queue: chaoyang-01's softphone takes over.
        transfer_seat = await start_seat(
            running.asterisk,
            tmp_path / "complaints",
            "chaoyang-01",
            address="127.0.0.13",
            stay_ms=60_000,
            media_port=42800,
        )
        await seat_registered(running, transfer_seat, "chaoyang-01")
        await agent.select_option("#transfer-target", "queue:complaint")
        # First a consultation (咨询转接): chaoyang-01 answers and talks with the agent while the
        # caller hears music; the agent takes the caller back instead.
        await agent.click("#do-consult")
        await expect(agent.locator("#consult-state")).to_contain_text("已接通", timeout=15_000)
        await expect(agent.locator("#do-consult-complete")).to_be_enabled()
        await caller_in_bridge(False)
        await agent.click("#do-consult-cancel")
        await expect(agent.locator("#consult")).to_be_hidden()
        await caller_in_bridge(True)
        await eventually(lambda: hotline.seats.get("chaoyang-01").state.value == "idle", 10)  # type: ignore[union-attr]
        # Then the blind transfer (直接转接).
        await agent.click("#do-transfer")
        call_id = live.id
        await eventually(
            lambda: (
                (call := hotline.calls.call(call_id)) is not None  # type: ignore[union-attr]
                and call.state.value == "connected"
                and call.seat_id == "chaoyang-01"
            ),
            20,
        )
        moved = hotline.calls.call(call_id)  # type: ignore[union-attr]
        assert moved is not None and moved.bridge_id is not None
        # The call shows connected as soon as decided; the new bridge follows in a moment.
        expected = sorted([moved.caller_channel_id, moved.seat_channel_id or ""])
        async with asyncio.timeout(5):
            while True:
                try:
                    if sorted((await ari.get_bridge(moved.bridge_id)).channels) == expected:
                        break
                except AriNotFound:
                    pass
                await asyncio.sleep(0.1)
        assert moved.recording_name == f"{call_id}-2"
        caller.process.terminate()
        await caller.process.wait()
    finally:
        await stop(phones)
        if caller is not None:
            await stop(caller)  # a test failing midway leaves no phone running
        if supervisor_phone is not None:
            await stop(supervisor_phone)
            await unregister_seat(running.asterisk, tmp_path, "haidian-01")
        if transfer_seat is not None:
            await stop(transfer_seat)
            await unregister_seat(running.asterisk, tmp_path, "chaoyang-01")
        if seat.process.returncode is None:
            seat.process.terminate()
            await seat.process.wait()
        await unregister_seat(running.asterisk, tmp_path, "high-01")

    [order] = await fetch(
        running.database,
        "SELECT id, caller_number, content FROM work_orders WHERE category = 'contact_judge'",
    )
    assert order["caller_number"] == CALLER
    # The dispatch SMS is written in the order's own transaction.
    [sms] = await fetch(
        running.database,
        "SELECT text FROM sms_outbox WHERE reference = $1 AND kind = 'dispatch'",
        f"work-order:{order['id']}",
    )
    link = re.search(r"https?://[!-~]+", sms["text"])
    assert link is not None, sms["text"]

    # The judge opens the SMS link on a phone, notes the call back and replies.
    judge = await new_page(browser, PHONE)
    await judge.goto(f"{base}{urlsplit(link.group(0)).path}")
    await expect(judge.locator("body")).to_contain_text("当事人请求法官就保全申请回电。")
    width = await judge.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE.width, "the reply page fits a phone without sideways scrolling"
    await judge.get_by_role("button", name="我已电话联系当事人").click()
    await expect(judge.locator("body")).to_contain_text("电话联系当事人")
    await judge.fill("textarea", "已与当事人通话，保全申请已收到，正在审查。")
    await save_screenshot(judge, "judge-reply-on-phone")
    await judge.get_by_role("button", name="提交答复").click()
    await expect(judge.locator("body")).to_contain_text("答复已提交")
    [replied] = await fetch(
        running.database, "SELECT status, reply FROM work_orders WHERE id = $1", order["id"]
    )
    assert replied["status"] in ("replied", "closed")
    assert replied["reply"] == "已与当事人通话，保全申请已收到，正在审查。"
    kinds = await fetch(
        running.database,
        "SELECT kind FROM work_order_events WHERE work_order_id = $1 ORDER BY id",
        order["id"],
    )
    assert "phoned_caller" in [row["kind"] for row in kinds]

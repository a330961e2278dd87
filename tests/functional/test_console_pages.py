"""The console's pages in Debian's Chromium over the controller with a fake ARI: sign-in, the
agent's screen pop and status buttons, the wallboard following a seat, the sign-in page's
errors. The same pages on the real switch: tests/integration/test_console_browser.py."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.async_api import expect

from console.model import Role
from knowledge.importer import import_knowledge
from tests.browser import DESKTOP, PHONE, new_page
from tests.conftest import REPO
from tests.functional.call_harness import CALLER, Stack, connect_call

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

PASSWORD = "console-test-2026"


async def sign_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    await page.goto(f"{base}/login")
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("button[type=submit]")


async def test_an_agent_signs_in_pauses_and_sees_the_call_pop_while_the_board_follows(
    stack: Stack, browser: Browser
) -> None:
    console = stack.hotline.console
    assert console is not None
    await console.add_user("zhang", "张晓燕", Role.AGENT, PASSWORD, platform="high")
    await console.add_user("zhao", "赵主任", Role.SUPERVISOR, PASSWORD)
    base = stack.hotline.status_url

    agent = await new_page(browser, DESKTOP)
    await sign_in(agent, base, "zhang")
    await agent.wait_for_url(f"{base}/console")
    await expect(agent.locator("#who")).to_have_text("张晓燕（话务员）")
    await expect(agent.locator("#status")).to_have_text("示闲")
    board = await new_page(browser, DESKTOP)
    await sign_in(board, base, "zhao")
    await board.wait_for_url(f"{base}/wallboard")
    card = board.locator('[data-seat="high-01"]')
    await expect(card.locator(".seat-state")).to_have_text("空闲")

    await agent.select_option("#pause-reason", "break")
    await agent.click("#do-pause")
    await expect(agent.locator("#status")).to_have_text("示忙（小休）")
    await expect(card).to_contain_text("示忙·小休")
    await agent.click("#do-resume")
    await expect(card).to_contain_text("示闲")

    # HQ pulls a branch seat into its queues from the board, and gives it back.
    branch_card = board.locator('[data-seat="chaoyang-01"]')
    await branch_card.get_by_role("button", name="借调总平台").click()
    await expect(branch_card).to_contain_text("借调至总平台")
    assert stack.hotline.seats.get("chaoyang-01").routing_platform == "high"  # type: ignore[union-attr]
    await branch_card.get_by_role("button", name="归还本院").click()
    await expect(branch_card).not_to_contain_text("借调至总平台")

    call_id, _channel, bridge = await connect_call(stack)
    await expect(agent.locator("#caller")).to_have_text("139****5678")
    await expect(agent.locator("#ivr-path li").first).to_have_text(
        stack.hotline.holder.current.ivr.start
    )
    await expect(agent.locator("#orders")).to_contain_text("无")
    await expect(card.locator(".seat-state")).to_have_text("通话中")
    await expect(agent.locator("#do-order")).to_be_enabled()
    # Hold: the caller leaves the bridge for music, and comes back.
    await agent.click("#do-hold")
    await expect(agent.locator("#held")).to_be_visible()
    assert stack.requests("POST", f"/bridges/{bridge}/removeChannel")
    assert stack.requests("POST", f"/channels/{CALLER}/moh")
    await agent.click("#do-hold")
    await expect(agent.locator("#held")).to_be_hidden()
    rejoined = [
        r
        for r in stack.requests("POST", f"/bridges/{bridge}/addChannel")
        if r.params["channel"] == CALLER
    ]
    assert rejoined and stack.requests("DELETE", f"/channels/{CALLER}/moh")

    # The agent sees only their own platform's seats to choose from.
    options = await agent.locator("#seat option").all_inner_texts()
    assert options == ["high-01"]
    assert call_id

    # The knowledge base: found in Chinese, the answer pasted into the work order.
    knowledge = stack.hotline.knowledge
    assert knowledge is not None
    await import_knowledge(REPO / "config" / "examples" / "knowledge.yaml", knowledge, by="test")
    await agent.fill("#knowledge-q", "诉讼费怎么交")
    await agent.click("#knowledge-search button")
    first = agent.locator(".knowledge-entry").first
    await expect(first).to_contain_text("诉讼费")
    await first.get_by_role("button", name="引用到工单").click()
    await expect(agent.locator("#order-content")).to_have_value(re.compile("^【答复口径】.+"))


async def test_the_sign_in_page_says_what_went_wrong_and_keeps_agents_off_the_wallboard(
    stack: Stack, browser: Browser
) -> None:
    console = stack.hotline.console
    assert console is not None
    await console.add_user("li", "李话务", Role.AGENT, PASSWORD, platform="chaoyang")
    base = stack.hotline.status_url
    page = await new_page(browser, PHONE)
    await page.goto(f"{base}/console")
    await page.wait_for_url(f"{base}/login?next=%2Fconsole")
    await sign_in(page, base, "li", "wrong-password-1")
    await expect(page.locator("#error")).to_have_text("用户名或密码错误。")
    await sign_in(page, base, "li")
    await page.wait_for_url(f"{base}/console")
    width = await page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE.width, "the console fits a small screen"
    # An agent has no wallboard: the board's stream is refused and nothing is shown.
    await page.goto(f"{base}/wallboard")
    await expect(page.locator("#platforms")).to_be_empty()
    assert not await page.locator('a[href="/wallboard"]').is_visible()

"""The agent console's 回访任务 in a real Chromium: the sampled follow-ups are listed (numbers
masked) and the litigant's answers are recorded from the page."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from console.model import Role
from tests.browser import DESKTOP, new_page
from tests.functional.call_harness import Stack
from tests.functional.test_quality_api import REPLY, closed_orders, the_week

PASSWORD = "console-test-2026"


async def test_an_agent_records_a_litigants_answers_from_the_console(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    [order_id] = await closed_orders(stack, tmp_path, [REPLY])
    quality, console = stack.hotline.quality, stack.hotline.console
    assert quality is not None and console is not None
    await quality.draw(the_week(stack), by="test")
    await console.add_user(
        "zhang", "张话务", Role.AGENT, PASSWORD, platform="high", seats=["high-01"]
    )

    page = await new_page(browser, DESKTOP)
    await page.goto(f"{stack.hotline.status_url}/login")
    await page.fill("#username", "zhang")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    item = page.locator(".follow-up").first
    await expect(item).to_contain_text(f"工单 #{order_id}")
    await expect(item).to_contain_text("139****0000")
    await item.locator('select[data-answer="problem_solved"]').select_option("no")
    await item.get_by_role("button", name="记录答复").click()
    await expect(page.locator("#follow-ups")).to_contain_text("暂无待回访工单")

    [row] = await stack.fetch("SELECT state, judge_called, problem_solved FROM follow_ups")
    assert (row["state"], row["judge_called"], row["problem_solved"]) == ("done", "yes", "no")
    [grade] = await stack.fetch("SELECT result, reasons FROM work_order_grades")
    assert (grade["result"], grade["reasons"]) == ("fail", ["not_solved"])

"""The judge's reply page in a real Chromium on a phone-sized screen, opened from the SMS link the
app sent: it fits the screen, "我已电话联系当事人" records the call, the reply closes the order;
an altered or expired link shows its own page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser import PHONE, new_page, save_screenshot
from tests.directory_data import CASE_NUMBER, PARTY_PHONE
from tests.functional.test_work_order_api import DISPATCHED_AT, SECTION, Api, running_api

REQUEST = (
    "我是本案申请执行人。今天上午在朝阳区望京街道发现被执行人的车辆（京A·12345），"
    "请法官尽快联系我，我可以陪同执行人员到现场。"
)
REPLY = "已与当事人电话沟通，执行局今天下午派员前往核实车辆，请保持电话畅通。"
# The smallest tap target the platform guidelines allow (Apple 44 pt, Android 48 dp).
MIN_TAP_PX = 44


@pytest.fixture
async def api(database: dict[str, Any], tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database, tmp_path) as running:
        yield running


async def open_sms_link(api: Api, browser: Browser, order_id: int) -> tuple[Page, str]:
    """A phone opening the link of the order's dispatch SMS; the page and the link's URL."""
    url = str(api.client.make_url(await api.reply_path(order_id)))
    page = await new_page(browser, PHONE)
    response = await page.goto(url)
    assert response is not None and response.status == 200
    return page, url


async def assert_fits_the_screen(page: Page) -> None:
    width = await page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE.width, f"the page is {width} px wide on a {PHONE.width} px screen"


async def test_the_judge_phones_the_caller_then_replies_from_a_phone(
    api: Api, browser: Browser
) -> None:
    order_id = (await api.create(content=REQUEST))["id"]
    api.orders.clock.now = DISPATCHED_AT + timedelta(minutes=25)
    page, url = await open_sms_link(api, browser, order_id)

    await expect(page).to_have_title(f"工单{order_id}")
    await expect(page.locator(".request-text")).to_have_text(REQUEST)
    await expect(page.get_by_text(CASE_NUMBER)).to_be_visible()
    await assert_fits_the_screen(page)
    # The caller's request comes first, above the fold, in larger type than the rest.
    request_box = await page.locator(".request-text").bounding_box()
    assert request_box is not None and request_box["y"] < PHONE.height / 2
    call = page.get_by_role("link", name=f"拨打当事人电话 {PARTY_PHONE}")
    assert await call.get_attribute("href") == f"tel:{PARTY_PHONE}"
    phoned = page.get_by_role("button", name="我已电话联系当事人")
    submit = page.get_by_role("button", name="提交答复")
    for target in (call, phoned, submit):
        box = await target.bounding_box()
        assert box is not None and box["height"] >= MIN_TAP_PX, box
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE.width, box

    await phoned.tap()
    await expect(page.get_by_text("已于 16:25 电话联系当事人")).to_be_visible()
    assert page.url == url  # back on the link itself: reloading records nothing more
    await assert_fits_the_screen(page)

    await page.get_by_label("答复当事人").fill(REPLY)
    await save_screenshot(page, "judge-reply-page")
    await submit.tap()
    await expect(page.get_by_role("heading", name="答复已提交")).to_be_visible()
    await expect(
        page.get_by_text(f"工单{order_id}的答复已提交，并已短信告知当事人。")
    ).to_be_visible()
    await assert_fits_the_screen(page)
    await save_screenshot(page, "judge-reply-done")

    row = await api.row(order_id)
    assert (row["status"], row["reply"], row["replied_by"]) == ("closed", REPLY, "reply-link")
    assert await api.events(order_id) == [
        ("created", "high-01"),
        ("dispatched", "high-01"),
        ("phoned_caller", "reply-link"),
        ("replied", "reply-link"),
        ("closed", "reply-link"),
    ]
    # Opened again later, the link shows the order answered, with no form left.
    await page.goto(url)
    await expect(page.get_by_text(f"此工单已办结。答复：{REPLY}")).to_be_visible()
    await expect(page.get_by_text("已于 16:25 电话联系当事人")).to_be_visible()
    assert await page.locator("form").count() == 0


async def test_an_altered_or_expired_link_shows_its_page_on_a_phone(
    api: Api, browser: Browser
) -> None:
    order_id = (await api.create(content=REQUEST))["id"]
    page, url = await open_sms_link(api, browser, order_id)
    token = url.rsplit("/", 1)[1]
    altered = f"{url[: -len(token)]}{token[:10]}{'B' if token[10] == 'A' else 'A'}{token[11:]}"

    response = await page.goto(altered)
    assert response is not None and response.status == 404
    await expect(page.get_by_role("heading", name="链接无效")).to_be_visible()
    await expect(page.get_by_text(REQUEST)).to_have_count(0)
    await assert_fits_the_screen(page)

    # The page was opened, then the link's time ran out before the judge pressed anything.
    await page.goto(url)
    api.orders.clock.now = DISPATCHED_AT + SECTION.link_ttl
    await page.get_by_role("button", name="我已电话联系当事人").tap()
    await expect(page.get_by_role("heading", name="链接已过期")).to_be_visible()
    response = await page.goto(url)
    assert response is not None and response.status == 410
    await expect(page.get_by_text("此链接已过期，请致电12368热线办理。")).to_be_visible()
    await expect(page.get_by_text(REQUEST)).to_have_count(0)
    await assert_fits_the_screen(page)
    assert [kind for kind, _actor in await api.events(order_id)] == ["created", "dispatched"]

"""Browser fixtures: Debian's Chromium driven by Playwright, phone and desktop screens, screenshots.

Playwright never downloads a browser here: it starts /usr/bin/chromium (the Debian package
`chromium`, installed by `python3 -m sandbox debs`) with the flags this closed network needs.

One Chromium per test: Playwright's objects belong to the event loop that started them, and each
test runs in its own loop (asyncio_default_fixture_loop_scope = "function"), as do the fixtures
that hold its database pool and servers. Starting the driver and the browser costs about a
second a test.

    async def test_page(browser: Browser) -> None:
        page = await new_page(browser, PHONE)
        await page.goto(url)
        await save_screenshot(page, "judge-reply-page")
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling Google's hosts, which this
# closed network refuses; the sandbox needs user namespaces a root-run container may not give.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-default-browser-check",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
)
SCREENSHOTS = REPO / "var" / "artifacts" / "screenshots"
# The README's images: refreshed only on purpose, with HOTLINE_UPDATE_SCREENSHOTS=1.
DOCS_SCREENSHOTS = REPO / "docs" / "screenshots"
UPDATE_SCREENSHOTS = "HOTLINE_UPDATE_SCREENSHOTS"
# Long enough for a busy 2-core machine, well inside the test's own timeout.
ACTION_TIMEOUT_MS = 15_000


@dataclass(frozen=True)
class Screen:
    width: int
    height: int
    mobile: bool


DESKTOP = Screen(1280, 800, mobile=False)
PHONE = Screen(390, 844, mobile=True)  # a current mid-size phone, in CSS pixels


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """A headless Debian Chromium for this test; fails (never skips) when it is not installed."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: install the Debian package 'chromium'"
            " (as root: python3 -m sandbox debs)",
            pytrace=False,
        )
    try:
        from playwright.async_api import async_playwright
    except ImportError as exc:
        pytest.fail(
            f"the Python package 'playwright' is missing ({exc}):"
            " .venv/bin/pip install -c constraints.txt -e '.[dev]'",
            pytrace=False,
        )
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield launched
        finally:
            await launched.close()


async def new_context(browser: Browser, screen: Screen = PHONE) -> BrowserContext:
    """A fresh profile (no cookies, no cache) with `screen`'s viewport, in zh-CN and Beijing time.

    Closed with the browser at the end of the test.
    """
    context = await browser.new_context(
        viewport={"width": screen.width, "height": screen.height},
        device_scale_factor=2 if screen.mobile else 1,
        is_mobile=screen.mobile,
        has_touch=screen.mobile,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    return context


async def new_page(browser: Browser, screen: Screen = PHONE) -> Page:
    """A page in a fresh context of its own (see `new_context`)."""
    return await (await new_context(browser, screen)).new_page()


async def save_screenshot(page: Page, name: str) -> Path:
    """The whole page as var/artifacts/screenshots/<name>.png (CI keeps that folder); with
    HOTLINE_UPDATE_SCREENSHOTS=1, copied to docs/screenshots/<name>.png for the README too."""
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=path, full_page=True)
    if os.environ.get(UPDATE_SCREENSHOTS) == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)
    return path

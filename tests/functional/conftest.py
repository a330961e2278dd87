"""Functional fixtures: a guard failing any test that blocks the event loop; the call harness."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from config.schema import HotlineConfig
from tests.fakes.ari_server import FakeAri
from tests.functional.call_harness import (
    CASES_CSV,
    Stack,
    make_hotline,
    online,
)

# Asterisk's websocket_write_timeout is 100 ms; a callback holding the loop this long is a bug.
SLOW_CALLBACK_S = 0.1


@pytest.fixture(autouse=True)
async def event_loop_never_blocked(caplog: pytest.LogCaptureFixture) -> AsyncIterator[None]:
    loop = asyncio.get_running_loop()
    loop.set_debug(True)
    loop.slow_callback_duration = SLOW_CALLBACK_S
    with caplog.at_level(logging.WARNING, logger="asyncio"):
        yield
    blocked = [
        record.getMessage()
        for record in [*caplog.get_records("setup"), *caplog.get_records("call")]
        if record.name == "asyncio" and " took " in record.getMessage()
    ]
    assert not blocked, f"the event loop was blocked: {blocked}"


@pytest.fixture
async def fake() -> AsyncIterator[FakeAri]:
    async with FakeAri.start() as fake:
        fake.endpoints = online("high-01")
        yield fake


@pytest.fixture
async def stack(
    fake: FakeAri, database: dict[str, Any], test_config: HotlineConfig, tmp_path: Path
) -> AsyncIterator[Stack]:
    async with make_hotline(fake, database, test_config, tmp_path) as hotline:
        await hotline.wait_ready(5)
        yield Stack(fake, hotline, database, tmp_path / "spool")


@pytest.fixture
async def case_imported(stack: Stack, tmp_path: Path) -> None:
    from cases.importer import import_cases
    from store.database import create_pool

    source = tmp_path / "cases.csv"
    source.write_text(CASES_CSV, encoding="utf-8")
    pool = await create_pool(stack.database, max_size=1)
    try:
        report = await import_cases(source, pool)
    finally:
        await pool.close()
    assert report.inserted == 1

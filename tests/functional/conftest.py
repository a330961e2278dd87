"""Functional tests fail when anything blocks the event loop (ARI drops slow consumers)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

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

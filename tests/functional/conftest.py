"""Functional fixtures: a guard failing any test that blocks the event loop; the call harness."""

from __future__ import annotations

import asyncio
import gc
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import structlog

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
# Where Linux counts how long this thread waited for a CPU while runnable (schedstat field 2).
SCHEDSTAT = Path("/proc/thread-self/schedstat")


def _cpu_wait_reader() -> Callable[[], float]:
    """Seconds this thread has waited for a CPU while runnable (0 where Linux does not say)."""
    if not SCHEDSTAT.exists():
        return lambda: 0.0
    # Opened once, by the thread that runs every test's event loop, and kept for the run.
    schedstat = os.open(SCHEDSTAT, os.O_RDONLY)
    return lambda: int(os.pread(schedstat, 128, 0).split()[1]) / 1e9


_waited_for_cpu: Callable[[], float] | None = None


class LoopWatch:
    """Times every callback the event loop runs, less the time the thread was runnable but not
    running and the time the garbage collector took: on a busy 2-core machine a 10 ms step can
    take 130 ms of wall time without holding the loop at all, and a full collection over the
    heap a long test run has grown lands in whichever step happens to allocate; a step that
    computes or waits on anything synchronous still counts."""

    def __init__(self) -> None:
        global _waited_for_cpu
        if _waited_for_cpu is None:
            _waited_for_cpu = _cpu_wait_reader()
        self._waited_for_cpu = _waited_for_cpu
        self.blocked: list[str] = []
        self._collecting_since = 0.0
        self._collected_s = 0.0

    def on_collection(self, phase: str, _info: dict[str, int]) -> None:
        """A `gc.callbacks` entry: adds up the time spent collecting."""
        if phase == "start":
            self._collecting_since = time.perf_counter()
        else:
            self._collected_s += time.perf_counter() - self._collecting_since

    def _not_held(self) -> float:
        return self._waited_for_cpu() + self._collected_s

    def wrap(self, run: Callable[[asyncio.Handle], None]) -> Callable[[asyncio.Handle], None]:
        def timed(handle: asyncio.Handle) -> None:
            started, not_held = time.perf_counter(), self._not_held()
            try:
                run(handle)
            finally:
                held = time.perf_counter() - started - (self._not_held() - not_held)
                if held > SLOW_CALLBACK_S:
                    # A task's step names the task (and so its coroutine), not the wrapper.
                    callback = handle._callback  # type: ignore[attr-defined]
                    owner = getattr(callback, "__self__", callback)
                    self.blocked.append(f"{owner!r} held the loop {held:.3f} s")

        return timed


@pytest.fixture(autouse=True)
async def event_loop_never_blocked() -> AsyncIterator[None]:
    loop = asyncio.get_running_loop()
    # Debug mode for its checks (unawaited coroutines, calls from other threads); the timing is
    # LoopWatch's, so asyncio's own wall-clock report is kept for the truly stuck.
    loop.set_debug(True)
    loop.slow_callback_duration = 1.0
    watch = LoopWatch()
    run = asyncio.events.Handle._run
    asyncio.events.Handle._run = watch.wrap(run)  # type: ignore[method-assign]
    gc.callbacks.append(watch.on_collection)
    try:
        yield
    finally:
        gc.callbacks.remove(watch.on_collection)
        asyncio.events.Handle._run = run  # type: ignore[method-assign]
    blocked = watch.blocked
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


@pytest.fixture
def database_url(database: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The test database as HOTLINE_DATABASE_URL, for `hotline …` commands run in-process."""
    url = (
        f"postgresql://{quote(database['user'])}:{quote(database['password'], safe='')}"
        f"@{database['host']}:{database['port']}/{database['database']}"
    )
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    yield url
    structlog.reset_defaults()  # the command sets up its own logging

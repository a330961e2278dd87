"""The guard every functional test runs under: it must catch a step that holds the event loop,
and only such a step."""

from __future__ import annotations

import asyncio
import time

from tests.functional.conftest import SLOW_CALLBACK_S, LoopWatch

# Taken at import, before the guard of the test running these wraps it: these tests run steps
# that block on purpose, outside any event loop the guard watches.
UNWATCHED_RUN = asyncio.events.Handle._run


def run_one(watch: LoopWatch, callback: object) -> None:
    loop = asyncio.new_event_loop()
    try:
        timed = watch.wrap(UNWATCHED_RUN)
        timed(asyncio.Handle(callback, (), loop))  # type: ignore[arg-type]
    finally:
        loop.close()


def sleeps() -> None:
    time.sleep(SLOW_CALLBACK_S * 2)


def computes() -> None:
    end = time.thread_time() + SLOW_CALLBACK_S * 2
    while time.thread_time() < end:
        pass


def quick() -> None:
    sum(range(1000))


def test_a_step_that_waits_synchronously_is_reported() -> None:
    watch = LoopWatch()
    run_one(watch, sleeps)
    [report] = watch.blocked
    assert "sleeps" in report and "held the loop" in report


def test_a_step_that_computes_too_long_is_reported() -> None:
    watch = LoopWatch()
    run_one(watch, computes)
    assert len(watch.blocked) == 1


def test_quick_steps_are_not_reported() -> None:
    watch = LoopWatch()
    for _ in range(100):
        run_one(watch, quick)
    assert watch.blocked == []


def test_time_the_garbage_collector_took_is_not_held_against_a_step() -> None:
    watch = LoopWatch()

    def collects_slowly() -> None:
        # What gc.callbacks report around a long collection, without needing a huge heap.
        watch.on_collection("start", {})
        time.sleep(SLOW_CALLBACK_S * 2)
        watch.on_collection("stop", {})

    run_one(watch, collects_slowly)
    assert watch.blocked == []

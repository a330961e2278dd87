"""Case self-service against the real PostgreSQL: passwords, per-call tries, lockouts, logs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
import structlog
from argon2 import PasswordHasher

from cases.config import CaseQueryPolicy
from cases.directory import PostgresCaseDirectory
from cases.model import Case, CaseRecord, Found, Locked, Wrong
from cases.passwords import hash_password, needs_rehash, verify_password
from cases.service import CaseQueryService
from cases.store import CaseStore
from store.database import create_pool, migrate
from tests.support import fetch

START = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
CODE = "100200300"
OTHER_CODE = "100200301"
UNKNOWN_CODE = "999888777"
PASSWORD = "4821"
CALLER = "13912345678"


def case(query_code: str) -> Case:
    return Case(
        case_number="(2024)京0105民初12345号",
        court_id="bj-chaoyang",
        division="民一庭",
        query_code=query_code,
        stage="审理中",
        judge_name="王芳",
        next_hearing=datetime(2024, 7, 1, 1, 30, tzinfo=UTC),
        last_event="已排期开庭",
        last_event_at=datetime(2024, 6, 1, 7, 0, tzinfo=UTC),
    )


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@dataclass
class Line:
    """The service as the IVR sees it, with the clock and the tables at hand."""

    service: CaseQueryService
    clock: Clock
    database: dict[str, Any]
    calls: int = 0

    async def query(
        self,
        query_code: str = CODE,
        password: str = PASSWORD,
        *,
        caller: str = CALLER,
        attempts_in_call: int = 0,
        call_id: str | None = None,
    ) -> Found | Wrong | Locked:
        if call_id is None:
            self.calls += 1
            call_id = f"call-{self.calls}"
        return await self.service.verify(call_id, caller, query_code, password, attempts_in_call)

    async def fail(self, times: int, query_code: str = CODE, **kwargs: Any) -> list[object]:
        """`times` wrong passwords, each from a new call, one minute apart."""
        outcomes: list[object] = []
        for _ in range(times):
            outcomes.append(await self.query(query_code, "0000", **kwargs))
            self.clock.advance(1)
        return outcomes

    async def reasons(self) -> list[tuple[str, str, bool]]:
        rows = await fetch(
            self.database,
            "SELECT query_code, reason, success FROM case_query_attempts ORDER BY id",
        )
        return [(row["query_code"], row["reason"], row["success"]) for row in rows]


@pytest.fixture
async def pool(database: dict[str, Any]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database)
    await migrate(pool)
    yield pool
    await pool.close()


@pytest.fixture
async def line(pool: asyncpg.Pool, database: dict[str, Any]) -> Line:
    store = CaseStore(pool)
    password_hash = await asyncio.to_thread(hash_password, PASSWORD)
    await store.upsert([CaseRecord(case(code), password_hash) for code in (CODE, OTHER_CODE)])
    clock = Clock()
    service = CaseQueryService(PostgresCaseDirectory(store), store, CaseQueryPolicy(), clock=clock)
    return Line(service, clock, database)


async def test_right_password_reads_the_case(line: Line) -> None:
    assert await line.query() == Found(case(CODE))
    assert await line.reasons() == [(CODE, "success", True)]


async def test_wrong_passwords_count_down_the_attempts_of_the_call(line: Line) -> None:
    outcomes = [
        await line.query(password="1111", attempts_in_call=tried, call_id="call-a")
        for tried in range(3)
    ]
    assert outcomes == [Wrong(2), Wrong(1), Wrong(0)]
    assert [isinstance(o, Wrong) and o.offer_agent for o in outcomes] == [False, False, True]
    # The IVR asking again is refused without checking, even with the right password.
    assert await line.query(attempts_in_call=3, call_id="call-a") == Wrong(0)
    assert [reason for _, reason, _ in await line.reasons()] == [
        "wrong_password",
        "wrong_password",
        "wrong_password",
        "call_exhausted",
    ]
    # A new call starts with a full set of tries.
    assert await line.query(call_id="call-b") == Found(case(CODE))


async def test_unknown_code_answers_exactly_like_a_wrong_password(line: Line) -> None:
    for tried in range(3):
        wrong = await line.query(CODE, "1111", attempts_in_call=tried, caller="13900000001")
        unknown = await line.query(
            UNKNOWN_CODE, "1111", attempts_in_call=tried, caller="13900000002"
        )
        assert unknown == wrong
    assert [unknown, wrong] == [Wrong(0), Wrong(0)]
    reasons = {(code, reason) for code, reason, _ in await line.reasons()}
    assert reasons == {(CODE, "wrong_password"), (UNKNOWN_CODE, "unknown_code")}


async def test_unknown_code_locks_like_a_known_one(line: Line) -> None:
    known = await line.fail(5, CODE, caller="")
    unknown = await line.fail(5, UNKNOWN_CODE, caller="")
    assert known[:4] == unknown[:4] == [Wrong(2)] * 4
    assert known[4] == Locked(START + timedelta(minutes=4 + 60))
    assert unknown[4] == Locked(START + timedelta(minutes=9 + 60))


async def test_five_failures_on_a_code_lock_it_for_every_caller_until_expiry(line: Line) -> None:
    with structlog.testing.capture_logs() as logs:
        outcomes = [
            await line.query(password="0000", caller=f"1390000000{n}", attempts_in_call=n % 3)
            for n in range(5)
        ]
    until = START + timedelta(minutes=60)
    assert outcomes == [Wrong(2), Wrong(1), Wrong(0), Wrong(2), Locked(until)]
    (warning,) = [entry for entry in logs if entry["log_level"] == "warning"]
    assert warning["event"] == "case query locked for review"
    assert warning["scope"] == "query_code"

    line.clock.advance(59)
    assert await line.query(caller="13800000000") == Locked(until)
    assert await line.query(OTHER_CODE, caller="13800000000") == Found(case(OTHER_CODE))
    line.clock.advance(1)
    assert await line.query(caller="13800000000") == Found(case(CODE))
    assert [reason for _, reason, _ in await line.reasons()][5:] == ["locked", "success", "success"]


async def test_five_failures_from_a_number_lock_it_across_codes(line: Line) -> None:
    await line.fail(2, CODE)
    await line.fail(2, OTHER_CODE)
    assert await line.fail(1, UNKNOWN_CODE) == [Locked(START + timedelta(minutes=4 + 60))]
    # The number is locked even for a code it never tried; other numbers are not.
    assert await line.query(OTHER_CODE) == Locked(START + timedelta(minutes=64))
    assert await line.query(CODE, caller="13700000000") == Found(case(CODE))
    line.clock.advance(60)
    assert await line.query(OTHER_CODE) == Found(case(OTHER_CODE))


async def test_failures_spread_over_more_than_the_window_do_not_lock(line: Line) -> None:
    for _ in range(6):
        assert await line.query(password="0000") == Wrong(2)
        line.clock.advance(8)  # 5 failures span 32 minutes
    assert await line.query() == Found(case(CODE))


async def test_withheld_numbers_are_not_locked_together(line: Line) -> None:
    await line.fail(2, CODE, caller="anonymous")
    await line.fail(2, OTHER_CODE, caller="anonymous")
    await line.fail(2, UNKNOWN_CODE, caller="anonymous")
    assert await line.query(caller="anonymous") == Found(case(CODE))


async def test_a_success_forgives_the_codes_earlier_failures(line: Line) -> None:
    await line.fail(4, CODE, caller="")
    assert await line.query(caller="") == Found(case(CODE))
    line.clock.advance(1)
    assert await line.fail(4, CODE, caller="") == [Wrong(2)] * 4
    locked_at = line.clock.now
    assert await line.fail(1, CODE, caller="") == [Locked(locked_at + timedelta(minutes=60))]


async def test_malformed_input_is_a_counted_failure_that_looks_like_any_other(line: Line) -> None:
    assert await line.query(password="12") == Wrong(2)
    assert await line.query("12", PASSWORD, attempts_in_call=1) == Wrong(1)
    assert [reason for _, reason, _ in await line.reasons()] == ["malformed", "malformed"]


async def test_logs_mask_the_caller_and_never_hold_the_password(line: Line) -> None:
    with structlog.testing.capture_logs() as logs:
        await line.query(password="97531")
        await line.query()
    assert [entry["event"] for entry in logs] == ["case query failed", "case query answered"]
    text = repr(logs)
    assert "97531" not in text
    assert PASSWORD not in text
    assert CALLER not in text
    assert all(entry["caller_number"] == "139****5678" for entry in logs)
    assert all(entry["query_code"] == "******300" for entry in logs)
    assert logs[0]["reason"] == "wrong_password"


async def test_outdated_hash_is_replaced_after_a_right_password(
    line: Line, pool: asyncpg.Pool, database: dict[str, Any]
) -> None:
    old_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("2468")
    await CaseStore(pool).upsert([CaseRecord(case("300300300"), old_hash)])
    assert await line.query("300300300", "2468") == Found(case("300300300"))
    (row,) = await fetch(
        database, "SELECT password_hash FROM cases WHERE query_code = $1", "300300300"
    )
    assert row["password_hash"] != old_hash
    assert not needs_rehash(row["password_hash"])
    assert await asyncio.to_thread(verify_password, row["password_hash"], "2468")


async def test_stored_hash_is_not_the_password_and_verifies(
    line: Line, database: dict[str, Any]
) -> None:
    (row,) = await fetch(database, "SELECT password_hash FROM cases WHERE query_code = $1", CODE)
    assert row["password_hash"] != PASSWORD
    assert await asyncio.to_thread(verify_password, row["password_hash"], PASSWORD)

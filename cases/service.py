"""Answers a case query: applies the lockout policy, checks the password, records the attempt."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import assert_never

import structlog

from cases.config import CaseQueryPolicy
from cases.directory import CaseDirectory
from cases.errors import InvalidCredentialFormat, InvalidPasswordHash
from cases.model import (
    QUERY_CODE,
    AttemptReason,
    CaseRecord,
    Found,
    Locked,
    QueryOutcome,
    Wrong,
)
from cases.passwords import check_password, dummy_verify, hash_password, needs_rehash
from cases.passwords import verify_password as verify_password_hash
from cases.policy import (
    COUNTED_FAILURES,
    Allowed,
    LockedUntil,
    OfferAgent,
    QueryHistory,
    decide,
    lookback,
    number_is_known,
)
from cases.store import CaseStore, QueryAttempt
from hotline.logs import mask_phone

log = structlog.get_logger(__name__)


def mask_query_code(query_code: str) -> str:
    """Half a credential: logs keep only its last three digits (the attempts table has it all)."""
    return "*" * max(len(query_code) - 3, 0) + query_code[-3:] if len(query_code) > 5 else "***"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CaseQueryService:
    def __init__(
        self,
        directory: CaseDirectory,
        store: CaseStore,
        policy: CaseQueryPolicy,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._directory = directory
        self._store = store
        self._policy = policy
        self._clock = clock

    async def verify(
        self,
        call_id: str,
        caller_number: str,
        query_code: str,
        password: str,
        attempts_in_call: int,
    ) -> QueryOutcome:
        """`attempts_in_call`: attempts this call already made before this one."""
        if attempts_in_call < 0:
            raise ValueError(f"attempts_in_call must not be negative, got {attempts_in_call}")
        now = self._clock()
        # Masked here, not only by the log processor, so no configuration can leak them.
        bound = log.bind(
            call_id=call_id,
            caller_number=mask_phone(caller_number),
            query_code=mask_query_code(query_code),
        )
        before = await self._history(query_code, caller_number, attempts_in_call, now)

        async def record(reason: AttemptReason) -> None:
            await self._store.record_attempt(
                QueryAttempt(now, call_id, caller_number, query_code, reason)
            )

        decision = decide(before, now, self._policy)
        match decision:
            case LockedUntil(until=until, scope=scope):
                await record(AttemptReason.LOCKED)
                bound.info("case query refused while locked", scope=scope.value, until=until)
                return Locked(until)
            case OfferAgent():
                await record(AttemptReason.CALL_EXHAUSTED)
                bound.info("case query refused: no attempts left in this call")
                return Wrong(attempts_left=0)
            case Allowed():
                pass
            case _:
                assert_never(decision)

        reason, found = await self._check(query_code, password)
        await record(reason)
        if found is not None:
            bound.info("case query answered", court_id=found.case.court_id)
            await self._rehash_if_outdated(found, password)
            return Found(found.case)
        if reason is AttemptReason.INVALID_HASH:
            bound.error("case query failed: the stored password hash is unreadable")

        counted = reason in COUNTED_FAILURES
        after = QueryHistory(
            code_failures=(*before.code_failures, now) if counted else before.code_failures,
            number_failures=(
                (*before.number_failures, now)
                if counted and number_is_known(caller_number)
                else before.number_failures
            ),
            attempts_in_call=attempts_in_call + 1,
            code_last_success=before.code_last_success,
        )
        decision = decide(after, now, self._policy)
        match decision:
            case LockedUntil(until=until, scope=scope):
                bound.warning(
                    "case query locked for review",
                    reason=reason.value,
                    scope=scope.value,
                    until=until,
                )
                return Locked(until)
            case OfferAgent():
                bound.info("case query failed; offering an agent", reason=reason.value)
                return Wrong(attempts_left=0)
            case Allowed(attempts_left=attempts_left):
                bound.info("case query failed", reason=reason.value, attempts_left=attempts_left)
                return Wrong(attempts_left=attempts_left)
            case _:
                assert_never(decision)

    async def _history(
        self, query_code: str, caller_number: str, attempts_in_call: int, now: datetime
    ) -> QueryHistory:
        since = now - lookback(self._policy)
        code = await self._store.code_attempts_since(query_code, since, COUNTED_FAILURES)
        number_failures: tuple[datetime, ...] = ()
        if number_is_known(caller_number):
            number_failures = await self._store.number_failures_since(
                caller_number, since, COUNTED_FAILURES
            )
        return QueryHistory(
            code_failures=code.failures,
            number_failures=number_failures,
            attempts_in_call=attempts_in_call,
            code_last_success=code.last_success,
        )

    async def _check(
        self, query_code: str, password: str
    ) -> tuple[AttemptReason, CaseRecord | None]:
        try:
            check_password(password)
        except InvalidCredentialFormat:
            return AttemptReason.MALFORMED, None
        if not QUERY_CODE.fullmatch(query_code):
            return AttemptReason.MALFORMED, None
        record = await self._directory.find(query_code)
        if record is None:
            # As long as a real verification, so timing does not tell which codes exist.
            await asyncio.to_thread(dummy_verify, password)
            return AttemptReason.UNKNOWN_CODE, None
        try:
            matches = await asyncio.to_thread(verify_password_hash, record.password_hash, password)
        except InvalidPasswordHash:
            return AttemptReason.INVALID_HASH, None
        if not matches:
            return AttemptReason.WRONG_PASSWORD, None
        return AttemptReason.SUCCESS, record

    async def _rehash_if_outdated(self, record: CaseRecord, password: str) -> None:
        if not needs_rehash(record.password_hash):
            return
        new_hash = await asyncio.to_thread(hash_password, password)
        await self._directory.replace_password_hash(
            record.case.query_code, record.password_hash, new_hash
        )

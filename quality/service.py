"""Runs quality work: draws the weekly follow-up sample, records each call attempt and its
answers, and grades every closed work order (a supervisor may override a grade, with a note)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from quality import policy
from quality.config import WEEKDAYS, QualitySection
from quality.model import Answers, AttemptOutcome, FollowUpState, Grade, GradeResult
from quality.store import FollowUpRow, GradeRow, QualityStore
from workorders.model import Category

log = structlog.get_logger(__name__)

# Rounds are weekly and grades follow closures: an hourly look is enough.
RUN_INTERVAL_S = 3600.0
SWITCH = "switch"  # the actor when the controller draws a round by itself
CONTACT_CATEGORIES = (Category.CONTACT_JUDGE.value,)


class QualityError(Exception):
    """A refused quality action; `code` is stable for the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Drawn:
    round_id: int
    week_start: date
    seed: int
    sampled: dict[str, list[int]]  # division key -> order ids


class QualityService:
    def __init__(
        self,
        store: QualityStore,
        settings: Callable[[], QualitySection],
        zone: Callable[[], ZoneInfo],
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._settings = settings
        self._zone = zone
        self._clock = clock

    # ---- the weekly sample ---------------------------------------------------------------------
    async def draw(self, week_start: date, *, seed: int | None = None, by: str) -> Drawn:
        """Sample the orders closed in the week before `week_start` (a Monday), per division."""
        if week_start.weekday() != 0:
            raise QualityError("bad-week", f"{week_start} is not a Monday")
        section = self._settings().follow_up
        if seed is None:
            seed = section.seed if section.seed is not None else int(f"{week_start:%Y%m%d}")
        zone = self._zone()
        until = datetime.combine(week_start, time(0), zone)
        since = until - timedelta(days=7)
        orders = await self._store.closed_between(since, until)
        sampled = policy.sample(orders, section.sample_policy(), seed)
        round_id = await self._store.create_round(
            week_start, since, until, seed, sampled, self._clock(), by
        )
        if round_id is None:
            raise QualityError("round-exists", f"the week of {week_start} has its sample already")
        log.info(
            "follow-up sample drawn",
            week=week_start.isoformat(),
            seed=seed,
            closed_orders=len(orders),
            sampled=sum(len(ids) for ids in sampled.values()),
            divisions=len(sampled),
            by=by,
        )
        return Drawn(round_id, week_start, seed, sampled)

    async def draw_if_due(self) -> Drawn | None:
        """This week's round, once its day has come (the controller calls this hourly)."""
        today = self._clock().astimezone(self._zone()).date()
        if today.weekday() < WEEKDAYS.index(self._settings().follow_up.draw_on):
            return None
        try:
            return await self.draw(policy.week_of(today), by=SWITCH)
        except QualityError as exc:
            if exc.code == "round-exists":
                return None
            raise

    # ---- calling back ----------------------------------------------------------------------
    async def follow_ups(self, *, state: str | None = None) -> list[FollowUpRow]:
        return await self._store.follow_ups(state=state)

    async def follow_up(self, follow_up_id: int) -> FollowUpRow | None:
        return await self._store.follow_up(follow_up_id)

    async def record_attempt(
        self,
        follow_up_id: int,
        outcome: AttemptOutcome,
        answers: Answers | None,
        note: str | None,
        by: str,
    ) -> FollowUpRow:
        """One call to the litigant: answered (with the three answers) or not; retries and the
        final state follow the config. The order is regraded once the answers are in."""
        if (outcome is AttemptOutcome.ANSWERED) != (answers is not None):
            raise QualityError(
                "bad-answers", "answers go with outcome 'answered', and only with it"
            )
        follow_up = await self._store.follow_up(follow_up_id)
        if follow_up is None:
            raise QualityError("follow-up-not-found", f"no follow-up {follow_up_id}")
        if follow_up.state != FollowUpState.OPEN:
            raise QualityError(
                "follow-up-finished", f"follow-up {follow_up_id} is {follow_up.state}"
            )
        now = self._clock()
        state, next_at = policy.after_attempt(
            outcome, follow_up.attempts + 1, now, self._settings().follow_up.retry_policy()
        )
        if not await self._store.attempt(
            follow_up, outcome.value, state, next_at, answers, note, by, now
        ):
            raise QualityError("follow-up-changed", "someone recorded an attempt just now")
        log.info(
            "follow-up attempt",
            follow_up=follow_up_id,
            work_order=follow_up.work_order_id,
            attempt=follow_up.attempts + 1,
            outcome=outcome.value,
            state=state.value,
        )
        if state is FollowUpState.DONE:
            await self.grade_order(follow_up.work_order_id)
        updated = await self._store.follow_up(follow_up_id)
        assert updated is not None
        return updated

    # ---- grading ---------------------------------------------------------------------------
    async def grade_order(self, order_id: int) -> Grade | None:
        order = await self._store.closed_order(order_id)
        if order is None:
            return None
        answers = await self._store.answers_of(order_id)
        grade = policy.grade(
            order,
            answers,
            min_chars=self._settings().substantive_min_chars,
            contact_categories=CONTACT_CATEGORIES,
        )
        await self._store.save_grade(order_id, grade, self._clock())
        return grade

    async def grade_pending(self) -> int:
        graded = 0
        for order_id in await self._store.ungraded():
            if await self.grade_order(order_id) is not None:
                graded += 1
        return graded

    async def grade(self, order_id: int) -> GradeRow | None:
        return await self._store.grade(order_id)

    async def override(self, order_id: int, result: GradeResult, note: str, by: str) -> GradeRow:
        if not note.strip():
            raise QualityError("note-required", "an override says why, in its note")
        if not await self._store.override(order_id, result, note.strip(), by, self._clock()):
            raise QualityError(
                "grade-not-found", f"work order {order_id} has no grade (not closed)"
            )
        log.info("grade overridden", work_order=order_id, result=result.value, by=by)
        row = await self._store.grade(order_id)
        assert row is not None
        return row

    async def run(self) -> None:
        while True:
            try:
                await self.draw_if_due()
                graded = await self.grade_pending()
                if graded:
                    log.info("work orders graded", orders=graded)
            except asyncio.CancelledError:
                raise
            except (OSError, asyncpg.PostgresError, QualityError):
                log.exception("quality work failed; trying again in an hour")
            await asyncio.sleep(RUN_INTERVAL_S)

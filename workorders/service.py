"""Runs work orders: creates and dispatches them, takes replies, presses the unanswered ones.

Every change is one transaction: the order row locked, its new state and history written, and
the SMS it causes put in the outbox, so nothing is sent for a change that did not happen and
nothing is lost for one that did.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import assert_never
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from directory.model import CaseContacts
from directory.store import DirectoryStore
from hotline.logs import mask_phone
from schedule.calendar import WorkdayCalendar
from sms.model import OutboxMessage
from sms.outbox import enqueue
from urgent.service import Unreached
from workorders import links, messages, policy
from workorders import state as lifecycle
from workorders.config import WorkOrdersSection
from workorders.errors import LinkInvalid, WorkOrderError
from workorders.model import (
    Category,
    Notify,
    Recipient,
    Template,
    Urgency,
    WorkOrder,
    WorkOrderEvent,
)
from workorders.store import WorkOrderFigures, WorkOrderStore

log = structlog.get_logger(__name__)

# How often open orders are checked for a reminder or escalation that has come due. Reminder
# slots are hours apart; a minute late is on time, and a check is one indexed query.
PRESS_INTERVAL_S = 60.0
# The advisory lock a controller holds while it presses (several controllers, one database).
PRESS_LOCK = "work-orders-press"
# The actor of what the handler does from the SMS link: the link proves who they are.
LINK_ACTOR = "reply-link"


class WorkOrderNotFound(WorkOrderError):
    code = "work-order-not-found"


@dataclass(frozen=True)
class WorkOrderSettings:
    section: WorkOrdersSection
    link_secret: str
    hotline_name: str
    calendar: WorkdayCalendar

    @property
    def zone(self) -> ZoneInfo:
        return self.calendar.zone


@dataclass(frozen=True)
class NewWorkOrder:
    court_id: str
    case_number: str | None
    category: Category
    urgency: Urgency
    caller_number: str
    content: str
    by: str  # the agent's seat, or "system"
    complained_judge_id: str | None = None
    call_id: str | None = None


@dataclass(frozen=True)
class LinkView:
    """What an SMS link shows: the order, what the link allows, and when the handler phoned."""

    order: WorkOrder
    purpose: links.LinkPurpose
    phoned_caller_at: datetime | None  # in the current round (see policy.phoned_caller_at)
    now: datetime


@dataclass(frozen=True)
class Created:
    order: WorkOrder
    follow_up: bool  # True: the caller's open order got a follow-up instead of a new order


class WorkOrderService:
    def __init__(
        self,
        store: WorkOrderStore,
        directory: DirectoryStore,
        settings: Callable[[], WorkOrderSettings],
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._directory = directory
        self._settings = settings
        self._clock = clock
        self._wake = asyncio.Event()

    # ---- creating ------------------------------------------------------------------------
    async def create(
        self,
        request: NewWorkOrder,
        *,
        urgent_contact_id: int | None = None,
        also_notify: Callable[[CaseContacts], Sequence[Notify]] | None = None,
    ) -> Created:
        """A new order dispatched at once, or a follow-up on the caller's open order.

        `also_notify` adds SMS sent in the same transaction (to people other than the handler).
        """
        settings = self._settings()
        now = self._clock()
        contacts = (
            await self._directory.contacts(request.court_id, request.case_number)
            if request.case_number
            else None
        )
        if request.case_number and contacts is None:
            raise WorkOrderNotFound(
                f"case_number: no case {request.case_number} of court {request.court_id}"
            )
        if contacts is not None:
            complained = (
                request.complained_judge_id if request.category is Category.COMPLAINT else None
            )
            handler = policy.dispatch_target(
                request.category, contacts, complained_judge_id=complained
            )
        else:
            handler = policy.court_dispatch_target(await self._directory.court(request.court_id))
        due = policy.due_at(
            now, request.category, request.urgency, settings.calendar, settings.section.policy()
        )
        async with self._store.pool.acquire() as connection, connection.transaction():
            # One repeat-caller check at a time per caller, or two calls could both create.
            await connection.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1))",
                f"work-order:{request.court_id}:{request.caller_number}",
            )
            open_orders = await self._store.open_orders_of(
                connection, request.court_id, request.caller_number, request.category
            )
            duplicate = policy.open_duplicate(
                open_orders,
                request.court_id,
                request.case_number,
                request.caller_number,
                request.category,
            )
            if duplicate is not None and duplicate.id is not None:
                order = await self._apply_locked(
                    connection,
                    duplicate.id,
                    lifecycle.FollowUp(request.content, request.caller_number),
                    now,
                    settings,
                    contacts,
                )
                await self._also(connection, order, contacts, also_notify, now, settings)
                log.info("repeat caller: follow-up on the open work order", work_order=order.id)
                return Created(order, follow_up=True)
            created = lifecycle.create(
                court_id=request.court_id,
                case_number=request.case_number,
                category=request.category,
                urgency=request.urgency,
                caller_number=request.caller_number,
                content=request.content,
                handler=handler,
                due_at=due,
                now=now,
                by=request.by,
                complained_judge_id=request.complained_judge_id
                if request.category is Category.COMPLAINT
                else None,
            )
            order_id = await self._store.insert(
                connection, created.order, request.by, request.call_id, urgent_contact_id
            )
            await self._store.add_events(connection, order_id, created.events)
            order = await self._apply_locked(
                connection, order_id, lifecycle.Dispatch(request.by), now, settings, contacts
            )
            await self._also(connection, order, contacts, also_notify, now, settings)
        log.info(
            "work order dispatched",
            work_order=order.id,
            category=order.category.value,
            urgency=order.urgency.value,
            handler=order.handler.kind.value,
            due_at=order.due_at.isoformat(),
        )
        self._wake.set()
        return Created(order, follow_up=False)

    async def urgent_unreached(self, unreached: Unreached) -> None:
        """Nobody took an urgent contact: an urgent order, and SMS to judge and division head."""
        contacts = unreached.contacts
        settings = self._settings()
        case = contacts.case
        asked_at = unreached.started_at.astimezone(settings.zone)
        request = NewWorkOrder(
            court_id=case.court_id,
            case_number=case.case_number,
            category=Category.CONTACT_JUDGE,
            urgency=Urgency.URGENT,
            caller_number=unreached.caller_number,
            content=f"紧急联系法官：{asked_at:%H:%M}来电，法官、庭室和庭长电话均未接通，请尽快回电。",
            by="system",
            call_id=unreached.call_id,
        )

        def division_head_too(contacts: CaseContacts) -> list[Notify]:
            # The judge's own SMS is the urgent order's dispatch; the others hear of it too.
            return [
                notify
                for notify in policy.urgent_unreached_notifications(contacts, unreached.call_id)
                if notify.to_number != (contacts.judge.mobile if contacts.judge else None)
            ]

        await self.create(
            request, urgent_contact_id=unreached.contact_id, also_notify=division_head_too
        )

    async def message_left(
        self,
        call_id: str,
        caller_number: str,
        category: Category,
        court_id: str,
        case_number: str,
        left_at: datetime,
    ) -> bool:
        """A message left in the menu after a verified case query, dispatched to the case's
        judge. False when it cannot be (the case or its handler unknown, no number to call
        back): an agent calls back instead, so the message is never lost."""
        settings = self._settings()
        at = left_at.astimezone(settings.zone)
        request = NewWorkOrder(
            court_id=court_id,
            case_number=case_number,
            category=category,
            urgency=Urgency.NORMAL,
            caller_number=caller_number,
            content=f"当事人{at:%m月%d日%H:%M}致电{settings.hotline_name}并留言，请收听留言录音后回电。",
            by="ivr",
            call_id=call_id,
        )
        try:
            created = await self.create(request)
        except WorkOrderError as exc:
            log.warning(
                "message not filed as a work order; left for an agent to call back",
                call_id=call_id,
                error=str(exc),
            )
            return False
        log.info(
            "message filed as a work order",
            call_id=call_id,
            work_order=created.order.id,
            follow_up=created.follow_up,
        )
        return True

    async def _also(
        self,
        connection: asyncpg.Connection,
        order: WorkOrder,
        contacts: CaseContacts | None,
        also_notify: Callable[[CaseContacts], Sequence[Notify]] | None,
        now: datetime,
        settings: WorkOrderSettings,
    ) -> None:
        if also_notify is None or contacts is None:
            return
        await self._send(connection, order, also_notify(contacts), now, settings)

    # ---- changes by people ---------------------------------------------------------------
    async def reply(self, order_id: int, text: str, by: str) -> WorkOrder:
        return await self._apply(order_id, lifecycle.Reply(text, by))

    async def reply_by_link(self, token: str, text: str) -> WorkOrder:
        """The judge's reply from the SMS link; the link names the order and proves the sender."""
        return await self._apply(self._replying(token), lifecycle.Reply(text, LINK_ACTOR))

    async def phoned_caller_by_link(self, token: str) -> WorkOrder:
        """The handler pressed "我已电话联系当事人" on the page of their reply link."""
        return await self._apply(self._replying(token), lifecycle.PhonedCaller(LINK_ACTOR))

    def _replying(self, token: str) -> int:
        # Only the handler's own link acts on the order; a read-only one is LinkInvalid here.
        return links.verify(
            token, links.LinkPurpose.REPLY, self._clock(), self._settings().link_secret
        )

    async def view_by_link(self, token: str) -> LinkView:
        """The page of an SMS link; raises LinkInvalid, LinkExpired or WorkOrderNotFound."""
        order_id, purpose = self.open_link(token)
        order = await self.get(order_id)
        phoned = policy.phoned_caller_at(await self.history(order_id))
        return LinkView(order, purpose, phoned, self.now())

    def now(self) -> datetime:
        return self._clock()

    @property
    def zone(self) -> ZoneInfo:
        """The courts' time zone, to show stored (UTC) times as people there read them."""
        return self._settings().zone

    def open_link(self, token: str) -> tuple[int, links.LinkPurpose]:
        """The order a link names and what it allows: the handler's reply form, or a read-only
        view (sent to those an escalation presses, who oversee the reply but do not make it)."""
        now, secret = self._clock(), self._settings().link_secret
        try:
            return links.verify(
                token, links.LinkPurpose.REPLY, now, secret
            ), links.LinkPurpose.REPLY
        except LinkInvalid:
            return links.verify(token, links.LinkPurpose.VIEW, now, secret), links.LinkPurpose.VIEW

    async def of_caller(self, caller_number: str) -> list[WorkOrder]:
        """The caller's orders, newest first (the agent's screen pop)."""
        return await self._store.of_caller(caller_number)

    async def close(self, order_id: int, by: str) -> WorkOrder:
        return await self._apply(order_id, lifecycle.Close(by))

    async def reopen(self, order_id: int, reason: str, by: str) -> WorkOrder:
        settings = self._settings()
        current = await self.get(order_id)
        due = policy.due_at(
            self._clock(),
            current.category,
            current.urgency,
            settings.calendar,
            settings.section.policy(),
        )
        return await self._apply(order_id, lifecycle.Reopen(reason, by, due))

    async def get(self, order_id: int) -> WorkOrder:
        order = await self._store.get(order_id)
        if order is None:
            raise WorkOrderNotFound(f"no work order {order_id}")
        return order

    async def history(self, order_id: int) -> list[WorkOrderEvent]:
        return await self._store.events(order_id)

    async def figures(self) -> WorkOrderFigures:
        return await self._store.figures(self._clock())

    # ---- pressing (催办 / 督办) -----------------------------------------------------------
    async def press(self) -> int:
        """Send every reminder and escalation that has come due; returns how many were made.

        One controller at a time: a reminder is judged due before its order is locked, so two
        controllers pressing the same order at once would each send one.
        """
        async with self._store.pool.acquire() as connection:
            if not await connection.fetchval(
                "SELECT pg_try_advisory_lock(hashtext($1))", PRESS_LOCK
            ):
                log.debug("another controller is pressing work orders; skipped")
                return 0
            try:
                return await self._press_due()
            finally:
                await connection.execute("SELECT pg_advisory_unlock(hashtext($1))", PRESS_LOCK)

    async def _press_due(self) -> int:
        settings = self._settings()
        rules = settings.section.policy()
        made = 0
        # One read for all; each change then locks its row and applies to what it finds there.
        for order in await self._store.dispatched():
            assert order.id is not None
            order_id, now = order.id, self._clock()
            level = policy.escalation_level_at(order, now, settings.calendar, rules)
            if level > order.escalation_level:
                contacts = await self._contacts_of(order)
                court = await self._directory.court(order.court_id)
                notices = policy.escalation_notifications(order, level, contacts, court=court)
                await self._apply(order_id, lifecycle.Escalate(level, notices), quietly=True)
                made += 1
            elif policy.reminder_due(order, now, settings.calendar, rules):
                await self._apply(order_id, lifecycle.Remind(), quietly=True)
                made += 1
        return made

    async def run(self) -> None:
        """Press due orders once a minute (and right after an order is created)."""
        while True:
            try:
                made = await self.press()
                if made:
                    log.info("work orders pressed", orders=made)
            except asyncio.CancelledError:
                raise
            except (OSError, asyncpg.PostgresError, WorkOrderError):
                log.exception("pressing work orders failed; trying again shortly")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), PRESS_INTERVAL_S)

    # ---- one change ----------------------------------------------------------------------
    async def _apply(
        self, order_id: int, action: lifecycle.Action, *, quietly: bool = False
    ) -> WorkOrder:
        settings = self._settings()
        current = await self._store.get(order_id)
        contacts = await self._contacts_of(current) if current is not None else None
        async with self._store.pool.acquire() as connection, connection.transaction():
            order = await self._apply_locked(
                connection, order_id, action, self._clock(), settings, contacts
            )
        if not quietly:
            log.info("work order changed", work_order=order_id, action=type(action).__name__)
        return order

    async def _apply_locked(
        self,
        connection: asyncpg.Connection,
        order_id: int,
        action: lifecycle.Action,
        now: datetime,
        settings: WorkOrderSettings,
        contacts: CaseContacts | None,
    ) -> WorkOrder:
        before = await self._store.lock(connection, order_id)
        if before is None:
            raise WorkOrderNotFound(f"no work order {order_id}")
        transition = lifecycle.apply(before, action, now)
        await self._store.update(connection, transition.order)
        await self._store.add_events(connection, order_id, transition.events)
        note = action.note if isinstance(action, lifecycle.FollowUp) else ""
        await self._send(
            connection, transition.order, transition.notifications, now, settings, note
        )
        return transition.order

    async def _send(
        self,
        connection: asyncpg.Connection,
        order: WorkOrder,
        notifications: Sequence[Notify],
        now: datetime,
        settings: WorkOrderSettings,
        note: str = "",
    ) -> None:
        for notify in notifications:
            text = self._render(order, notify, now, settings, note)
            message = OutboxMessage(
                notify.idempotency_key,
                notify.to_number,
                text,
                notify.template.value,
                f"work-order:{order.id}",
            )
            await enqueue(connection, message, now)
            log.info(
                "sms queued",
                work_order=order.id,
                kind=notify.template.value,
                role=notify.to_role.value,
                to=mask_phone(notify.to_number),
            )

    @staticmethod
    def _render(
        order: WorkOrder, notify: Notify, now: datetime, settings: WorkOrderSettings, note: str
    ) -> str:
        section = settings.section
        assert order.id is not None
        # Only the handler replies; whoever an escalation presses gets a read-only view.
        purpose = (
            links.LinkPurpose.REPLY
            if notify.to_role is Recipient.HANDLER
            else links.LinkPurpose.VIEW
        )
        token = links.sign(order.id, purpose, now + section.link_ttl, settings.link_secret)
        link = links.link_url(section.public_url, token)
        name, zone = settings.hotline_name, settings.zone
        match notify.template:
            case Template.DISPATCH:
                return messages.dispatch_sms(order, hotline_name=name, link=link, zone=zone)
            case Template.REMINDER:
                return messages.reminder_sms(order, hotline_name=name, link=link, zone=zone)
            case Template.ESCALATION:
                return messages.escalation_sms(order, hotline_name=name, link=link, zone=zone)
            case Template.FOLLOW_UP:
                return messages.follow_up_sms(
                    order,
                    hotline_name=name,
                    caller_number=order.caller_number,
                    note=note,
                    link=link,
                    zone=zone,
                )
            case Template.REPLY:
                return messages.reply_sms(order, hotline_name=name)
            case Template.URGENT_UNREACHED:
                return messages.urgent_unreached_sms(
                    hotline_name=name,
                    case_number=order.case_number or "",
                    asked_at=order.created_at,
                    caller_number=order.caller_number,
                    zone=zone,
                )
            case _:
                assert_never(notify.template)

    async def _contacts_of(self, order: WorkOrder) -> CaseContacts | None:
        if order.case_number is None:
            return None
        return await self._directory.contacts(order.court_id, order.case_number)

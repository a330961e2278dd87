"""The composition root: opens every resource in order, runs the switch, closes in reverse."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import structlog

from agents.board import SeatBoard
from agents.service import AgentService
from agents.store import AgentStore
from ari import events as ari_events
from ari.client import AriClient
from ari.event_stream import AriEventStream
from ari.tasks import ignore_gone
from callbacks.service import CallbackService
from callbacks.store import CallbackStore
from calls.service import CallService, CaseLookup
from calls.store import CallStore
from cases.directory import PostgresCaseDirectory
from cases.service import CaseQueryService
from cases.store import CaseStore
from config.holder import ConfigHolder
from config.loader import load_config_apart
from config.schema import HotlineConfig
from config.secrets import SecretStore
from config.yaml_positions import ConfigError
from console.live import LiveFeed
from console.service import ConsoleService
from console.store import ConsoleStore
from directory.store import DirectoryStore
from hotline.http import StatusServer
from hotline.metrics import LoopLag
from hotline.settings import (
    Locations,
    call_settings,
    callback_settings,
    configure_board,
    configured_seats,
    consult_settings,
    feature_codes,
    follow_up_dial_settings,
    hq_platform,
    platform_kinds,
    queue_routing,
    retention_settings,
    urgent_settings,
)
from ivr.case_status import answer_for
from ivr.model import CaseAnswered
from ivr.prompts import PromptError, build_prompts, synthesize
from knowledge.service import KnowledgeService
from knowledge.store import KnowledgeStore
from quality.dial import CITIZEN_ARG as FOLLOW_UP_CITIZEN_ARG
from quality.dial import SEAT_ARG as FOLLOW_UP_SEAT_ARG
from quality.dialer import FollowUpDialer
from quality.service import QualityService
from quality.store import QualityStore
from recordings.policy import Retention
from recordings.service import RecordingService
from recordings.store import RecordingStore
from routing.policy import WaitingEntry
from routing.service import Router
from schedule.calendar import WorkdayCalendar
from schedule.hours import SeatHours
from sms.gateway import gateway_from_config
from sms.outbox import OutboxStore
from sms.service import DeliverySettings, SmsDelivery
from store.database import create_pool, migrate
from supervision.service import LEG_APP_ARG as SUPERVISION_APP_ARG
from supervision.service import SupervisionService
from urgent.service import LEG_APP_ARG as URGENT_LEG_APP_ARG
from urgent.service import UrgentContactService
from urgent.store import UrgentStore
from workorders.service import WorkOrderService, WorkOrderSettings
from workorders.store import WorkOrderStore

log = structlog.get_logger(__name__)

# Device-state subscriptions per ARI request (Asterisk takes at most 127 event sources).
SUBSCRIBE_BATCH = 100

# How often expired console sessions and old failed logins are cleared.
CONSOLE_TIDY_S = 3600.0

# How often the config file's modification time is checked.
CONFIG_POLL_S = 2.0


def _file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


# Speech made during calls (a case's status) lives beside the prompts, in its own folder.
SPEECH_SUBDIR = "speech"


def utc_now() -> datetime:
    return datetime.now(UTC)


class Hotline:
    """One running switch. Tests start it in-process; `hotline run` starts it as a service."""

    def __init__(
        self,
        holder: ConfigHolder,
        secrets: SecretStore,
        database: dict[str, Any],
        locations: Locations,
        *,
        clock: Callable[[], datetime] = utc_now,
        status_listen: str | None = None,
        watch_config: bool = True,
    ) -> None:
        self._watch_config = watch_config
        self._reloading: asyncio.Task[bool] | None = None
        self.holder = holder
        self._secrets = secrets
        self._database = database
        self.locations = locations
        self._clock = clock
        self._status_listen = status_listen or holder.current.hotline.status_listen
        self.seats = SeatBoard()
        configure_board(self.seats, holder.current)
        self.agents: AgentService | None = None
        self._settings = call_settings(holder.current, locations)
        self._callback_settings = callback_settings(holder.current)
        self.callbacks: CallbackService | None = None
        self._urgent_settings = urgent_settings(holder.current)
        self.consult_settings = consult_settings(holder.current)
        self.urgent: UrgentContactService | None = None
        self.directory: DirectoryStore | None = None
        self.recordings: RecordingService | None = None
        self.loop_lag = LoopLag()
        self.quality: QualityService | None = None
        self.follow_up_calls: FollowUpDialer | None = None
        self.work_orders: WorkOrderService | None = None
        self.outbox: OutboxStore | None = None
        self._work_order_settings = self._work_orders_from(holder.current)
        self._hours = SeatHours.from_config(holder.current.hours)
        # Calls to the hotline number reach the HQ platform first; its hours decide.
        self._hq_platform = hq_platform(holder.current)
        self.calls: CallService | None = None
        self.router: Router | None = None
        self.events: AriEventStream | None = None
        self.ari: AriClient | None = None
        self.console: ConsoleService | None = None
        self.knowledge: KnowledgeService | None = None
        self.supervision: SupervisionService | None = None
        self.feed: LiveFeed | None = None
        self.pool: asyncpg.Pool | None = None
        self.status_url = ""

    @property
    def clock(self) -> Callable[[], datetime]:
        return self._clock

    @property
    def hq_platform(self) -> str:
        """The HQ platform's id: its users see every court's data."""
        return self._hq_platform

    async def __aenter__(self) -> Hotline:
        self._stack = AsyncExitStack()
        try:
            await self._start(self._stack)
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._stack.aclose()

    async def _start(self, stack: AsyncExitStack) -> None:
        config = self.holder.current
        self.pool = pool = await create_pool(self._database, max_size=config.database.pool_size)
        stack.push_async_callback(pool.close)
        await migrate(pool)

        app = config.hotline.app
        password = self._secrets.resolve(config.asterisk.ari_password)
        self.ari = ari = AriClient(
            config.asterisk.ari_url, config.asterisk.ari_username, password, app=app
        )
        stack.push_async_callback(ari.close)

        self.seats.sync_configured(configured_seats(config), self._clock())

        async def assigned(entry: WaitingEntry, seat_id: str) -> None:
            if callbacks.owns_entry(entry.call_id):
                await callbacks.seat_assigned(entry.call_id, seat_id)
            else:
                await calls.seat_assigned(entry.call_id, seat_id)

        self.router = router = Router(
            self.seats, assigned, self._clock, queue_routing(config), platform_kinds(config)
        )
        self.agents = agents = AgentService(
            self.seats,
            AgentStore(pool),
            ari,
            self._clock,
            speak=self._speak,
            codes=feature_codes(config),
            pause_reasons=tuple(config.agents.pause_reasons),
            status_changed=router.wake,
        )
        restored = await agents.restore()
        log.info("agent status restored", seats=restored)
        stack.push_async_callback(agents.stop)
        self.recordings = recordings = RecordingService(
            RecordingStore(pool),
            self.locations.recordings_spool_dir,
            self.locations.recordings_store_dir,
            config.recordings.format,
            self._clock,
        )

        def next_opening(now: datetime) -> datetime:
            return self._hours.next_opening(self._hq_platform, now)

        self.callbacks = callbacks = CallbackService(
            ari,
            CallbackStore(pool),
            recordings,
            self.seats,
            router,
            lambda: self._callback_settings,
            self._clock,
            next_opening=next_opening,
        )
        stack.push_async_callback(callbacks.stop)
        self.directory = DirectoryStore(pool)
        gateway = gateway_from_config(config.sms, self._secrets)
        stack.push_async_callback(gateway.close)
        delivery = SmsDelivery(pool, gateway, DeliverySettings.from_section(config.sms))
        await delivery.start()
        stack.push_async_callback(delivery.stop)
        self.outbox = OutboxStore(pool)
        self.work_orders = work_orders = WorkOrderService(
            WorkOrderStore(pool), self.directory, lambda: self._work_order_settings, self._clock
        )
        self.urgent = urgent = UrgentContactService(
            ari,
            UrgentStore(pool),
            self.directory,
            lambda: self._urgent_settings,
            self._clock,
            speak=self._speak,
            unreached=work_orders.urgent_unreached,
            hotline_name=f"{config.hotline.numbers[0]}热线",
        )
        interrupted = await urgent.recover()
        if interrupted:
            log.warning("urgent contacts interrupted by a restart", contacts=interrupted)
        stack.push_async_callback(urgent.stop)
        self.calls = calls = CallService(
            ari,
            CallStore(pool),
            recordings,
            self.seats,
            router,
            lambda: self._settings,
            self._clock,
            speak=self._speak,
            look_up_case=self._case_lookup(pool),
            seats_open=lambda now: self._hours.is_open(self._hq_platform, now),
            callbacks=callbacks,
            contacts=urgent,
            message_orders=lambda call, order: work_orders.message_left(
                call.id,
                call.caller_number,
                order.category,
                order.court_id,
                order.case_number,
                self._clock(),
            ),
        )
        urgent.calls = calls
        stack.push_async_callback(calls.stop)
        self.console = ConsoleService(
            ConsoleStore(pool),
            lambda: self.holder.current.console,
            self._clock,
            lambda: [platform.id for platform in self.holder.current.platforms],
        )
        self.knowledge = KnowledgeService(KnowledgeStore(pool), self._clock)
        quality_store = QualityStore(pool)
        self.quality = QualityService(
            quality_store,
            lambda: self.holder.current.quality,
            lambda: self.holder.current.hours.zone,
            self._clock,
        )
        self.follow_up_calls = follow_up_calls = FollowUpDialer(
            ari,
            self.quality,
            quality_store,
            recordings,
            self.seats,
            router,
            lambda: follow_up_dial_settings(self.holder.current),
            self._clock,
        )
        stack.push_async_callback(follow_up_calls.stop)
        self.supervision = supervision = SupervisionService(
            ari, self.seats, calls.call, config.hotline.numbers[0], self._clock
        )
        stack.push_async_callback(supervision.close)
        self.feed = feed = LiveFeed()
        stack.callback(feed.close)
        self.seats.changed = calls.changed = urgent.changed = supervision.changed = feed.notify
        self.holder.on_change(self._config_changed)

        async def connected() -> None:
            # Device states, not endpoint:PJSIP: an endpoint subscription also delivers every
            # event of every channel on the carrier trunk a second time.
            seats = [seat.seat_id for seat in self.seats.seats()]
            # Asterisk refuses more than 127 event sources in one request ("Too many values").
            for start in range(0, len(seats), SUBSCRIBE_BATCH):
                batch = seats[start : start + SUBSCRIBE_BATCH]
                await ari.subscribe(",".join(f"deviceState:PJSIP/{seat}" for seat in batch))
            channels = await calls.resync(app)
            await callbacks.resync(channels)
            for channel_id in channels:
                if urgent.owns_channel(channel_id) and not urgent.tracks(channel_id):
                    log.warning("hanging up an urgent leg left from before", channel=channel_id)
                    await ignore_gone(ari.hangup(channel_id))

        async def route_event(event: ari_events.Event) -> None:
            # Seats dialling feature codes are the agents' business; everything else is a call's.
            if isinstance(event, ari_events.StasisStart):
                if event.args[:1] == ["feature"]:
                    seat_id, dialled = [*event.args[1:3], "", ""][:2]
                    agents.feature_call(event.channel.id, seat_id, dialled)
                    return
                if event.args[:1] in (["callback-seat"], ["callback-citizen"]):
                    await callbacks.handle_event(event)
                    return
                if event.args[:1] == [URGENT_LEG_APP_ARG]:
                    await urgent.handle_event(event)
                    return
                if event.args[:1] == [SUPERVISION_APP_ARG]:
                    await supervision.handle_event(event)
                    return
                if event.args[:1] in ([FOLLOW_UP_SEAT_ARG], [FOLLOW_UP_CITIZEN_ARG]):
                    await follow_up_calls.handle_event(event)
                    return
            elif isinstance(event, ari_events.PlaybackFinished):
                if urgent.owns_channel(event.playback.target_uri.removeprefix("channel:")):
                    await urgent.handle_event(event)
                    return
            elif isinstance(
                event,
                ari_events.StasisEnd | ari_events.ChannelDestroyed | ari_events.ChannelDtmfReceived,
            ) and urgent.owns_channel(event.channel.id):
                await urgent.handle_event(event)
                return
            elif isinstance(
                event,
                ari_events.StasisEnd | ari_events.ChannelDestroyed | ari_events.ChannelLeftBridge,
            ) and supervision.owns_channel(event.channel.id):
                await supervision.handle_event(event)
                return
            elif isinstance(
                event, ari_events.StasisEnd | ari_events.ChannelDestroyed
            ) and callbacks.owns_channel(event.channel.id):
                await callbacks.handle_event(event)
                return
            elif isinstance(
                event, ari_events.StasisEnd | ari_events.ChannelDestroyed
            ) and follow_up_calls.owns_channel(event.channel.id):
                await follow_up_calls.handle_event(event)
                return
            await calls.handle_event(event)

        self.events = AriEventStream(
            config.asterisk.ari_url,
            config.asterisk.ari_username,
            password,
            [app],
            route_event,
            on_connected=connected,
        )
        await self._background(stack, agents.write_changes(), "agent-status-writer")
        await self._background(stack, self.events.run(), "ari-events")
        await self._background(stack, router.run(), "router")
        await self._background(stack, work_orders.run(), "work-orders")
        await self._background(stack, self._tidy_console(), "console-tidy")
        await self._background(stack, self.loop_lag.run(), "loop-lag")
        await self._background(stack, self.quality.run(), "quality")
        await self._background(stack, recordings.run_purge(self._retention), "recordings-retention")
        if self._watch_config:
            await self._background(stack, self.watch_config(), "config-watch")
        status = StatusServer(self, self._secrets.resolve(config.hotline.api_token))
        self.status_url = await status.start(self._status_listen)
        stack.push_async_callback(status.stop)

    def _retention(self) -> tuple[Retention, Callable[[str], str | None]]:
        return retention_settings(self.holder.current)

    async def _tidy_console(self) -> None:
        while True:
            if self.console is not None:
                try:
                    await self.console.tidy()
                except (OSError, asyncpg.PostgresError) as exc:
                    log.warning("could not clear expired console sessions", error=str(exc))
            await asyncio.sleep(CONSOLE_TIDY_S)

    def _work_orders_from(self, config: HotlineConfig) -> WorkOrderSettings:
        section = config.work_orders
        return WorkOrderSettings(
            section,
            self._secrets.resolve(section.link_secret),
            config.hotline.name,
            WorkdayCalendar.from_config(config.hours.calendar, config.hours.zone),
        )

    async def _background(self, stack: AsyncExitStack, work: Any, name: str) -> None:
        task: asyncio.Task[None] = asyncio.create_task(work, name=name)

        async def cancel() -> None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        stack.push_async_callback(cancel)

    def _case_lookup(self, pool: Any) -> CaseLookup:
        case_store = CaseStore(pool)
        service = CaseQueryService(
            PostgresCaseDirectory(case_store),
            case_store,
            self.holder.current.case_query,
            clock=self._clock,
        )

        async def look_up(
            call_id: str, caller: str, code: str, password: str, attempts_before: int
        ) -> CaseAnswered:
            outcome = await service.verify(call_id, caller, code, password, attempts_before)
            return answer_for(outcome, self.holder.current.hours.zone)

        return look_up

    async def _speak(self, text: str) -> str:
        return await synthesize(
            text,
            voice=self.holder.current.prompts.voice,
            out_dir=self.locations.prompts_dir / SPEECH_SUBDIR,
            asterisk_dir=f"{self.locations.prompts_asterisk_dir}/{SPEECH_SUBDIR}",
        )

    def _config_changed(self, config: HotlineConfig) -> None:
        # New calls take the new menu and queues; calls under way keep the version they began with.
        self._settings = call_settings(config, self.locations)
        self._callback_settings = callback_settings(config)
        self._urgent_settings = urgent_settings(config)
        self.consult_settings = consult_settings(config)
        self._work_order_settings = self._work_orders_from(config)
        self._hours = SeatHours.from_config(config.hours)
        self._hq_platform = hq_platform(config)
        configure_board(self.seats, config)
        self.seats.sync_configured(configured_seats(config), self._clock())
        if self.agents:
            self.agents.codes = feature_codes(config)
            self.agents.pause_reasons = tuple(config.agents.pause_reasons)
        if self.router:
            self.router.configure(queue_routing(config), platform_kinds(config))

    def request_reload(self) -> None:
        """From a signal handler: reload in a task, one at a time."""
        if self._reloading is None or self._reloading.done():
            self._reloading = asyncio.create_task(self.reload(), name="config-reload")

    async def reload(self) -> bool:
        """Apply the edited YAML to new calls; a file that fails any check changes nothing."""
        # Parsing and validating the YAML is CPU work holding the GIL: in a process of its own.
        try:
            config = await load_config_apart(self.holder.path)
        except ConfigError as exc:
            self.holder.reject([str(issue) for issue in exc.issues])
            return False
        try:
            # Prompts first, so no new call can reach a prompt that has no audio yet.
            await asyncio.to_thread(
                build_prompts,
                config.prompts,
                self.locations.prompts_dir,
                base_dir=self.holder.path.parent,
            )
        except PromptError as exc:
            self.holder.reject([f"{self.holder.path}: prompts: {exc}"])
            return False
        self.holder.apply(config)
        return True

    async def watch_config(self, interval: float | None = None) -> None:
        """Reload when the file changes (a cheap stat every few seconds; editors replace files)."""
        last = _file_stamp(self.holder.path)
        while True:
            await asyncio.sleep(interval or CONFIG_POLL_S)
            stamp = _file_stamp(self.holder.path)
            if stamp != last and stamp is not None:
                last = stamp
                log.info("config file changed; reloading", path=str(self.holder.path))
                await self.reload()

    async def wait_ready(self, seconds: float = 15.0) -> None:
        assert self.events is not None
        async with asyncio.timeout(seconds):
            await self.events.wait_connected()


@contextlib.asynccontextmanager
async def signals_handled(hotline: Hotline) -> AsyncIterator[asyncio.Event]:
    """SIGINT/SIGTERM stop the switch; SIGHUP reloads the config (rejected edits change nothing)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGHUP, hotline.request_reload)
    try:
        yield stop
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(signum)

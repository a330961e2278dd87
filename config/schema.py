"""The schema of the YAML file admins edit: platforms, seats, queues, the IVR and its prompts."""

from __future__ import annotations

import enum
import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator

from calls.config import TransferSection
from cases.config import CaseQueryPolicy
from config.base import SECRET_REFERENCE, SecretReference, Strict
from console.config import ConsoleSection
from ivr.model import Key, Node, SurveySection
from quality.config import QualitySection
from recordings.config import RetentionSection
from routing.policy import PlatformKind, Strategy
from schedule.config import HoursSection
from sms.config import SmsSection
from urgent.config import UrgentSection
from workorders.config import WorkOrdersSection

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
SeatId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]
Digits = Annotated[str, Field(pattern=r"^[0-9]{3,20}$")]
FeatureCode = Annotated[str, Field(pattern=r"^\*[0-9]{2,4}$")]
__all__ = ["SECRET_REFERENCE", "PlatformKind", "SecretReference", "Strategy"]  # named in YAML


class Skill(enum.StrEnum):
    CONSULTATION = "consultation"
    CASE_QUERY = "case_query"
    CONTACT_JUDGE = "contact_judge"
    COMPLAINT = "complaint"
    DOCKETING_SUPERVISION = "docketing_supervision"
    APPOINTMENT = "appointment"
    ONLINE_PLATFORM = "online_platform"


class HotlineSection(Strict):
    name: str = "12368诉讼服务热线"
    app: Identifier = "hotline"
    numbers: list[Digits] = Field(default_factory=lambda: ["12368"], min_length=1)
    status_listen: str = "127.0.0.1:8368"
    # Bearer token for the API's changes (agent status); reads need none on loopback.
    api_token: SecretReference = SecretReference("secret:api")

    @field_validator("status_listen")
    @classmethod
    def _loopback_or_address(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be HOST:PORT, e.g. 127.0.0.1:8368")
        return value


class CarrierSection(Strict):
    name: Identifier
    address: str
    # Where calls out through this trunk go (HOST:PORT): callbacks to citizens who asked for
    # one. Without it the trunk takes calls in only.
    outbound: str | None = None

    @field_validator("outbound")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be HOST:PORT, e.g. 203.0.113.7:5060")
        ipaddress.ip_address(host)
        return value

    @field_validator("address")
    @classmethod
    def _ip(cls, value: str) -> str:
        ipaddress.ip_address(value)
        return value


class AsteriskSection(Strict):
    ari_url: str = "http://127.0.0.1:8088"
    ari_username: str = "hotline"
    ari_password: SecretReference = SecretReference("secret:ari")
    sip_address: str = "127.0.0.1"
    sip_port: int = Field(5060, gt=0, lt=65536)
    http_port: int = Field(8088, gt=0, lt=65536)
    carriers: list[CarrierSection] = Field(
        default_factory=lambda: [CarrierSection(name="carrier", address="127.0.0.2")]
    )

    @field_validator("ari_url")
    @classmethod
    def _http_url_without_credentials(cls, value: str) -> str:
        if not re.match(r"^https?://[^/@\s]+(:\d+)?/?$", value):
            raise ValueError("must be http(s)://HOST:PORT with no path and no credentials")
        return value.rstrip("/")

    @property
    def outbound_carrier(self) -> str | None:
        """The trunk the switch dials out on (judges, callbacks, litigants); None: no dial-out."""
        return next((c.name for c in self.carriers if c.outbound), None)


class DatabaseSection(Strict):
    url: str | None = None
    password: SecretReference | None = None
    pool_size: int = Field(10, ge=1, le=100)


class RecordingsSection(Strict):
    store_dir: Path = Path("var/recordings")
    spool_dir: Path = Path("/var/spool/asterisk/recording")
    format: str = Field("wav", pattern=r"^(wav|gsm|sln)$")
    # How long recordings are kept; the controller deletes expired ones (hourly) and logs each.
    retention: RetentionSection = Field(default_factory=RetentionSection)


class Prompt(Strict):
    text: str = Field(min_length=1)
    file: Path | None = None


class PromptsSection(Strict):
    # "cmn" in espeak-ng 1.51 (Debian 12) reads pinyin as English; this variant reads it right.
    voice: str = "cmn-latn-pinyin"
    dir: Path = Path("var/prompts")
    asterisk_dir: str = "/var/lib/asterisk/sounds/hotline"
    items: dict[Identifier, Prompt]


class IvrSection(Strict):
    """The menu graph. `agent_key` reaches an agent from any menu; `back_key` goes back."""

    start: Identifier
    nodes: dict[Identifier, Node] = Field(min_length=1)
    agent_key: Key | None = "0"
    agent_queue: Identifier
    back_key: Key | None = "*"
    invalid: Identifier
    goodbye: Identifier
    input_timeout_s: float = Field(6.0, gt=0, le=60)
    retries: int = Field(3, ge=1, le=9)
    survey: SurveySection | None = None
    after_hours: Identifier | None = None  # node reached instead of a queue when seats close


class Platform(Strict):
    id: Identifier
    name: str = Field(min_length=1)
    kind: PlatformKind
    # Numbers (DIDs) the carrier sends for this court: callers on them are its court's calls
    # and reach its seats first. Calls on the hotline numbers belong to the HQ platform.
    numbers: list[Digits] = Field(default_factory=list)


class Seat(Strict):
    id: SeatId
    platform: Identifier
    name: str = Field(min_length=1)
    skills: list[Skill] = Field(min_length=1)
    password: SecretReference


class Tier(Strict):
    """From `after_s` of waiting on, these platforms' seats are offered the call too.

    `platforms` holds platform ids or: home (the call's own court), hq, branches, all.
    """

    after_s: int = Field(ge=0, le=7200)
    platforms: list[Identifier] = Field(min_length=1)


def _default_tiers() -> list[Tier]:
    return [
        Tier(after_s=0, platforms=["home"]),
        Tier(after_s=20, platforms=["hq"]),
        Tier(after_s=45, platforms=["all"]),
    ]


class MaxWaitOffer(Strict):
    """What a caller who has waited `max_wait_s` is offered instead of waiting on."""

    prompt: Identifier  # e.g. "留言请按1，等待回电请按2"
    message_key: Key | None = "1"
    message_node: Identifier | None = None  # a `message` node of the IVR
    callback_key: Key | None = "2"
    timeout_s: int = Field(8, ge=2, le=60)


class Queue(Strict):
    id: Identifier
    name: str = Field(min_length=1)
    skill: Skill
    hold_prompt: Identifier
    ring_timeout_s: int = Field(15, ge=5, le=120)
    wrap_up_s: int = Field(15, ge=0, le=600)
    max_wait_s: int = Field(900, ge=10, le=7200)
    strategy: Strategy = Strategy.LEAST_BUSY
    tiers: list[Tier] = Field(default_factory=_default_tiers, min_length=1)
    priority: int = Field(0, ge=-9, le=9)  # higher is served first, across queues
    # Position and expected wait are announced this often while waiting (0: never).
    announce_every_s: int = Field(0, ge=0, le=600)
    # Pressed while waiting: hang up, keep the place in line, be called back (None: not offered).
    callback_key: Key | None = None
    callback_prompt: Identifier | None = None  # confirms the callback before hanging up
    max_wait_offer: MaxWaitOffer | None = None

    @field_validator("tiers")
    @classmethod
    def _tiers_in_order(cls, tiers: list[Tier]) -> list[Tier]:
        if tiers[0].after_s != 0:
            raise ValueError("the first tier must start at after_s: 0")
        waits = [tier.after_s for tier in tiers]
        if waits != sorted(set(waits)):
            raise ValueError("tiers must have increasing after_s")
        return tiers


class AgentsSection(Strict):
    """Agent status: how seats start, when the switch pauses one, the softphone feature codes."""

    # The status of a seat the database knows nothing about yet.
    initial_status: Literal["available", "logged_out"] = "available"
    # A seat that leaves this many offers in a row unanswered is paused ("no-answer"); 0: never.
    max_no_answers: int = Field(3, ge=0, le=20)
    pause_reasons: list[Identifier] = Field(
        default_factory=lambda: ["break", "meal", "training", "meeting"], min_length=1
    )
    # Dialled on the softphone. Pause takes an optional digit after the code: the reason's
    # position in pause_reasons (1 = the first); without one the first reason is used.
    login_code: FeatureCode = "*21"
    logout_code: FeatureCode = "*22"
    pause_code: FeatureCode = "*23"
    resume_code: FeatureCode = "*24"
    # A caller who hangs up after waiting at least this long is put on the callback list.
    abandoned_callback_after_s: int = Field(5, ge=0, le=600)
    # How callbacks dial: ring the citizen this long, this many times, this far apart.
    callback_ring_s: int = Field(30, ge=10, le=120)
    callback_attempts: int = Field(3, ge=1, le=10)
    callback_retry_s: int = Field(600, ge=30, le=86400)


class HotlineConfig(Strict):
    hotline: HotlineSection = Field(default_factory=HotlineSection)
    asterisk: AsteriskSection = Field(default_factory=AsteriskSection)
    database: DatabaseSection = Field(default_factory=DatabaseSection)
    recordings: RecordingsSection = Field(default_factory=RecordingsSection)
    hours: HoursSection = Field(default_factory=HoursSection)
    case_query: CaseQueryPolicy = Field(default_factory=CaseQueryPolicy)
    agents: AgentsSection = Field(default_factory=AgentsSection)
    # Urgent contact with the judge (agent-started, or an `urgent_contact` IVR node); None: off.
    urgent: UrgentSection | None = None
    work_orders: WorkOrdersSection = Field(default_factory=WorkOrdersSection)
    # Where SMS go: "log" (development, the default) or a generic HTTP gateway.
    sms: SmsSection = Field(default_factory=SmsSection)
    console: ConsoleSection = Field(default_factory=ConsoleSection)
    # Consulting judges an agent may consult and hand a caller to (咨询转接).
    transfer: TransferSection = Field(default_factory=TransferSection)
    # Follow-up callbacks on a weekly sample of closed work orders, and their grading (质检回访).
    quality: QualitySection = Field(default_factory=QualitySection)
    prompts: PromptsSection
    ivr: IvrSection
    platforms: list[Platform] = Field(min_length=1)
    seats: list[Seat] = Field(default_factory=list)
    queues: list[Queue] = Field(min_length=1)

    def routed_numbers(self) -> list[str]:
        """Every number the carrier may send: the hotline's own, then each court's."""
        return [*self.hotline.numbers, *(n for p in self.platforms for n in p.numbers)]

    def queue(self, queue_id: str) -> Queue:
        return next(queue for queue in self.queues if queue.id == queue_id)

    def platform(self, platform_id: str) -> Platform:
        return next(platform for platform in self.platforms if platform.id == platform_id)

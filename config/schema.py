"""The schema of the YAML file admins edit: platforms, seats, queues, the IVR and its prompts."""

from __future__ import annotations

import enum
import ipaddress
import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator

from cases.config import CaseQueryPolicy
from config.base import Strict
from ivr.model import Key, Node, SurveySection
from schedule.config import HoursSection

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
SeatId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]
Digits = Annotated[str, Field(pattern=r"^[0-9]{3,20}$")]
SECRET_REFERENCE = re.compile(r"^(secret|env):[A-Za-z0-9_.-]{1,64}$")


class SecretReference(str):
    """`secret:NAME` (a file in the secrets dir) or `env:NAME`; never the secret itself."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: object, handler: object) -> object:
        from pydantic_core import core_schema

        def validate(value: str) -> SecretReference:
            if not SECRET_REFERENCE.match(value):
                raise ValueError(
                    "must be a reference like 'secret:NAME' or 'env:NAME', not the secret itself"
                )
            return cls(value)

        return core_schema.no_info_after_validator_function(validate, core_schema.str_schema())


class PlatformKind(enum.StrEnum):
    HQ = "hq"
    BRANCH = "branch"


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


class DatabaseSection(Strict):
    url: str | None = None
    password: SecretReference | None = None
    pool_size: int = Field(10, ge=1, le=100)


class RecordingsSection(Strict):
    store_dir: Path = Path("var/recordings")
    spool_dir: Path = Path("/var/spool/asterisk/recording")
    format: str = Field("wav", pattern=r"^(wav|gsm|sln)$")


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


class Seat(Strict):
    id: SeatId
    platform: Identifier
    name: str = Field(min_length=1)
    skills: list[Skill] = Field(min_length=1)
    password: SecretReference


class Queue(Strict):
    id: Identifier
    name: str = Field(min_length=1)
    skill: Skill
    hold_prompt: Identifier
    ring_timeout_s: int = Field(15, ge=5, le=120)
    wrap_up_s: int = Field(15, ge=0, le=600)
    max_wait_s: int = Field(900, ge=10, le=7200)


class HotlineConfig(Strict):
    hotline: HotlineSection = Field(default_factory=HotlineSection)
    asterisk: AsteriskSection = Field(default_factory=AsteriskSection)
    database: DatabaseSection = Field(default_factory=DatabaseSection)
    recordings: RecordingsSection = Field(default_factory=RecordingsSection)
    hours: HoursSection = Field(default_factory=HoursSection)
    case_query: CaseQueryPolicy = Field(default_factory=CaseQueryPolicy)
    prompts: PromptsSection
    ivr: IvrSection
    platforms: list[Platform] = Field(min_length=1)
    seats: list[Seat] = Field(default_factory=list)
    queues: list[Queue] = Field(min_length=1)

    def queue(self, queue_id: str) -> Queue:
        return next(queue for queue in self.queues if queue.id == queue_id)

    def platform(self, platform_id: str) -> Platform:
        return next(platform for platform in self.platforms if platform.id == platform_id)

"""The IVR as plain data: the YAML menu graph, the caller's place in it, events, actions."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator

from config.base import Strict
from workorders.model import Category

NodeId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
PromptId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]


def _key_text(value: object) -> object:
    # Admins write `1: consultation` and `agent_key: 0`; YAML reads those as integers.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Key = Annotated[str, BeforeValidator(_key_text), Field(pattern=r"^[0-9*#]$")]


# ---- the graph, as admins write it in YAML ------------------------------------------------
class MenuNode(Strict):
    """Plays its prompts and waits for one key; a key stops the prompt (barge-in)."""

    type: Literal["menu"]
    prompts: list[PromptId] = Field(min_length=1)
    choices: dict[Key, NodeId] = Field(min_length=1)

    @field_validator("choices", mode="before")
    @classmethod
    def _keys_as_text(cls, value: object) -> object:
        if isinstance(value, dict):
            return {_key_text(key): target for key, target in value.items()}
        return value

    timeout_s: float | None = Field(None, gt=0, le=60)
    retries: int | None = Field(None, ge=1, le=9)


class PlayNode(Strict):
    type: Literal["play"]
    prompts: list[PromptId] = Field(min_length=1)
    next: NodeId


class QueueNode(Strict):
    """Hands the caller to a queue of seats (with the queue's skill)."""

    type: Literal["queue"]
    queue: str
    prompts: list[PromptId] = Field(default_factory=list)


class CollectNode(Strict):
    """Collects digits: ends on the terminator, at max_digits, or a pause after min_digits."""

    type: Literal["collect"]
    prompt: PromptId
    store_as: NodeId
    next: NodeId
    min_digits: int = Field(1, ge=1, le=32)
    max_digits: int = Field(20, ge=1, le=32)
    terminator: Key | None = "#"
    inter_digit_timeout_s: float = Field(4.0, gt=0, le=30)


class CaseQueryNode(Strict):
    """Case query code, then password; the case's status is read out."""

    type: Literal["case_query"]
    code_prompt: PromptId
    password_prompt: PromptId
    wrong_prompt: PromptId
    agent_prompt: PromptId  # played before handing over when self-service is refused
    next: NodeId
    agent_queue: str


class MessageNode(Strict):
    """Records a message after a beep (# ends it); an agent calls back when seats open.

    With `work_order`, a caller who verified a case earlier in the call has the message
    dispatched to that case's judge as a work order of this category instead (the judge calls
    back; reminders and escalation follow). Without a verified case an agent still calls back.
    """

    type: Literal["message"]
    prompt: PromptId
    thanks: PromptId
    max_seconds: int = Field(120, ge=10, le=600)
    work_order: Category | None = None


class SurveySection(Strict):
    """Asked when the seat hangs up first: how satisfied was the caller?"""

    prompt: PromptId
    thanks: PromptId
    choices: dict[Key, Annotated[str, Field(pattern=r"^[a-z_]{1,20}$")]] = Field(
        default_factory=lambda: {"1": "satisfied", "2": "unsatisfied"}, min_length=1
    )
    timeout_s: float = Field(8.0, gt=0, le=60)

    @field_validator("choices", mode="before")
    @classmethod
    def _keys_as_text(cls, value: object) -> object:
        if isinstance(value, dict):
            return {_key_text(key): answer for key, answer in value.items()}
        return value


class UrgentContactNode(Strict):
    """Urgent contact with the judge of the case the caller has just verified (case_query).

    A caller with no verified case goes to `unverified` (e.g. the case query); a contact that
    cannot be made (no number for the case, too many requests) goes to `refused`.
    """

    type: Literal["urgent_contact"]
    unverified: NodeId
    refused: NodeId


class HangupNode(Strict):
    type: Literal["hangup"]
    prompts: list[PromptId] = Field(default_factory=list)


Node = Annotated[
    MenuNode
    | PlayNode
    | QueueNode
    | CollectNode
    | CaseQueryNode
    | HangupNode
    | MessageNode
    | UrgentContactNode,
    Field(discriminator="type"),
]


# ---- the caller's place in it -------------------------------------------------------------
class IvrStep(enum.StrEnum):
    PROMPTING = "prompting"  # the node's prompt plays
    AWAITING_INPUT = "awaiting_input"
    COLLECTING = "collecting"  # some digits typed, more may come
    LOOKING_UP = "looking_up"  # waiting for the case system
    SAYING_GOODBYE = "saying_goodbye"
    RECORDING = "recording"  # the caller is leaving a message
    ROUTING = "routing"  # a prompt plays before the caller goes to a queue
    CONTACTING = "contacting"  # the call rings the judge's chain; the IVR waits for the outcome
    DONE = "done"


class Phase(enum.StrEnum):
    """Which entry a multi-entry node is waiting for."""

    NONE = "none"
    CODE = "code"
    PASSWORD = "password"  # noqa: S105 - a phase name, not a secret
    STATUS = "status"  # the case status is being read


@dataclass(frozen=True)
class IvrState:
    node: str
    step: IvrStep
    attempts_left: int
    phase: Phase = Phase.NONE
    digits: str = ""
    history: tuple[str, ...] = ()  # nodes to go back to with the back key
    visited: tuple[str, ...] = ()  # every node entered, in order (the agent's screen pop)
    values: tuple[tuple[str, str], ...] = ()  # what collect nodes stored
    self_service_done: bool = False
    case_attempts: int = 0  # case queries tried in this call
    message_taken: bool = False  # the caller has started leaving a message
    # The message becomes a work order of this category for the verified case.
    message_work_order: Category | None = None
    route_to: str | None = None  # the queue a ROUTING step leads to
    verified_case: tuple[str, str] | None = None  # (court id, case number) after a case query

    def value(self, name: str) -> str | None:
        return dict(self.values).get(name)


# ---- events the IVR understands -----------------------------------------------------------
@dataclass(frozen=True)
class Started:
    pass


@dataclass(frozen=True)
class PromptFinished:
    pass


@dataclass(frozen=True)
class KeyPressed:
    digit: str


@dataclass(frozen=True)
class InputTimedOut:
    pass


class CaseAnswerKind(enum.StrEnum):
    FOUND = "found"
    WRONG = "wrong"  # wrong code or password; the caller may try again
    REFUSED = "refused"  # attempts used up, or locked out: hand over to an agent


@dataclass(frozen=True)
class CaseAnswered:
    kind: CaseAnswerKind
    status_text: str | None = None
    case: tuple[str, str] | None = None  # (court id, case number) when found


@dataclass(frozen=True)
class MessageRecorded:
    pass


@dataclass(frozen=True)
class ContactRefused:
    pass


IvrEvent = (
    Started
    | PromptFinished
    | KeyPressed
    | InputTimedOut
    | CaseAnswered
    | MessageRecorded
    | ContactRefused
)


# ---- what the IVR asks the call to do -----------------------------------------------------
@dataclass(frozen=True)
class Speech:
    """Text known only during the call, synthesised on the fly."""

    text: str


PromptItem = str | Speech


@dataclass(frozen=True)
class Play:
    prompts: tuple[PromptItem, ...]


@dataclass(frozen=True)
class StopPrompt:
    pass


@dataclass(frozen=True)
class WaitForInput:
    seconds: float


@dataclass(frozen=True)
class RouteToQueue:
    queue_id: str


@dataclass(frozen=True)
class LookUpCase:
    query_code: str
    password: str = field(repr=False)
    attempts_before: int = 0


@dataclass(frozen=True)
class RecordMessage:
    max_seconds: int


@dataclass(frozen=True)
class Finish:
    reason: str  # an EndReason value


@dataclass(frozen=True)
class ContactJudge:
    court_id: str
    case_number: str


IvrAction = (
    Play
    | StopPrompt
    | WaitForInput
    | RouteToQueue
    | LookUpCase
    | RecordMessage
    | ContactJudge
    | Finish
)

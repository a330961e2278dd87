"""The IVR menu as plain data, built from the YAML, and its steps, events and actions."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from config.schema import IvrSection


@dataclass(frozen=True)
class Menu:
    greeting: tuple[str, ...]
    menu: str
    invalid: str
    goodbye: str
    agent_key: str
    agent_queue: str
    input_timeout_s: float
    retries: int

    @classmethod
    def from_config(cls, section: IvrSection) -> Menu:
        return cls(
            greeting=tuple(section.greeting),
            menu=section.menu,
            invalid=section.invalid,
            goodbye=section.goodbye,
            agent_key=section.agent_key,
            agent_queue=section.agent_queue,
            input_timeout_s=section.input_timeout_s,
            retries=section.retries,
        )


class IvrStep(enum.StrEnum):
    PROMPTING = "prompting"  # a menu prompt plays; a key stops it
    AWAITING_INPUT = "awaiting_input"
    SAYING_GOODBYE = "saying_goodbye"
    DONE = "done"


@dataclass(frozen=True)
class IvrState:
    step: IvrStep
    attempts_left: int


# Events the IVR understands.
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


IvrEvent = Started | PromptFinished | KeyPressed | InputTimedOut


# What the IVR asks the call to do.
@dataclass(frozen=True)
class Play:
    prompts: tuple[str, ...]


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
class Finish:
    reason: str  # why the IVR ended the call, e.g. "no_input"


IvrAction = Play | StopPrompt | WaitForInput | RouteToQueue | Finish

"""The IVR state machine: (menu, state, event) -> (state, actions). Pure; no I/O."""

from __future__ import annotations

from typing import assert_never

from ivr.model import (
    Finish,
    InputTimedOut,
    IvrAction,
    IvrEvent,
    IvrState,
    IvrStep,
    KeyPressed,
    Menu,
    Play,
    PromptFinished,
    RouteToQueue,
    Started,
    StopPrompt,
    WaitForInput,
)

Result = tuple[IvrState, list[IvrAction]]


def start(menu: Menu) -> Result:
    return IvrState(IvrStep.PROMPTING, menu.retries), [Play((*menu.greeting, menu.menu))]


def _retry_or_goodbye(menu: Menu, state: IvrState, first: tuple[str, ...]) -> Result:
    attempts_left = state.attempts_left - 1
    if attempts_left <= 0:
        return IvrState(IvrStep.SAYING_GOODBYE, 0), [Play((menu.goodbye,))]
    return IvrState(IvrStep.PROMPTING, attempts_left), [Play((*first, menu.menu))]


def decide(menu: Menu, state: IvrState, event: IvrEvent) -> Result | None:
    """The next state and actions, or None when the event means nothing in this state."""
    match event:
        case Started():
            return start(menu)
        case KeyPressed(digit):
            if state.step not in (IvrStep.PROMPTING, IvrStep.AWAITING_INPUT):
                return None
            # Barge-in: a key stops whatever is being said.
            stop: list[IvrAction] = [StopPrompt()] if state.step is IvrStep.PROMPTING else []
            if digit == menu.agent_key:
                return IvrState(IvrStep.DONE, state.attempts_left), [
                    *stop,
                    RouteToQueue(menu.agent_queue),
                ]
            next_state, actions = _retry_or_goodbye(menu, state, (menu.invalid,))
            return next_state, [*stop, *actions]
        case PromptFinished():
            if state.step is IvrStep.PROMPTING:
                return IvrState(IvrStep.AWAITING_INPUT, state.attempts_left), [
                    WaitForInput(menu.input_timeout_s)
                ]
            if state.step is IvrStep.SAYING_GOODBYE:
                return IvrState(IvrStep.DONE, 0), [Finish("no_input")]
            return None
        case InputTimedOut():
            if state.step is not IvrStep.AWAITING_INPUT:
                return None
            return _retry_or_goodbye(menu, state, ())
        case _:
            assert_never(event)

"""The IVR state machine: every step against every event, and running out of attempts."""

from __future__ import annotations

import pytest

from config.schema import IvrSection
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
from ivr.state import decide, start

MENU = Menu(
    greeting=("welcome", "recording_notice"),
    menu="menu",
    invalid="invalid",
    goodbye="goodbye",
    agent_key="0",
    agent_queue="general",
    input_timeout_s=6.0,
    retries=3,
)

PROMPTING = IvrStep.PROMPTING
AWAITING = IvrStep.AWAITING_INPUT
GOODBYE = IvrStep.SAYING_GOODBYE
DONE = IvrStep.DONE


def test_start_plays_greeting_then_menu_with_all_attempts() -> None:
    state, actions = start(MENU)

    assert state == IvrState(PROMPTING, 3)
    assert actions == [Play(("welcome", "recording_notice", "menu"))]


@pytest.mark.parametrize("step", list(IvrStep), ids=str)
def test_started_event_restarts_the_menu_from_any_step(step: IvrStep) -> None:
    assert decide(MENU, IvrState(step, 1), Started()) == start(MENU)


EDGES = [
    # (step, attempts_left, event, expected state, expected actions)
    pytest.param(
        PROMPTING, 3, PromptFinished(),
        IvrState(AWAITING, 3), [WaitForInput(6.0)],
        id="prompt-finished-waits-for-input",
    ),
    pytest.param(
        PROMPTING, 3, KeyPressed("0"),
        IvrState(DONE, 3), [StopPrompt(), RouteToQueue("general")],
        id="agent-key-during-prompt-stops-prompt-and-routes",
    ),
    pytest.param(
        AWAITING, 2, KeyPressed("0"),
        IvrState(DONE, 2), [RouteToQueue("general")],
        id="agent-key-while-awaiting-routes-without-stop",
    ),
    pytest.param(
        PROMPTING, 3, KeyPressed("7"),
        IvrState(PROMPTING, 2), [StopPrompt(), Play(("invalid", "menu"))],
        id="invalid-key-during-prompt-stops-then-invalid-and-menu",
    ),
    pytest.param(
        AWAITING, 3, KeyPressed("#"),
        IvrState(PROMPTING, 2), [Play(("invalid", "menu"))],
        id="invalid-key-while-awaiting-plays-invalid-and-menu",
    ),
    pytest.param(
        AWAITING, 3, InputTimedOut(),
        IvrState(PROMPTING, 2), [Play(("menu",))],
        id="timeout-replays-menu",
    ),
    pytest.param(
        AWAITING, 1, InputTimedOut(),
        IvrState(GOODBYE, 0), [Play(("goodbye",))],
        id="timeout-on-last-attempt-says-goodbye",
    ),
    pytest.param(
        AWAITING, 1, KeyPressed("9"),
        IvrState(GOODBYE, 0), [Play(("goodbye",))],
        id="invalid-key-on-last-attempt-says-goodbye",
    ),
    pytest.param(
        PROMPTING, 1, KeyPressed("9"),
        IvrState(GOODBYE, 0), [StopPrompt(), Play(("goodbye",))],
        id="invalid-key-during-last-prompt-stops-it-and-says-goodbye",
    ),
    pytest.param(
        AWAITING, 1, KeyPressed("0"),
        IvrState(DONE, 1), [RouteToQueue("general")],
        id="agent-key-on-last-attempt-still-routes",
    ),
    pytest.param(
        GOODBYE, 0, PromptFinished(),
        IvrState(DONE, 0), [Finish("no_input")],
        id="goodbye-finished-ends-with-no-input",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("step", "attempts", "event", "expected", "actions"), EDGES)
def test_step_and_event_give_next_state_and_actions(
    step: IvrStep,
    attempts: int,
    event: IvrEvent,
    expected: IvrState,
    actions: list[IvrAction],
) -> None:
    assert decide(MENU, IvrState(step, attempts), event) == (expected, actions)


MEANINGLESS = [
    pytest.param(PROMPTING, InputTimedOut(), id="timeout-while-prompting"),
    pytest.param(AWAITING, PromptFinished(), id="prompt-finished-while-awaiting"),
    pytest.param(GOODBYE, KeyPressed("0"), id="agent-key-during-goodbye"),
    pytest.param(GOODBYE, KeyPressed("5"), id="other-key-during-goodbye"),
    pytest.param(GOODBYE, InputTimedOut(), id="timeout-during-goodbye"),
    pytest.param(DONE, KeyPressed("0"), id="key-when-done"),
    pytest.param(DONE, InputTimedOut(), id="timeout-when-done"),
    pytest.param(DONE, PromptFinished(), id="prompt-finished-when-done"),
]


@pytest.mark.parametrize(("step", "event"), MEANINGLESS)
def test_event_that_means_nothing_in_this_step_is_ignored(step: IvrStep, event: IvrEvent) -> None:
    assert decide(MENU, IvrState(step, 2), event) is None


def run(events: list[IvrEvent]) -> tuple[IvrState, list[list[IvrAction]]]:
    state, first = start(MENU)
    history = [first]
    for event in events:
        result = decide(MENU, state, event)
        assert result is not None, f"{event} ignored in {state}"
        state, actions = result
        history.append(actions)
    return state, history


LISTEN = PromptFinished()
TIMEOUT = InputTimedOut()
WRONG = KeyPressed("5")


@pytest.mark.parametrize(
    "failures",
    [
        pytest.param([[LISTEN, TIMEOUT]] * 3, id="three-timeouts"),
        pytest.param([[LISTEN, WRONG]] * 3, id="three-invalid-keys"),
        pytest.param([[WRONG]] * 3, id="three-invalid-keys-barging-in"),
        pytest.param([[LISTEN, TIMEOUT], [WRONG], [LISTEN, TIMEOUT]], id="mixed"),
    ],
)
def test_retries_exhausted_says_goodbye_then_finishes_with_no_input(
    failures: list[list[IvrEvent]],
) -> None:
    # The first two failures each bring the menu back with one attempt fewer.
    state, _ = run([event for failure in failures[:2] for event in failure])
    assert state == IvrState(PROMPTING, 1)

    state, history = run([event for failure in failures for event in failure])
    assert state == IvrState(GOODBYE, 0)
    assert history[-1][-1] == Play(("goodbye",))
    assert all(Play(("goodbye",)) not in actions for actions in history[:-1]), (
        "goodbye played before the attempts ran out"
    )

    finished = decide(MENU, state, PromptFinished())
    assert finished == (IvrState(DONE, 0), [Finish("no_input")])


def test_single_attempt_menu_says_goodbye_after_first_timeout() -> None:
    menu = Menu(("welcome",), "menu", "invalid", "goodbye", "0", "general", 4.0, retries=1)
    state, _ = start(menu)
    waiting = decide(menu, state, PromptFinished())
    assert waiting == (IvrState(AWAITING, 1), [WaitForInput(4.0)])

    assert decide(menu, waiting[0], InputTimedOut()) == (IvrState(GOODBYE, 0), [Play(("goodbye",))])


def test_custom_agent_key_routes_and_zero_becomes_invalid() -> None:
    menu = Menu(("welcome",), "menu", "invalid", "goodbye", "9", "judges", 6.0, retries=3)
    awaiting = IvrState(AWAITING, 3)

    assert decide(menu, awaiting, KeyPressed("9")) == (IvrState(DONE, 3), [RouteToQueue("judges")])
    assert decide(menu, awaiting, KeyPressed("0")) == (
        IvrState(PROMPTING, 2),
        [Play(("invalid", "menu"))],
    )


def test_menu_from_config_copies_every_setting() -> None:
    section = IvrSection(
        greeting=["welcome", "recording_notice"],
        menu="menu",
        invalid="invalid",
        goodbye="goodbye",
        agent_key="*",
        agent_queue="general",
        input_timeout_s=8,
        retries=2,
    )

    assert Menu.from_config(section) == Menu(
        ("welcome", "recording_notice"), "menu", "invalid", "goodbye", "*", "general", 8.0, 2
    )

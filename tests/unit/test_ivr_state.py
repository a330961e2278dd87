"""The IVR menu engine, node type by node type and edge by edge, as tables of events."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ivr.model import (
    CaseAnswered,
    CaseAnswerKind,
    CaseQueryNode,
    CollectNode,
    Finish,
    HangupNode,
    InputTimedOut,
    IvrAction,
    IvrEvent,
    IvrState,
    IvrStep,
    KeyPressed,
    LookUpCase,
    MenuNode,
    MessageNode,
    MessageRecorded,
    Play,
    PlayNode,
    PromptFinished,
    QueueNode,
    RecordMessage,
    RouteToQueue,
    Speech,
    StopPrompt,
    WaitForInput,
)
from ivr.state import MAX_VISITED, IvrProgram, decide, enter, start
from workorders.model import Category

PROGRAM = IvrProgram(
    start="greet",
    nodes={
        "greet": PlayNode(type="play", prompts=["welcome"], next="main"),
        "main": MenuNode(
            type="menu",
            prompts=["menu"],
            choices={"1": "consult", "2": "case", "3": "info", "4": "ask", "9": "bye"},
        ),
        "consult": QueueNode(type="queue", queue="general"),
        "info": PlayNode(type="play", prompts=["info"], next="main"),
        "ask": CollectNode(
            type="collect",
            prompt="enter_number",
            store_as="callback",
            next="thanks",
            min_digits=3,
            max_digits=5,
        ),
        "thanks": MenuNode(type="menu", prompts=["thanks"], choices={"1": "main"}, retries=1),
        "case": CaseQueryNode(
            type="case_query",
            code_prompt="enter_code",
            password_prompt="enter_password",
            wrong_prompt="wrong",
            agent_prompt="to_agent",
            next="after_case",
            agent_queue="case_desk",
        ),
        "after_case": MenuNode(type="menu", prompts=["after_case"], choices={"1": "case"}),
        "bye": HangupNode(type="hangup", prompts=["farewell"]),
        "urgent": QueueNode(type="queue", queue="contact_judge", prompts=["judge_intro"]),
    },
    agent_key="0",
    agent_queue="general",
    back_key="*",
    invalid="invalid",
    goodbye="goodbye",
    input_timeout_s=6.0,
    retries=3,
)

DONE = "(done)"


def run(*events: IvrEvent, program: IvrProgram = PROGRAM) -> tuple[IvrState, list[IvrAction]]:
    """Start the menu, feed the events; returns the last state and the last step's actions."""
    state, actions = start(program)
    for event in events:
        result = decide(program, state, event)
        assert result is not None, f"{event} ignored at {state.node}/{state.step}"
        state, actions = result
    return state, actions


def keys(text: str) -> list[IvrEvent]:
    return [KeyPressed(digit) for digit in text]


AT_MAIN = [PromptFinished()]  # greeting heard; the main menu starts
MAIN_WAITING = [*AT_MAIN, PromptFinished()]  # main menu heard, waiting for a key


def test_start_plays_the_first_node() -> None:
    state, actions = start(PROGRAM)
    assert (state.node, state.step) == ("greet", IvrStep.PROMPTING)
    assert actions == [Play(("welcome",))]


@pytest.mark.parametrize(
    ("events", "node", "step", "actions"),
    [
        pytest.param(
            AT_MAIN, "main", IvrStep.PROMPTING, [Play(("menu",))], id="announcement-then-next-node"
        ),
        pytest.param(
            MAIN_WAITING,
            "main",
            IvrStep.AWAITING_INPUT,
            [WaitForInput(6.0)],
            id="menu-heard-waits-for-key",
        ),
        pytest.param(
            [*MAIN_WAITING, KeyPressed("3")],
            "info",
            IvrStep.PROMPTING,
            [Play(("info",))],
            id="choice-enters-node",
        ),
        pytest.param(
            [*AT_MAIN, KeyPressed("3")],
            "info",
            IvrStep.PROMPTING,
            [StopPrompt(), Play(("info",))],
            id="barge-in-on-menu-stops-prompt",
        ),
        pytest.param(
            [KeyPressed("3")],
            "info",
            IvrStep.PROMPTING,
            [StopPrompt(), Play(("info",))],
            id="barge-in-on-greeting-answers-menu",
        ),
        pytest.param(
            [KeyPressed("0")],
            "greet",
            IvrStep.DONE,
            [StopPrompt(), RouteToQueue("general")],
            id="zero-out-during-greeting",
        ),
        pytest.param(
            [*MAIN_WAITING, KeyPressed("0")],
            "main",
            IvrStep.DONE,
            [RouteToQueue("general")],
            id="zero-out-from-menu",
        ),
        pytest.param(
            [*MAIN_WAITING, KeyPressed("1")],
            "consult",
            IvrStep.DONE,
            [RouteToQueue("general")],
            id="queue-node-routes-at-once",
        ),
        pytest.param(
            [*MAIN_WAITING, KeyPressed("7")],
            "main",
            IvrStep.PROMPTING,
            [Play(("invalid", "menu"))],
            id="invalid-key-replays-menu",
        ),
        pytest.param(
            [*MAIN_WAITING, InputTimedOut()],
            "main",
            IvrStep.PROMPTING,
            [Play(("menu",))],
            id="timeout-replays-menu-without-invalid",
        ),
        pytest.param(
            [*MAIN_WAITING, KeyPressed("3"), PromptFinished()],
            "main",
            IvrStep.PROMPTING,
            [Play(("menu",))],
            id="play-node-returns-to-next",
        ),
        pytest.param(
            [*MAIN_WAITING, KeyPressed("3"), KeyPressed("*")],
            "main",
            IvrStep.PROMPTING,
            [StopPrompt(), Play(("menu",))],
            id="back-key",
        ),
        pytest.param(
            [*MAIN_WAITING, KeyPressed("9")],
            "bye",
            IvrStep.SAYING_GOODBYE,
            [Play(("farewell",))],
            id="hangup-node-says-its-goodbye",
        ),
        pytest.param(
            [*MAIN_WAITING, KeyPressed("9"), PromptFinished()],
            "bye",
            IvrStep.DONE,
            [Finish("self_service")],
            id="hangup-node-ends-as-self-service",
        ),
    ],
)
def test_menu_play_queue_and_hangup_edges(
    events: list[IvrEvent], node: str, step: IvrStep, actions: list[IvrAction]
) -> None:
    state, last = run(*events)
    assert (state.node, state.step, last) == (node, step, actions)


def test_retries_exhausted_by_mixed_timeouts_and_invalid_keys_says_goodbye_then_finishes() -> None:
    state, actions = run(
        *MAIN_WAITING, InputTimedOut(), PromptFinished(), KeyPressed("8"), PromptFinished()
    )
    assert state.attempts_left == 1
    state, actions = run(
        *MAIN_WAITING,
        InputTimedOut(),
        PromptFinished(),
        KeyPressed("8"),
        PromptFinished(),
        InputTimedOut(),
    )
    assert (state.step, actions) == (IvrStep.SAYING_GOODBYE, [Play(("goodbye",))])
    assert decide(PROGRAM, state, KeyPressed("0")) is None, "no way out during goodbye"
    state, actions = run(
        *MAIN_WAITING,
        InputTimedOut(),
        PromptFinished(),
        KeyPressed("8"),
        PromptFinished(),
        InputTimedOut(),
        PromptFinished(),
    )
    assert (state.step, actions) == (IvrStep.DONE, [Finish("no_input")])


def test_per_node_retries_override_the_default() -> None:
    ask = [*MAIN_WAITING, KeyPressed("4"), *keys("123#"), PromptFinished()]
    state, actions = run(*ask, InputTimedOut())
    assert (state.node, actions) == ("thanks", [Play(("goodbye",))]), "thanks allows one try"


def test_every_node_entered_is_kept_in_order_for_the_agents_screen_pop() -> None:
    state, _ = run(*MAIN_WAITING, KeyPressed("3"), PromptFinished())
    assert state.visited == ("greet", "main", "info", "main")


def test_a_caller_looping_in_the_menu_keeps_only_the_latest_nodes() -> None:
    events: list[IvrEvent] = [*AT_MAIN]
    for _ in range(30):
        events += [PromptFinished(), KeyPressed("3"), PromptFinished()]
    state, _ = run(*events)
    assert len(state.visited) == MAX_VISITED and state.visited[-2:] == ("info", "main")


def test_back_key_with_nowhere_to_go_back_to_means_nothing() -> None:
    state, _ = run()
    assert decide(PROGRAM, state, KeyPressed("*")) is None


# ---- collect --------------------------------------------------------------------------------
ASK = [*MAIN_WAITING, KeyPressed("4")]


@pytest.mark.parametrize(
    ("events", "node", "stored", "actions"),
    [
        pytest.param(
            [*ASK, *keys("123#")], "thanks", "123", [Play(("thanks",))], id="terminator-ends-entry"
        ),
        pytest.param(
            [*ASK, *keys("12345")],
            "thanks",
            "12345",
            [Play(("thanks",))],
            id="max-digits-ends-entry",
        ),
        pytest.param(
            [*ASK, *keys("1234"), InputTimedOut()],
            "thanks",
            "1234",
            [Play(("thanks",))],
            id="pause-after-min-digits-ends-entry",
        ),
        pytest.param(
            [*ASK, *keys("0123#")],
            "thanks",
            "0123",
            [Play(("thanks",))],
            id="zero-is-a-digit-here-not-the-agent",
        ),
    ],
)
def test_collect_node_stores_digits_and_moves_on(
    events: list[IvrEvent], node: str, stored: str, actions: list[IvrAction]
) -> None:
    state, last = run(*events)
    assert (state.node, state.value("callback"), last) == (node, stored, actions)


def test_first_digit_stops_the_collect_prompt_and_waits_for_more() -> None:
    state, actions = run(*ASK, KeyPressed("5"))
    assert (state.step, state.digits) == (IvrStep.COLLECTING, "5")
    assert actions == [StopPrompt(), WaitForInput(4.0)]


@pytest.mark.parametrize(
    ("tail", "actions"),
    [
        pytest.param(
            keys("12#"), [Play(("invalid", "enter_number"))], id="too-short-on-terminator"
        ),
        pytest.param(
            [*keys("12"), InputTimedOut()],
            [Play(("invalid", "enter_number"))],
            id="too-short-on-pause",
        ),
    ],
)
def test_short_entries_are_refused_and_asked_again(
    tail: list[IvrEvent], actions: list[IvrAction]
) -> None:
    state, last = run(*ASK, PromptFinished(), *tail)
    assert (state.node, state.digits, last) == ("ask", "", actions)


def test_star_while_typing_starts_the_entry_over() -> None:
    state, actions = run(*ASK, *keys("12*"))
    assert (state.node, state.digits, actions) == ("ask", "", [WaitForInput(6.0)])
    state, _ = run(*ASK, *keys("12*"), *keys("789#"))
    assert state.value("callback") == "789"


# ---- case query -----------------------------------------------------------------------------
CASE = [*MAIN_WAITING, KeyPressed("2")]
CODE_AND_PASSWORD = [*CASE, *keys("123456#"), *keys("8888#")]


def test_case_query_asks_code_then_password_then_looks_up() -> None:
    state, actions = run(*CASE, *keys("123456#"))
    assert actions == [Play(("enter_password",))], "the prompt stopped at the first digit"
    state, actions = run(*CODE_AND_PASSWORD)
    assert state.step is IvrStep.LOOKING_UP
    assert actions == [LookUpCase("123456", "8888")]
    assert state.values == () and state.digits == "", "neither code nor password is kept"
    assert "8888" not in repr(actions[-1])


@pytest.mark.parametrize(
    ("answer", "step", "actions"),
    [
        pytest.param(
            CaseAnswered(CaseAnswerKind.FOUND, "案件审理中"),
            IvrStep.PROMPTING,
            [Play((Speech("案件审理中"),))],
            id="found-reads-status",
        ),
        pytest.param(
            CaseAnswered(CaseAnswerKind.WRONG),
            IvrStep.PROMPTING,
            [Play(("wrong", "enter_code"))],
            id="wrong-asks-again",
        ),
        pytest.param(
            CaseAnswered(CaseAnswerKind.REFUSED),
            IvrStep.ROUTING,
            [Play(("to_agent",))],
            id="refused-announces-handover",
        ),
    ],
)
def test_case_answers(answer: IvrEvent, step: IvrStep, actions: list[IvrAction]) -> None:
    state, last = run(*CODE_AND_PASSWORD, answer)
    assert (state.node, state.step, last) == ("case", step, actions)


def test_status_heard_moves_on_and_marks_self_service_done() -> None:
    state, actions = run(
        *CODE_AND_PASSWORD, CaseAnswered(CaseAnswerKind.FOUND, "x"), PromptFinished()
    )
    assert (state.node, actions) == ("after_case", [Play(("after_case",))])
    assert state.self_service_done is True


def test_refused_case_query_goes_to_the_case_desk_after_the_announcement() -> None:
    state, actions = run(*CODE_AND_PASSWORD, CaseAnswered(CaseAnswerKind.REFUSED), PromptFinished())
    assert (state.step, actions) == (IvrStep.DONE, [RouteToQueue("case_desk")])


def test_keys_while_the_case_system_answers_are_ignored() -> None:
    state, _ = run(*CODE_AND_PASSWORD)
    assert decide(PROGRAM, state, KeyPressed("1")) is None
    assert decide(PROGRAM, state, InputTimedOut()) is None


def test_case_answer_outside_a_lookup_is_ignored() -> None:
    state, _ = run(*MAIN_WAITING)
    assert decide(PROGRAM, state, CaseAnswered(CaseAnswerKind.FOUND, "x")) is None


def test_queue_node_with_prompts_routes_after_them() -> None:
    program = IvrProgram(**{**PROGRAM.__dict__, "start": "urgent"})
    state, actions = start(program)
    assert (state.step, actions) == (IvrStep.ROUTING, [Play(("judge_intro",))])
    state, actions = decide(program, state, PromptFinished()) or (state, [])
    assert (state.step, actions) == (IvrStep.DONE, [RouteToQueue("contact_judge")])


def test_nothing_moves_a_finished_ivr() -> None:
    state, _ = run(*MAIN_WAITING, KeyPressed("1"))
    for event in (KeyPressed("1"), PromptFinished(), InputTimedOut()):
        assert decide(PROGRAM, state, event) is None


def test_agent_key_can_be_switched_off() -> None:
    program = IvrProgram(**{**PROGRAM.__dict__, "agent_key": None})
    state, actions = run(*MAIN_WAITING, KeyPressed("0"), program=program)
    assert (state.node, actions) == ("main", [Play(("invalid", "menu"))])


# ---- leave a message --------------------------------------------------------------------------
MESSAGE = IvrProgram(
    **{
        **PROGRAM.__dict__,
        "start": "message",
        "nodes": {
            **PROGRAM.nodes,
            "message": MessageNode(
                type="message", prompt="after_hours", thanks="noted", max_seconds=90
            ),
        },
    }
)


def test_message_node_records_after_its_prompt_then_thanks_and_finishes() -> None:
    state, actions = start(MESSAGE)
    assert actions == [Play(("after_hours",))]
    assert decide(MESSAGE, state, KeyPressed("5")) is None, "no menu here"
    state, actions = run(PromptFinished(), program=MESSAGE)
    assert (state.step, actions) == (IvrStep.RECORDING, [RecordMessage(90)])
    state, actions = run(PromptFinished(), MessageRecorded(), program=MESSAGE)
    assert (state.step, actions) == (IvrStep.SAYING_GOODBYE, [Play(("noted",))])
    state, actions = run(PromptFinished(), MessageRecorded(), PromptFinished(), program=MESSAGE)
    assert actions == [Finish("message_left")]


JUDGE_MESSAGE = IvrProgram(
    **{
        **MESSAGE.__dict__,
        "nodes": {
            **MESSAGE.nodes,
            "message": MessageNode(
                type="message",
                prompt="after_hours",
                thanks="noted",
                max_seconds=90,
                work_order=Category.CONTACT_JUDGE,
            ),
        },
    }
)


@pytest.mark.parametrize(
    ("verified_case", "work_order"),
    [
        (("chaoyang", "(2026)京0105民初100号"), Category.CONTACT_JUDGE),
        (None, None),
    ],
)
def test_a_message_node_with_a_work_order_marks_it_only_for_a_verified_case(
    verified_case: tuple[str, str] | None, work_order: Category | None
) -> None:
    state, _ = start(JUDGE_MESSAGE)
    state = replace(state, verified_case=verified_case)
    result = decide(JUDGE_MESSAGE, state, PromptFinished())
    assert result is not None
    recording, actions = result
    assert actions == [RecordMessage(90)]
    assert (recording.message_taken, recording.message_work_order) == (True, work_order)


def test_a_message_node_without_a_work_order_never_marks_one() -> None:
    state, _ = start(MESSAGE)
    state = replace(state, verified_case=("chaoyang", "(2026)京0105民初100号"))
    result = decide(MESSAGE, state, PromptFinished())
    assert result is not None and result[0].message_work_order is None


def test_enter_sends_the_caller_to_a_node_from_outside_the_menu() -> None:
    state, _ = run(*MAIN_WAITING)
    moved, actions = enter(MESSAGE, state, "message")
    assert (moved.node, moved.history[-1], actions) == ("message", "main", [Play(("after_hours",))])

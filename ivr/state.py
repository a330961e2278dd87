"""The IVR state machine: (program, state, event) -> (state, actions). Pure; no I/O."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, assert_never

from ivr.model import (
    CaseAnswered,
    CaseAnswerKind,
    CaseQueryNode,
    CollectNode,
    ContactJudge,
    ContactRefused,
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
    Node,
    Phase,
    Play,
    PlayNode,
    PromptFinished,
    QueueNode,
    RecordMessage,
    RouteToQueue,
    Speech,
    Started,
    StopPrompt,
    SurveySection,
    UrgentContactNode,
    WaitForInput,
)

if TYPE_CHECKING:
    from config.schema import IvrSection

Result = tuple[IvrState, list[IvrAction]]

CASE_CODE = "case_query_code"
# Case query codes and passwords as courts issue them.
CODE_DIGITS = (6, 20)
PASSWORD_DIGITS = (4, 12)


@dataclass(frozen=True)
class IvrProgram:
    """One version of the menu; a call keeps the version it started with."""

    start: str
    nodes: dict[str, Node]
    agent_key: str | None
    agent_queue: str
    back_key: str | None
    invalid: str
    goodbye: str
    input_timeout_s: float
    retries: int
    survey: SurveySection | None = None
    after_hours: str | None = None  # the node callers reach instead of a queue when seats close

    @classmethod
    def from_config(cls, section: IvrSection) -> IvrProgram:
        return cls(
            start=section.start,
            nodes=dict(section.nodes),
            agent_key=section.agent_key,
            agent_queue=section.agent_queue,
            back_key=section.back_key,
            invalid=section.invalid,
            goodbye=section.goodbye,
            input_timeout_s=section.input_timeout_s,
            retries=section.retries,
            survey=section.survey,
            after_hours=section.after_hours,
        )

    def retries_of(self, node: Node) -> int:
        if isinstance(node, MenuNode) and node.retries is not None:
            return node.retries
        return self.retries

    def timeout_of(self, node: Node) -> float:
        if isinstance(node, MenuNode) and node.timeout_s is not None:
            return node.timeout_s
        return self.input_timeout_s


# A caller looping in the menu should not grow the call's record without end.
MAX_VISITED = 40


def start(program: IvrProgram) -> Result:
    return _enter(program, IvrState(program.start, IvrStep.DONE, 0), program.start, push=False)


def enter(program: IvrProgram, state: IvrState, node_id: str) -> Result:
    """Send the caller to a node from outside the menu's own choices (e.g. after hours)."""
    return _enter(program, state, node_id)


def _enter(program: IvrProgram, state: IvrState, node_id: str, *, push: bool = True) -> Result:
    node = program.nodes[node_id]
    history = (*state.history, state.node) if push else state.history
    state = replace(
        state,
        node=node_id,
        step=IvrStep.PROMPTING,
        attempts_left=program.retries_of(node),
        phase=Phase.NONE,
        digits="",
        history=history,
        visited=(*state.visited, node_id)[-MAX_VISITED:],
        route_to=None,
    )
    match node:
        case MenuNode() | PlayNode():
            return state, [Play(tuple(node.prompts))]
        case QueueNode():
            if node.prompts:
                return replace(state, step=IvrStep.ROUTING, route_to=node.queue), [
                    Play(tuple(node.prompts))
                ]
            return replace(state, step=IvrStep.DONE), [RouteToQueue(node.queue)]
        case CollectNode():
            return state, [Play((node.prompt,))]
        case CaseQueryNode():
            return replace(state, phase=Phase.CODE), [Play((node.code_prompt,))]
        case HangupNode():
            prompts = tuple(node.prompts) or (program.goodbye,)
            return replace(state, step=IvrStep.SAYING_GOODBYE), [Play(prompts)]
        case MessageNode():
            return state, [Play((node.prompt,))]
        case UrgentContactNode():
            if state.verified_case is None:
                return _enter(program, state, node.unverified, push=False)
            court_id, case_number = state.verified_case
            return replace(state, step=IvrStep.CONTACTING), [ContactJudge(court_id, case_number)]
        case _:
            assert_never(node)


def decide(program: IvrProgram, state: IvrState, event: IvrEvent) -> Result | None:
    """The next state and actions, or None when the event means nothing in this state."""
    if state.step is IvrStep.DONE:
        return None
    match event:
        case Started():
            return start(program)
        case KeyPressed(digit):
            return _key(program, state, digit)
        case PromptFinished():
            return _prompt_finished(program, state)
        case InputTimedOut():
            return _timed_out(program, state)
        case CaseAnswered(kind, status_text, case):
            return _case_answered(program, state, kind, status_text, case)
        case ContactRefused():
            node = program.nodes[state.node]
            if state.step is not IvrStep.CONTACTING or not isinstance(node, UrgentContactNode):
                return None
            return _enter(program, state, node.refused, push=False)
        case MessageRecorded():
            node = program.nodes[state.node]
            if state.step is not IvrStep.RECORDING or not isinstance(node, MessageNode):
                return None
            return replace(state, step=IvrStep.SAYING_GOODBYE), [Play((node.thanks,))]
        case _:
            assert_never(event)


def _done(state: IvrState, *actions: IvrAction) -> Result:
    return replace(state, step=IvrStep.DONE), list(actions)


def _listening(state: IvrState) -> bool:
    return state.step in (IvrStep.PROMPTING, IvrStep.AWAITING_INPUT, IvrStep.COLLECTING)


def _key(program: IvrProgram, state: IvrState, digit: str) -> Result | None:
    if not _listening(state):
        return None
    node = program.nodes[state.node]
    # Barge-in: a key the node listens to stops whatever is being said.
    stop: list[IvrAction] = [StopPrompt()] if state.step is IvrStep.PROMPTING else []
    entering_digits = isinstance(node, CollectNode | CaseQueryNode)
    if not entering_digits or state.digits == "":
        global_key = _global_key(program, state, node, digit, stop)
        if global_key is not None:
            return global_key
    match node:
        case MenuNode():
            target = node.choices.get(digit)
            if target is not None:
                next_state, actions = _enter(program, state, target)
                return next_state, [*stop, *actions]
            next_state, actions = _retry(program, state, invalid=True)
            return next_state, [*stop, *actions]
        case CollectNode() | CaseQueryNode():
            return _digit(program, state, node, digit, stop)
        case PlayNode():
            if digit == program.back_key:
                return None
            # Barge-in on an announcement: skip to what follows and let it take the key.
            entered, entering = _enter(program, state, node.next)
            # The next node's prompt never starts when the key already answers it.
            followed = _key(program, replace(entered, step=IvrStep.AWAITING_INPUT), digit)
            if followed is None:
                return entered, [*stop, *entering]
            after, actions = followed
            return after, [*stop, *actions]
        case QueueNode() | HangupNode() | MessageNode() | UrgentContactNode():
            return None
        case _:
            assert_never(node)


def _global_key(
    program: IvrProgram, state: IvrState, node: Node, digit: str, stop: list[IvrAction]
) -> Result | None:
    explicit = isinstance(node, MenuNode) and digit in node.choices
    if explicit or (isinstance(node, CollectNode | CaseQueryNode) and digit.isdigit()):
        return None
    if digit == program.agent_key and program.agent_key is not None:
        return _done(state, *stop, RouteToQueue(program.agent_queue))
    if digit == program.back_key and program.back_key is not None and state.history:
        previous = state.history[-1]
        back = replace(state, history=state.history[:-1])
        next_state, actions = _enter(program, back, previous, push=False)
        return next_state, [*stop, *actions]
    return None


def _limits(node: CollectNode | CaseQueryNode, phase: Phase) -> tuple[int, int, str | None]:
    if isinstance(node, CollectNode):
        return node.min_digits, node.max_digits, node.terminator
    low, high = CODE_DIGITS if phase is Phase.CODE else PASSWORD_DIGITS
    return low, high, "#"


def _digit(
    program: IvrProgram,
    state: IvrState,
    node: CollectNode | CaseQueryNode,
    digit: str,
    stop: list[IvrAction],
) -> Result | None:
    if state.phase is Phase.STATUS:
        return None
    low, high, terminator = _limits(node, state.phase)
    if digit == terminator:
        if len(state.digits) >= low:
            next_state, actions = _entry_complete(program, state, node)
            return next_state, [*stop, *actions]
        next_state, actions = _retry(program, state, invalid=True)
        return next_state, [*stop, *actions]
    if not digit.isdigit():
        # '*' while typing starts the entry over.
        return replace(state, digits="", step=IvrStep.AWAITING_INPUT), [
            *stop,
            WaitForInput(program.input_timeout_s),
        ]
    digits = state.digits + digit
    state = replace(state, digits=digits, step=IvrStep.COLLECTING)
    if len(digits) >= high:
        next_state, actions = _entry_complete(program, state, node)
        return next_state, [*stop, *actions]
    pause = node.inter_digit_timeout_s if isinstance(node, CollectNode) else 4.0
    return state, [*stop, WaitForInput(pause)]


def _with_value(state: IvrState, name: str, value: str | None) -> IvrState:
    kept = tuple((k, v) for k, v in state.values if k != name)
    return replace(state, values=kept if value is None else (*kept, (name, value)))


def _entry_complete(
    program: IvrProgram, state: IvrState, node: CollectNode | CaseQueryNode
) -> Result:
    if isinstance(node, CollectNode):
        return _enter(program, _with_value(state, node.store_as, state.digits), node.next)
    if state.phase is Phase.CODE:
        state = _with_value(state, CASE_CODE, state.digits)
        state = replace(state, phase=Phase.PASSWORD, step=IvrStep.PROMPTING, digits="")
        return state, [Play((node.password_prompt,))]
    code = state.value(CASE_CODE) or ""
    # The code is forgotten as soon as it is asked about; the password is never kept.
    looking = replace(_with_value(state, CASE_CODE, None), step=IvrStep.LOOKING_UP, digits="")
    looking = replace(looking, case_attempts=state.case_attempts + 1)
    return looking, [LookUpCase(code, state.digits, state.case_attempts)]


def _prompt_finished(program: IvrProgram, state: IvrState) -> Result | None:
    node = program.nodes[state.node]
    match state.step:
        case IvrStep.PROMPTING:
            if isinstance(node, PlayNode):
                return _enter(program, state, node.next)
            if isinstance(node, CaseQueryNode) and state.phase is Phase.STATUS:
                return _enter(program, replace(state, self_service_done=True), node.next)
            if isinstance(node, MessageNode):
                recording = replace(
                    state,
                    step=IvrStep.RECORDING,
                    message_taken=True,
                    message_work_order=node.work_order if state.verified_case else None,
                )
                return recording, [RecordMessage(node.max_seconds)]
            return replace(state, step=IvrStep.AWAITING_INPUT), [
                WaitForInput(program.timeout_of(node))
            ]
        case IvrStep.ROUTING:
            assert state.route_to is not None
            return _done(state, RouteToQueue(state.route_to))
        case IvrStep.SAYING_GOODBYE:
            reason = "no_input"
            if isinstance(node, HangupNode):
                reason = "self_service"
            elif isinstance(node, MessageNode):
                reason = "message_left"
            return _done(state, Finish(reason))
        case _:
            return None


def _timed_out(program: IvrProgram, state: IvrState) -> Result | None:
    node = program.nodes[state.node]
    if state.step is IvrStep.COLLECTING and isinstance(node, CollectNode | CaseQueryNode):
        low, _high, _terminator = _limits(node, state.phase)
        if len(state.digits) >= low:
            return _entry_complete(program, state, node)
        return _retry(program, state, invalid=True)
    if state.step is IvrStep.AWAITING_INPUT:
        return _retry(program, state, invalid=False)
    return None


def _retry(program: IvrProgram, state: IvrState, *, invalid: bool) -> Result:
    """Ask again (after 'invalid input' if the caller pressed something wrong), or say goodbye."""
    attempts_left = state.attempts_left - 1
    if attempts_left <= 0:
        return replace(state, step=IvrStep.SAYING_GOODBYE, attempts_left=0, digits=""), [
            Play((program.goodbye,))
        ]
    node = program.nodes[state.node]
    again: tuple[str, ...]
    match node:
        case MenuNode():
            again = tuple(node.prompts)
        case CollectNode():
            again = (node.prompt,)
        case CaseQueryNode():
            again = (node.code_prompt if state.phase is Phase.CODE else node.password_prompt,)
        case _:
            again = ()
    first = (program.invalid,) if invalid else ()
    retried = replace(state, step=IvrStep.PROMPTING, attempts_left=attempts_left, digits="")
    return retried, [Play((*first, *again))]


def _case_answered(
    program: IvrProgram,
    state: IvrState,
    kind: CaseAnswerKind,
    status_text: str | None,
    case: tuple[str, str] | None = None,
) -> Result | None:
    node = program.nodes[state.node]
    if state.step is not IvrStep.LOOKING_UP or not isinstance(node, CaseQueryNode):
        return None
    match kind:
        case CaseAnswerKind.FOUND:
            spoken = Speech(status_text or "")
            reading = replace(state, step=IvrStep.PROMPTING, phase=Phase.STATUS, verified_case=case)
            return reading, [Play((spoken,))]
        case CaseAnswerKind.WRONG:
            again = replace(state, step=IvrStep.PROMPTING, phase=Phase.CODE)
            return again, [Play((node.wrong_prompt, node.code_prompt))]
        case CaseAnswerKind.REFUSED:
            handing_over = replace(state, step=IvrStep.ROUTING, route_to=node.agent_queue)
            return handing_over, [Play((node.agent_prompt,))]
        case _:
            assert_never(kind)

"""The IVR's urgent_contact node: only a litigant who has just verified a case reaches the judge."""

from __future__ import annotations

from dataclasses import replace

from ivr.model import (
    CaseAnswered,
    CaseAnswerKind,
    ContactJudge,
    ContactRefused,
    IvrStep,
    KeyPressed,
    MenuNode,
    Play,
    PromptFinished,
    RouteToQueue,
    StopPrompt,
    UrgentContactNode,
)
from ivr.state import IvrProgram, decide
from tests.unit.test_ivr_state import CODE_AND_PASSWORD, PROGRAM, run

CASE = ("chaoyang", "(2026)京0105民初123号")
URGENT = IvrProgram(
    **{
        **PROGRAM.__dict__,
        "nodes": {
            **PROGRAM.nodes,
            "after_case": MenuNode(
                type="menu", prompts=["after_case"], choices={"1": "case", "5": "judge"}
            ),
            "judge": UrgentContactNode(type="urgent_contact", unverified="case", refused="consult"),
        },
    }
)
VERIFIED = [
    *CODE_AND_PASSWORD,
    CaseAnswered(CaseAnswerKind.FOUND, "审理中", CASE),
    PromptFinished(),
]


def test_verified_litigant_pressing_the_key_asks_for_the_judge_of_that_case() -> None:
    state, actions = run(*VERIFIED, KeyPressed("5"), program=URGENT)
    assert actions == [StopPrompt(), ContactJudge(*CASE)]
    assert (state.node, state.step) == ("judge", IvrStep.CONTACTING)


def test_a_caller_without_a_verified_case_is_sent_to_the_case_query_first() -> None:
    state, _ = run(*VERIFIED, program=URGENT)
    unverified = replace(state, verified_case=None)
    result = decide(URGENT, unverified, KeyPressed("5"))
    assert result is not None
    state, actions = result
    assert state.node == "case" and actions == [StopPrompt(), Play(("enter_code",))]


def test_a_refused_contact_goes_the_refused_way() -> None:
    state, actions = run(*VERIFIED, KeyPressed("5"), ContactRefused(), program=URGENT)
    assert state.node == "consult" and actions == [RouteToQueue("general")]


def test_keys_while_the_judge_is_rung_are_ignored_by_the_menu() -> None:
    state, _ = run(*VERIFIED, KeyPressed("5"), program=URGENT)
    assert decide(URGENT, state, KeyPressed("1")) is None
    assert decide(URGENT, state, KeyPressed("0")) is None


def test_a_failed_case_query_does_not_verify_anything() -> None:
    state, _ = run(*CODE_AND_PASSWORD, CaseAnswered(CaseAnswerKind.WRONG), program=URGENT)
    assert state.verified_case is None

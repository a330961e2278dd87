"""An agent's urgent contact through the whole controller (fake ARI, real PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from tests.directory_data import CASE_NUMBER, HEAD_MOBILE, JUDGE_MOBILE, load_directory
from tests.functional.call_harness import API_TOKEN, Stack, connect_call
from tests.support import eventually

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
REQUEST = {"court_id": "chaoyang", "case_number": CASE_NUMBER, "seat": "high-01"}


async def call_api(
    stack: Stack, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, f"{stack.hotline.status_url}{path}", json=body, headers=headers or {}
        ) as response,
    ):
        return response.status, await response.json()


async def leg_event(stack: Stack, kind: str, channel_id: str, **fields: Any) -> None:
    await stack.fake.emit({"type": kind, "channel": stack.fake.channels[channel_id], **fields})


async def test_agent_starts_an_urgent_contact_and_the_judge_joins_the_call(
    stack: Stack, tmp_path: Path
) -> None:
    await load_directory(stack.database, tmp_path)
    call_id, seat_channel, bridge_id = await connect_call(stack)

    status, body = await call_api(
        stack, "POST", f"/api/calls/{call_id}/urgent-contact", REQUEST, AUTH
    )
    assert status == 201, body
    contact_id = body["contact_id"]
    # The caller (and the agent) hear the hold message in the call's bridge.
    await eventually(
        lambda: [r for r in stack.fake.requests if r.path.startswith(f"/bridges/{bridge_id}/play/")]
    )
    leg = f"urgent-{contact_id}-leg1"
    origination = await eventually(
        lambda: [o for o in stack.originations() if o["channelId"] == leg]
    )
    assert origination[0]["endpoint"] == f"PJSIP/{JUDGE_MOBILE}@carrier"

    stack.fake.channels[leg]["state"] = "Up"
    await leg_event(stack, "StasisStart", leg, args=["urgent-leg", str(contact_id), "1"])
    await eventually(lambda: stack.requests("POST", f"/channels/{leg}/play/{leg}-w1"))
    await leg_event(stack, "ChannelDtmfReceived", leg, digit="1", duration_ms=100)

    added = await eventually(
        lambda: [
            r
            for r in stack.requests("POST", f"/bridges/{bridge_id}/addChannel")
            if r.params.get("channel") == leg
        ]
    )
    assert added
    assert stack.requests("DELETE", f"/bridges/{bridge_id}/moh")
    # The agent stays (the default): the seat's channel is not hung up.
    assert not stack.requests("DELETE", f"/channels/{seat_channel}")

    status, body = await call_api(stack, "GET", f"/api/urgent-contacts/{contact_id}")
    assert (status, body["error"]) == (401, "unauthorized"), "the steps name people: sign in"
    status, masked = await call_api(
        stack, "GET", f"/api/urgent-contacts/{contact_id}", headers=AUTH
    )
    assert status == 200
    assert [(s["role"], s["outcome"]) for s in masked["steps"]] == [("judge", "accepted")]
    assert masked["steps"][0]["number"] == "138****0001"
    _, full = await call_api(
        stack, "GET", f"/api/urgent-contacts/{contact_id}?personal=1", headers=AUTH
    )
    assert full["steps"][0]["number"] == JUDGE_MOBILE
    # Ids that are not a stored contact's, superscript digits and out-of-range ones included.
    for unknown in ("%C2%B2", "99999999999999999999", "123"):
        status, body = await call_api(stack, "GET", f"/api/urgent-contacts/{unknown}", headers=AUTH)
        assert (status, body["error"]) == (404, "contact-not-found"), unknown


async def test_a_silent_judge_then_office_and_head_are_rung_in_turn(
    stack: Stack, tmp_path: Path
) -> None:
    await load_directory(stack.database, tmp_path)
    call_id, _seat, _bridge = await connect_call(stack)
    _status, body = await call_api(
        stack, "POST", f"/api/calls/{call_id}/urgent-contact", REQUEST, AUTH
    )
    contact_id = body["contact_id"]
    for step in (1, 2):
        leg = f"urgent-{contact_id}-leg{step}"
        await eventually(lambda leg=leg: leg in stack.fake.channels)
        channel = stack.fake.channels.pop(leg)
        await stack.fake.emit(
            {"type": "ChannelDestroyed", "channel": channel, "cause": 19, "cause_txt": "No answer"}
        )
    third = await eventually(
        lambda: [o for o in stack.originations() if o["channelId"].endswith("-leg3")]
    )
    assert third[0]["endpoint"] == f"PJSIP/{HEAD_MOBILE}@carrier"
    _, contact = await call_api(stack, "GET", f"/api/urgent-contacts/{contact_id}", headers=AUTH)
    assert [s["outcome"] for s in contact["steps"]] == ["no_answer", "no_answer", None]


async def test_urgent_contact_requests_are_checked_before_anything_is_dialled(
    stack: Stack, tmp_path: Path
) -> None:
    await load_directory(stack.database, tmp_path)
    call_id, _seat, _bridge = await connect_call(stack)
    path = f"/api/calls/{call_id}/urgent-contact"
    cases = [
        (REQUEST, {}, 401, "unauthorized"),
        ({**REQUEST, "seat": "chaoyang-01"}, AUTH, 403, "not-your-call"),
        ({**REQUEST, "case_number": "(2026)京0105民初999号"}, AUTH, 404, "case-not-found"),
        ({**REQUEST, "number": "13800000000", "case_number": ""}, AUTH, 422, "bad-field"),
    ]
    for body, headers, expected_status, code in cases:
        status, answer = await call_api(stack, "POST", path, body, headers)
        assert (status, answer["error"]) == (expected_status, code), body
    status, answer = await call_api(stack, "POST", "/api/calls/nope/urgent-contact", REQUEST, AUTH)
    assert (status, answer["error"]) == (404, "call-not-found")
    assert not [o for o in stack.originations() if o["channelId"].startswith("urgent-")]


async def test_the_same_case_cannot_ring_the_judge_more_than_the_hourly_limit(
    stack: Stack, tmp_path: Path
) -> None:
    await load_directory(stack.database, tmp_path)
    answers = []
    for index in range(4):
        channel = f"caller-{index}"
        call_id = await stack.caller_arrives(channel)
        await stack.press("0", channel)
        seat_leg = await eventually(
            lambda call_id=call_id: [
                o for o in stack.originations() if o["channelId"] == f"{call_id}-seat1"
            ]
        )
        await stack.seat_answers(seat_leg[0]["channelId"], call_id)
        await eventually(lambda call_id=call_id: stack.fake.bridges.get(f"{call_id}-bridge"))
        answers.append(
            await call_api(stack, "POST", f"/api/calls/{call_id}/urgent-contact", REQUEST, AUTH)
        )
        await stack.hang_up(channel)
    assert [status for status, _ in answers] == [201, 201, 201, 429]
    assert answers[-1][1]["error"] == "urgent-case-rate-limited"

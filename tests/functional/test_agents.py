"""Agent status through the API and softphone feature codes, kept across a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from agents.policy import StatusRequest
from config.schema import HotlineConfig
from tests.fakes.ari_server import FakeAri
from tests.functional.call_harness import API_TOKEN, CALLER, Stack, eventually_rows, make_hotline
from tests.support import eventually

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


async def post_status(
    stack: Stack, seat_id: str, body: object, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    url = f"{stack.hotline.status_url}/api/seats/{seat_id}/status"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=AUTH if headers is None else headers) as reply,
    ):
        return reply.status, await reply.json()


async def test_api_pauses_a_seat_with_a_reason_and_keeps_it_in_the_database(stack: Stack) -> None:
    status, seat = await post_status(stack, "high-01", {"action": "pause", "reason": "meal"})

    assert status == 200
    assert (seat["status"], seat["pause_reason"]) == ("paused", "meal")
    board_seat = stack.hotline.seats.get("high-01")
    assert board_seat is not None and not board_seat.offerable
    rows = await eventually_rows(stack, "SELECT status, reason, source FROM seat_status")
    assert [tuple(row) for row in rows] == [("paused", "meal", "api")]

    status, seat = await post_status(stack, "high-01", {"action": "resume"})
    assert (status, seat["status"]) == (200, "available")
    events = await eventually_rows(
        stack,
        "SELECT status, reason FROM seat_status_events ORDER BY id OFFSET 1",
    )
    assert [tuple(row) for row in events] == [("available", None)]


async def test_api_refuses_changes_without_the_token(stack: Stack) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": API_TOKEN}):
        status, body = await post_status(stack, "high-01", {"action": "logout"}, headers)
        assert (status, body["error"]) == (401, "unauthorized")
    seat = stack.hotline.seats.get("high-01")
    assert seat is not None and seat.status.value == "available"


async def test_api_errors_name_the_field_and_carry_stable_codes(stack: Stack) -> None:
    cases = [
        ("ghost-01", {"action": "pause"}, 404, "seat-not-found"),
        ("high-01", {"action": "nap"}, 422, "bad-action"),
        ("high-01", {"action": "pause", "reason": "nap"}, 422, "unknown-pause-reason"),
        ("high-01", {"action": "pause", "reason": 5}, 422, "bad-reason"),
        ("high-01", ["pause"], 400, "bad-json"),
    ]
    for seat_id, body, expected_status, code in cases:
        status, reply = await post_status(stack, seat_id, body)
        assert (status, reply["error"]) == (expected_status, code), body
    await post_status(stack, "high-01", {"action": "logout"})
    status, reply = await post_status(stack, "high-01", {"action": "pause"})
    assert (status, reply["error"]) == (409, "not-logged-in")


async def test_feature_code_from_the_softphone_pauses_the_seat_and_confirms(
    stack: Stack, fake: FakeAri
) -> None:
    channel = fake.add_channel("seat-dial-1", caller_number="high-01")
    await fake.emit(
        {"type": "StasisStart", "channel": channel, "args": ["feature", "high-01", "*232"]}
    )

    await eventually(lambda: stack.requests("DELETE", "/channels/seat-dial-1"), 10)
    seat = stack.hotline.seats.get("high-01")
    assert seat is not None and (seat.status.value, seat.pause_reason) == ("paused", "meal")
    assert stack.requests("POST", "/channels/seat-dial-1/answer")
    assert stack.requests("POST", "/channels/seat-dial-1/play/seat-dial-1-confirm")
    rows = await eventually_rows(stack, "SELECT source FROM seat_status")
    assert [row["source"] for row in rows] == ["feature_code"]


async def test_unknown_feature_code_changes_nothing_and_still_hangs_up(
    stack: Stack, fake: FakeAri
) -> None:
    channel = fake.add_channel("seat-dial-2", caller_number="high-01")
    await fake.emit(
        {"type": "StasisStart", "channel": channel, "args": ["feature", "high-01", "*29"]}
    )

    await eventually(lambda: stack.requests("DELETE", "/channels/seat-dial-2"), 10)
    seat = stack.hotline.seats.get("high-01")
    assert seat is not None and seat.status.value == "available"
    assert await stack.fetch("SELECT * FROM seat_status") == []


async def test_paused_seat_is_never_offered_a_call(stack: Stack) -> None:
    await post_status(stack, "high-01", {"action": "pause"})
    call_id = await stack.caller_arrives()
    await stack.press("0")
    await eventually(lambda: stack.requests("POST", f"/channels/{CALLER}/play/{call_id}-p2"))
    calls = stack.hotline.calls
    assert calls is not None and [c.state.value for c in calls.live_calls()] == ["queued"]

    assert stack.originations() == []
    await post_status(stack, "high-01", {"action": "resume"})
    [origination] = await eventually(lambda: stack.originations())
    assert origination["endpoint"] == "PJSIP/high-01"


async def test_agent_status_survives_a_controller_restart(
    fake: FakeAri, database: dict[str, Any], test_config: HotlineConfig, tmp_path: Path
) -> None:
    async with make_hotline(fake, database, test_config, tmp_path) as first:
        await first.wait_ready(5)
        assert first.agents is not None
        first.agents.request("chaoyang-02", StatusRequest.PAUSE, reason="training")
        stack = Stack(fake, first, database, tmp_path / "spool")
        await eventually_rows(stack, "SELECT * FROM seat_status")

    async with make_hotline(fake, database, test_config, tmp_path) as second:
        await second.wait_ready(5)
        seat = second.seats.get("chaoyang-02")
        assert seat is not None and (seat.status.value, seat.pause_reason) == (
            "paused",
            "training",
        )


async def test_a_platform_with_hundreds_of_seats_subscribes_to_every_seat_in_batches(
    fake: FakeAri, database: dict[str, Any], test_config: HotlineConfig, tmp_path: Path
) -> None:
    template = test_config.seats[0]
    seats = [
        template.model_copy(update={"id": f"high-{n:03d}", "password": f"secret:seat-{n}"})
        for n in range(250)
    ]
    config = test_config.model_copy(update={"seats": seats})
    async with make_hotline(fake, database, config, tmp_path) as hotline:
        await hotline.wait_ready(5)
        requests = stack_requests(fake)
        assert all(len(r.params["eventSource"].split(",")) <= 100 for r in requests)
        assert sorted(fake.subscriptions) == sorted(f"deviceState:PJSIP/{s.id}" for s in seats)


def stack_requests(fake: FakeAri) -> list[Any]:
    return [r for r in fake.requests if r.path.endswith("/subscription")]

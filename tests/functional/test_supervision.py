"""A supervisor listens to, whispers on and barges into a seat's call from their own softphone,
through the whole controller (fake ARI, real PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from console.model import Role
from tests.functional.call_harness import Stack, connect_call
from tests.functional.test_console import PASSWORD, Browser, audit_actions
from tests.support import eventually

PHONE = "chaoyang-02"  # the supervisor's softphone


@pytest.fixture
async def supervisors(stack: Stack) -> AsyncIterator[dict[str, Browser]]:
    console = stack.hotline.console
    assert console is not None
    await console.add_user("zhao", "赵主任", Role.SUPERVISOR, PASSWORD, seats=[PHONE])
    await console.add_user("wang", "王班长", Role.SUPERVISOR, PASSWORD, platform="chaoyang")
    await console.add_user("zhang", "张话务", Role.AGENT, PASSWORD, platform="high")
    browsers = {name: Browser(stack) for name in ("zhao", "wang", "zhang")}
    for name, browser in browsers.items():
        await browser.sign_in(name)
    yield browsers
    for browser in browsers.values():
        await browser.close()


async def call_with_phone_ready(stack: Stack) -> tuple[str, str, str]:
    """A call on high-01; then the supervisor's softphone registers (so the call never rang it)."""
    connected = await connect_call(stack)
    stack.hotline.seats.set_registered(PHONE, True)
    return connected


async def leg_enters(stack: Stack, channel_id: str, session_id: str, leg: str) -> None:
    await stack.fake.emit(
        {
            "type": "StasisStart",
            "channel": stack.fake.channels[channel_id],
            "args": ["supervise", session_id, leg],
        }
    )


async def test_a_supervisor_whispers_to_the_agent_until_the_call_ends(
    stack: Stack, supervisors: dict[str, Browser]
) -> None:
    call_id, seat_channel, _bridge = await call_with_phone_ready(stack)
    zhao = supervisors["zhao"]
    status, session = await zhao.send("POST", "/api/seats/high-01/supervise", {"mode": "whisper"})
    assert status == 201, session
    assert (session["phone_seat"], session["state"], session["call_id"]) == (
        PHONE,
        "dialling",
        call_id,
    )
    sid = session["id"]
    phone_seat = stack.hotline.seats.get(PHONE)
    assert phone_seat is not None and phone_seat.state == "reserved", "no caller offered to it"
    [snoop] = stack.requests("POST", f"/channels/{seat_channel}/snoop/{sid}-snoop")
    assert (snoop.params["spy"], snoop.params["whisper"]) == ("both", "out")
    assert snoop.params["appArgs"] == f"supervise,{sid},snoop"
    [phone] = [o for o in stack.originations() if o["channelId"] == f"{sid}-phone"]
    assert phone["endpoint"] == f"PJSIP/{PHONE}"

    await leg_enters(stack, f"{sid}-snoop", sid, "snoop")
    stack.fake.channels[f"{sid}-phone"]["state"] = "Up"
    await leg_enters(stack, f"{sid}-phone", sid, "phone")
    added = await eventually(lambda: stack.requests("POST", f"/bridges/{sid}-bridge/addChannel"))
    assert added[0].params["channel"] == f"{sid}-snoop,{sid}-phone"
    status, listed = await zhao.send("GET", "/api/supervisions")
    assert [(s["id"], s["state"]) for s in listed] == [(sid, "connected")]

    # The call ends: Asterisk takes the snoop with the agent's channel; the supervisor's phone
    # is hung up and the bridge goes.
    await stack.hang_up(f"{sid}-snoop")
    await eventually(lambda: stack.requests("DELETE", f"/channels/{sid}-phone"))
    await eventually(lambda: stack.requests("DELETE", f"/bridges/{sid}-bridge"))
    assert (await zhao.send("GET", "/api/supervisions"))[1] == []
    assert phone_seat.state == "idle", "the softphone takes calls again"
    assert ("zhao", "call-supervised", "high-01") in await audit_actions(stack)


async def test_a_barging_supervisor_joins_the_calls_bridge(
    stack: Stack, supervisors: dict[str, Browser]
) -> None:
    _call_id, seat_channel, bridge = await call_with_phone_ready(stack)
    status, session = await supervisors["zhao"].send(
        "POST", "/api/seats/high-01/supervise", {"mode": "barge"}
    )
    assert status == 201
    sid = session["id"]
    assert not stack.requests("POST", f"/channels/{seat_channel}/snoop/{sid}-snoop")
    await leg_enters(stack, f"{sid}-phone", sid, "phone")
    joined = await eventually(
        lambda: [
            r
            for r in stack.requests("POST", f"/bridges/{bridge}/addChannel")
            if r.params["channel"] == f"{sid}-phone"
        ]
    )
    assert joined
    status, _ = await supervisors["zhao"].send("DELETE", f"/api/supervisions/{sid}")
    assert status == 200
    await eventually(lambda: stack.requests("DELETE", f"/channels/{sid}-phone"))


async def test_only_supervisors_of_the_seats_court_with_a_free_phone_may_supervise(
    stack: Stack, supervisors: dict[str, Browser]
) -> None:
    path = "/api/seats/high-01/supervise"
    status, body = await supervisors["zhao"].send("POST", path, {"mode": "listen"})
    assert (status, body["error"]) == (409, "seat-not-on-call")
    await call_with_phone_ready(stack)
    status, body = await supervisors["zhang"].send("POST", path, {"mode": "listen"})
    assert (status, body["error"]) == (403, "forbidden"), "an agent"
    status, body = await supervisors["wang"].send(
        "POST", path, {"mode": "listen", "phone_seat": "chaoyang-01"}
    )
    assert (status, body["error"]) == (404, "seat-not-found"), "another court's seat"
    status, body = await supervisors["zhao"].send(
        "POST", path, {"mode": "listen", "phone_seat": "haidian-01"}
    )
    assert (status, body["error"]) == (403, "forbidden"), "not the supervisor's softphone"
    status, body = await supervisors["zhao"].send("POST", path, {"mode": "shout"})
    assert (status, body["error"]) == (422, "bad-field") and "mode" in body["message"]
    stack.hotline.seats.set_registered(PHONE, False)
    status, body = await supervisors["zhao"].send("POST", path, {"mode": "listen"})
    assert (status, body["error"]) == (409, "phone-not-available")
    assert not [o for o in stack.originations() if o["channelId"].startswith("supervise-")]

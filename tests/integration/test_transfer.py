"""Consult, then transfer (咨询转接) on the real Asterisk: the caller waits on hold while the agent
talks to a seat of another queue or to the consulting judge, then the caller is handed over."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp

from calls.model import Call
from config.secrets import SecretStore
from directory.model import Judge
from tests.directory_data import load_directory
from tests.integration.conftest import (
    SECRETS_DIR,
    Running,
    seat_phones,
    start_caller,
    stored_recording,
)
from tests.integration.test_urgent_contact import contact_phones, stop
from tests.support import ended_call, eventually, fetch

CONSULTING_JUDGE_PHONE = "01065550101"


async def consult_api(running: Running, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    """The console's call actions with the API token (what the agent page sends)."""
    token = SecretStore(SECRETS_DIR).resolve("secret:api")
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session,
        session.post(f"{running.hotline.status_url}{path}", json=body) as reply,
    ):
        return reply.status, await reply.json()


async def connected_call(running: Running, seat_id: str) -> Call:
    calls = running.hotline.calls
    assert calls is not None
    return await eventually(
        lambda: next(
            (c for c in calls.live_calls() if c.state == "connected" and c.seat_id == seat_id),
            None,
        ),
        30,
    )


async def bridged(running: Running, bridge_id: str, expected: set[str]) -> None:
    ari = running.hotline.ari
    assert ari is not None
    async with asyncio.timeout(10):
        while set((await ari.get_bridge(bridge_id)).channels) != expected:
            await asyncio.sleep(0.1)


async def test_an_agent_consults_a_complaints_seat_then_hands_the_caller_over(
    running: Running, tmp_path: Path
) -> None:
    async with seat_phones(running, tmp_path, {"high-01": ("127.0.0.31", True)}):
        caller = await start_caller(running.asterisk, tmp_path / "caller", talk_ms=25_000)
        call = await connected_call(running, "high-01")
        assert call.bridge_id is not None and call.seat_channel_id is not None
        # The complaints seat comes on duty once the caller is with high-01.
        async with seat_phones(running, tmp_path, {"chaoyang-01": ("127.0.0.32", True)}):
            status, _ = await consult_api(
                running, f"/api/calls/{call.id}/consult", {"kind": "queue", "target": "complaint"}
            )
            assert status == 202
            leg = f"{call.id}-consult1"
            # chaoyang-01's softphone answers: it talks with the agent; the caller hears music.
            await bridged(running, call.bridge_id, {call.seat_channel_id, leg})
            assert running.hotline.seats.get("chaoyang-01").state == "talking"  # type: ignore[union-attr]

            status, _ = await consult_api(running, f"/api/calls/{call.id}/consult/complete", {})
            assert status == 202
            await bridged(running, call.bridge_id, {call.caller_channel_id, leg})
            calls = running.hotline.calls
            assert calls is not None
            handed = calls.call(call.id)
            assert handed is not None and handed.queue is not None
            assert (handed.seat_id, handed.queue.queue_id) == ("chaoyang-01", "complaint")
            await eventually(lambda: running.hotline.seats.get("high-01").state == "idle")  # type: ignore[union-attr]

            assert await caller.finish(40) == 0, caller.errors()
            row = await ended_call(running.database, call.id, 15)
    assert (row["seat_id"], row["queue_id"], row["end_reason"], row["ended_by"]) == (
        "chaoyang-01",
        "complaint",
        "completed",
        "caller",
    )
    # One recording for the whole call, the consultation on it too: it lasts from the first
    # answer to the caller's hang-up.
    recording = await stored_recording(running.database, call.id)
    talked_ms = (row["ended_at"] - row["connected_at"]).total_seconds() * 1000
    assert recording["name"] == call.id
    assert abs(recording["duration_ms"] - talked_ms) < 1500, (recording, talked_ms)
    # Heard through the API only, and the hearing is in the audit log.
    token = SecretStore(SECRETS_DIR).resolve("secret:api")
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session,
        session.get(f"{running.hotline.status_url}/api/recordings/{call.id}/audio") as reply,
    ):
        assert reply.status == 200
        audio = await reply.read()
    assert audio[:4] == b"RIFF" and len(audio) == recording["size_bytes"]
    audited = await fetch(
        running.database,
        "SELECT target FROM audit_log WHERE action = 'recording-played'",
    )
    assert [row["target"] for row in audited] == [call.id]


async def test_an_agent_consults_the_consulting_judge_through_the_carrier_then_hands_over(
    running: Running, tmp_path: Path
) -> None:
    await load_directory(running.database, tmp_path / "directory")
    directory = running.hotline.directory
    assert directory is not None
    await directory.upsert_judge(
        Judge("cy-zhou", "chaoyang", "周法官", office_phone=CONSULTING_JUDGE_PHONE)
    )
    phones = await contact_phones(tmp_path / "phones", answer=CONSULTING_JUDGE_PHONE, talk_ms=8000)
    try:
        async with seat_phones(running, tmp_path, {"high-01": ("127.0.0.33", True)}):
            caller = await start_caller(running.asterisk, tmp_path / "caller", talk_ms=40_000)
            call = await connected_call(running, "high-01")
            assert call.bridge_id is not None and call.seat_channel_id is not None
            status, _ = await consult_api(
                running, f"/api/calls/{call.id}/consult", {"kind": "judge", "target": "cy-zhou"}
            )
            assert status == 202
            leg = f"{call.id}-consult1"
            await bridged(running, call.bridge_id, {call.seat_channel_id, leg})
            status, _ = await consult_api(running, f"/api/calls/{call.id}/consult/complete", {})
            assert status == 202
            await bridged(running, call.bridge_id, {call.caller_channel_id, leg})
            # The judge hangs up after talking: the call is over, ended by the judge's side.
            row = await ended_call(running.database, call.id, 15)
            assert (row["end_reason"], row["ended_by"]) == ("completed", "contact")
            assert await caller.finish(30) == 0, caller.errors()
    finally:
        await stop(phones)

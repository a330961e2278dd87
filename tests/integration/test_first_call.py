"""A citizen dials 12368 through the carrier, presses 0 and talks to a seat: on real parts."""

from __future__ import annotations

import array
import math
import wave
from pathlib import Path

from calls.model import CallState
from tests.integration.conftest import (
    Running,
    seat_registered,
    start_caller,
    start_seat,
    start_sipp,
    stored_recording,
)
from tests.support import assert_moments_in_order, ended_calls, eventually, fetch

SIPP_DIR = Path(__file__).resolve().parents[1] / "sipp"


def rms(path: Path) -> float:
    with wave.open(str(path), "rb") as audio:
        assert (audio.getsampwidth(), audio.getnchannels()) == (2, 1)
        samples = array.array("h", audio.readframes(audio.getnframes()))
    return math.sqrt(sum(s * s for s in samples) / max(len(samples), 1))


async def test_citizen_reaches_a_registered_seat_and_the_bridged_call_is_recorded(
    running: Running, tmp_path: Path
) -> None:
    seat = await start_seat(
        running.asterisk, tmp_path / "seat", "chaoyang-01", address="127.0.0.13", stay_ms=13000
    )
    await seat_registered(running, seat, "chaoyang-01")

    caller = await start_caller(running.asterisk, tmp_path / "caller", talk_ms=6000)
    assert await caller.finish(40) == 0, caller.errors()

    [row] = await ended_calls(running.database)
    assert (row["end_reason"], row["ended_by"]) == ("completed", "caller")
    assert (row["seat_id"], row["dialed_number"]) == ("chaoyang-01", "12368")
    assert row["caller_number"] != ""
    assert_moments_in_order(row)
    bridged_s = (row["ended_at"] - row["connected_at"]).total_seconds()
    assert 3.0 < bridged_s < 7.0, "the caller talks ~6 s after pressing 0, minus the ring time"

    recording = await stored_recording(running.database, row["id"])
    path = running.hotline.locations.recordings_store_dir / recording["path"]
    assert path.is_file()
    assert abs(recording["duration_ms"] / 1000 - bridged_s) < 0.8
    assert rms(path) > 500, "both parties' tones are in the recording, not silence"
    assert recording["size_bytes"] == path.stat().st_size

    offers = await fetch(running.database, "SELECT seat_id, outcome FROM call_offers")
    assert [tuple(offer) for offer in offers] == [("chaoyang-01", "answered")]
    assert running.asterisk.active_channels() == 0
    await seat.finish(30)


async def test_unauthenticated_invite_from_an_unknown_address_is_refused(
    running: Running, tmp_path: Path
) -> None:
    stranger = await start_sipp(
        tmp_path,
        "stranger",
        running.asterisk.sip_target,
        "-sf",
        str(SIPP_DIR / "stranger.xml"),
        "-s",
        "12368",
        "-i",
        "127.0.0.19",
        "-p",
        "5190",
        "-mi",
        "127.0.0.19",
        "-mp",
        "44000",
        "-m",
        "1",
    )
    assert await stranger.finish(20) == 0, stranger.errors()
    assert running.asterisk.active_channels() == 0
    assert await fetch(running.database, "SELECT id FROM calls") == []


async def test_call_survives_a_cut_events_connection_and_is_closed_after_reconnect(
    running: Running, tmp_path: Path
) -> None:
    seat = await start_seat(
        running.asterisk,
        tmp_path / "seat",
        "haidian-01",
        address="127.0.0.14",
        stay_ms=18000,
        media_port=42100,
    )
    await seat_registered(running, seat, "haidian-01")
    caller = await start_caller(running.asterisk, tmp_path / "caller", talk_ms=10000)
    calls = running.hotline.calls
    assert calls is not None
    [call] = await eventually(
        lambda: [c for c in calls.live_calls() if c.state is CallState.CONNECTED], 20
    )
    events = running.hotline.events
    assert events is not None

    # Once the bridge is being recorded (a start lost with the link is retried after it, which
    # would make the file shorter than the conversation this test compares it with).
    await eventually(
        lambda: running.asterisk.instance.recording_dir.host.joinpath(f"{call.id}.wav").exists(), 10
    )
    sessions = events.sessions_started
    running.proxy.cut()
    # Reconnecting with jittered backoff and rebuilding from ARI and the database.
    await eventually(lambda: events.connected and events.sessions_started > sessions, 20)

    [adopted] = calls.live_calls()
    assert (adopted.id, adopted.state) == (call.id, CallState.CONNECTED)
    assert running.hotline.ari is not None
    bridge = await running.hotline.ari.get_bridge(f"{call.id}-bridge")
    assert sorted(bridge.channels) == sorted(call.channels()), "the call stayed bridged"

    assert await caller.finish(40) == 0, caller.errors()
    [row] = await ended_calls(running.database)
    assert (row["id"], row["end_reason"], row["ended_by"]) == (call.id, "completed", "caller")
    recording = await stored_recording(running.database, call.id)
    bridged_s = (row["ended_at"] - row["connected_at"]).total_seconds()
    assert abs(recording["duration_ms"] / 1000 - bridged_s) < 0.8
    await seat.finish(30)

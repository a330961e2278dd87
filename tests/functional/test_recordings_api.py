"""Recordings through the API: heard or downloaded only by those allowed, each access audited."""

from __future__ import annotations

import aiohttp

from tests.functional.call_harness import (
    CALLER,
    Stack,
    connect_call,
    eventually_rows,
    write_wav,
)
from tests.functional.test_console import Browser, audit_actions, people  # noqa: F401
from tests.support import eventually


async def recorded_call(stack: Stack) -> str:
    """A call to HQ answered by high-01, hung up, its 2-second recording filed."""
    call_id, _seat_channel, bridge = await connect_call(stack)
    write_wav(stack.spool / f"{call_id}.wav", 2.0)
    await stack.hang_up(CALLER)
    await eventually(lambda: stack.requests("DELETE", f"/bridges/{bridge}"))
    await stack.fake.emit(
        {
            "type": "RecordingFinished",
            "recording": {
                "name": call_id,
                "format": "wav",
                "state": "done",
                "target_uri": f"bridge:{bridge}",
            },
        }
    )
    await eventually_rows(
        stack, "SELECT 1 FROM recordings WHERE name = $1 AND state = 'stored'", call_id
    )
    return call_id


async def fetch_audio(browser: Browser, path: str) -> tuple[int, dict[str, str], bytes]:
    async with browser.session.get(f"{browser.base}{path}") as response:
        return response.status, dict(response.headers), await response.read()


async def test_a_supervisor_plays_and_downloads_a_recording_and_both_are_audited(
    stack: Stack,
    people: dict[str, Browser],  # noqa: F811
) -> None:
    call_id = await recorded_call(stack)
    zhao = people["zhao"]
    await zhao.sign_in("zhao")
    status, listed = await zhao.send("GET", f"/api/calls/{call_id}/recordings")
    assert status == 200
    [recording] = listed["recordings"]
    assert (recording["name"], recording["state"], recording["duration_ms"]) == (
        call_id,
        "stored",
        2000,
    )
    assert recording["parties"] == {"caller": "139****5678", "seat": "high-01", "contact": None}

    status, headers, body = await fetch_audio(zhao, recording["audio"])
    assert status == 200 and body[:4] == b"RIFF" and len(body) == recording["size_bytes"]
    assert headers["Content-Type"] == "audio/wav"
    assert headers["Content-Disposition"] == f'inline; filename="{call_id}.wav"'
    assert headers["Cache-Control"] == "no-store"
    status, headers, _ = await fetch_audio(zhao, recording["audio"] + "?download=1")
    assert status == 200 and headers["Content-Disposition"].startswith("attachment;")

    audited = [entry for entry in await audit_actions(stack) if entry[1].startswith("recording")]
    assert audited == [
        ("zhao", "recording-played", call_id),
        ("zhao", "recording-downloaded", call_id),
    ]


async def test_a_recording_names_the_judge_an_urgent_contact_put_through(
    stack: Stack,
    people: dict[str, Browser],  # noqa: F811
) -> None:
    call_id = await recorded_call(stack)
    # The agent had the judge's office rung after the judge did not answer; it was put through.
    [contact] = await stack.fetch(
        "INSERT INTO urgent_contacts (call_id, court_id, case_number, caller_number,"
        " initiated_by, started_at, ended_at, outcome, bridged_step)"
        " VALUES ($1, 'high', '(2026)京01民初1号', '13800138000', 'high-01', now(), now(),"
        " 'bridged', 2) RETURNING id",
        call_id,
    )
    for step, role, number, outcome in (
        (1, "judge", "13800000001", "no_answer"),
        (2, "division_office", "01065000001", "accepted"),
    ):
        await stack.fetch(
            "INSERT INTO urgent_contact_steps (contact_id, step_no, role, name, number,"
            " channel_id, dialled_at, outcome) VALUES ($1, $2, $3, '王法官', $4, $5, now(), $6)",
            contact["id"],
            step,
            role,
            number,
            f"{call_id}-contact{step}",
            outcome,
        )
    zhao = people["zhao"]
    await zhao.sign_in("zhao")
    status, listed = await zhao.send("GET", f"/api/calls/{call_id}/recordings")
    assert status == 200
    [recording] = listed["recordings"]
    assert recording["parties"]["contact"] == {"role": "division_office", "number": "010****0001"}
    assert "01065000001" not in str(listed), "numbers are masked"


async def test_agents_other_courts_and_strangers_hear_nothing(
    stack: Stack,
    people: dict[str, Browser],  # noqa: F811
) -> None:
    call_id = await recorded_call(stack)
    zhang, wang = people["zhang"], people["wang"]
    await zhang.sign_in("zhang")
    await wang.sign_in("wang")
    audio = f"/api/recordings/{call_id}/audio"

    status, body = await zhang.send("GET", f"/api/calls/{call_id}/recordings")
    assert (status, body["error"]) == (403, "forbidden"), "agents do not play recordings"
    assert (await fetch_audio(zhang, audio))[0] == 403
    # Chaoyang's supervisor: an HQ call answered by an HQ seat is not theirs to hear.
    status, body = await wang.send("GET", f"/api/calls/{call_id}/recordings")
    assert (status, body["recordings"]) == (200, [])
    status, _, _ = await fetch_audio(wang, audio)
    assert status == 404
    async with (
        aiohttp.ClientSession() as anonymous,
        anonymous.get(f"{zhang.base}{audio}") as response,
    ):
        assert response.status == 401
    assert not [entry for entry in await audit_actions(stack) if entry[1].startswith("recording")]


async def test_odd_names_a_missing_file_and_a_bad_flag_are_refused(
    stack: Stack,
    people: dict[str, Browser],  # noqa: F811
) -> None:
    call_id = await recorded_call(stack)
    zhao = people["zhao"]
    await zhao.sign_in("zhao")
    for name in ("..%2F..%2Fetc%2Fpasswd", "NOPE", "c-does-not-exist"):
        status, _, _ = await fetch_audio(zhao, f"/api/recordings/{name}/audio")
        assert status == 404, name
    status, _, body = await fetch_audio(zhao, f"/api/recordings/{call_id}/audio?download=yes")
    assert status == 422 and b"bad-field" in body
    # The file went missing from the store: nothing to serve, and nothing audited.
    [row] = await stack.fetch("SELECT path FROM recordings WHERE name = $1", call_id)
    (stack.hotline.locations.recordings_store_dir / row["path"]).unlink()
    status, _, body = await fetch_audio(zhao, f"/api/recordings/{call_id}/audio")
    assert status == 409 and b"recording-not-stored" in body
    assert not [entry for entry in await audit_actions(stack) if entry[1].startswith("recording")]
    _, listed = await zhao.send("GET", f"/api/calls/{call_id}/recordings")
    assert listed["recordings"][0]["integrity"] == "missing"


async def test_an_altered_recording_is_served_flagged_and_the_flag_is_audited(
    stack: Stack,
    people: dict[str, Browser],  # noqa: F811
) -> None:
    call_id = await recorded_call(stack)
    zhao = people["zhao"]
    await zhao.sign_in("zhao")
    _, listed = await zhao.send("GET", f"/api/calls/{call_id}/recordings")
    [recording] = listed["recordings"]
    assert recording["integrity"] == "ok" and len(recording["sha256"]) == 64
    status, headers, _ = await fetch_audio(zhao, recording["audio"])
    assert headers["X-Recording-Integrity"] == "ok"
    assert headers["X-Recording-SHA256"] == recording["sha256"]

    [row] = await stack.fetch("SELECT path FROM recordings WHERE name = $1", call_id)
    stored = stack.hotline.locations.recordings_store_dir / row["path"]
    data = bytearray(stored.read_bytes())
    data[-2] ^= 0x55
    stored.write_bytes(bytes(data))
    status, headers, body = await fetch_audio(zhao, recording["audio"] + "?download=1")
    assert status == 200 and body == bytes(data), "evidence is served as it is, flagged"
    assert headers["X-Recording-Integrity"] == "altered"
    _, listed = await zhao.send("GET", f"/api/calls/{call_id}/recordings")
    assert listed["recordings"][0]["integrity"] == "altered"
    details = await stack.fetch(
        "SELECT action, detail->>'integrity' AS integrity FROM audit_log"
        " WHERE action LIKE 'recording-%' ORDER BY id"
    )
    assert [tuple(d) for d in details] == [
        ("recording-played", "ok"),
        ("recording-downloaded", "altered"),
    ]


async def test_a_recording_of_no_known_court_is_for_hq_only(
    stack: Stack,
    people: dict[str, Browser],  # noqa: F811
) -> None:
    call_id = await recorded_call(stack)
    # A conversation the switch placed (no home court) on a seat since removed from the config.
    await stack.fetch("UPDATE calls SET home_platform = '', seat_id = NULL WHERE id = $1", call_id)
    await stack.fetch("UPDATE recordings SET seat_id = NULL WHERE name = $1", call_id)
    zhao, wang = people["zhao"], people["wang"]
    await zhao.sign_in("zhao")
    await wang.sign_in("wang")
    assert (await fetch_audio(wang, f"/api/recordings/{call_id}/audio"))[0] == 404
    _, listed = await wang.send("GET", f"/api/calls/{call_id}/recordings")
    assert listed["recordings"] == []
    assert (await fetch_audio(zhao, f"/api/recordings/{call_id}/audio"))[0] == 200

"""The whole controller (real PostgreSQL, in-process fake ARI): a call from arrival to its row."""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from config.holder import ConfigHolder
from config.schema import HotlineConfig
from config.secrets import SecretStore
from hotline.app import Hotline, Locations
from tests.conftest import TEST_CONFIG
from tests.fakes.ari_server import FakeAri
from tests.support import assert_moments_in_order, eventually, fetch

CALLER = "caller-1"


class Stack:
    """A running controller wired to the fake, plus what a test needs to drive and inspect it."""

    def __init__(self, fake: FakeAri, hotline: Hotline, database: dict[str, Any], spool: Path):
        self.fake = fake
        self.hotline = hotline
        self.database = database
        self.spool = spool

    def requests(self, method: str, path: str) -> list[Any]:
        return self.fake.requests_to(method, path)

    async def caller_arrives(self, channel_id: str = CALLER) -> str:
        channel = self.fake.add_channel(channel_id, caller_number="13912345678")
        await self.fake.emit(
            {"type": "StasisStart", "channel": channel, "args": ["inbound", "12368"]}
        )
        await eventually(lambda: self.requests("POST", f"/channels/{channel_id}/answer"))
        calls = self.hotline.calls
        assert calls is not None
        call = await eventually(
            lambda: next((c for c in calls.live_calls() if c.caller_channel_id == channel_id), None)
        )
        return str(call.id)

    async def press(self, digit: str, channel_id: str = CALLER) -> None:
        await self.fake.emit(
            {
                "type": "ChannelDtmfReceived",
                "digit": digit,
                "duration_ms": 120,
                "channel": self.fake.channels[channel_id],
            }
        )

    def originations(self) -> list[dict[str, str]]:
        return [r.params for r in self.requests("POST", "/channels")]

    async def seat_answers(self, channel_id: str, call_id: str) -> None:
        channel = self.fake.channels[channel_id]
        channel["state"] = "Up"
        await self.fake.emit({"type": "StasisStart", "channel": channel, "args": ["seat", call_id]})

    async def hang_up(self, channel_id: str) -> None:
        channel = self.fake.channels.pop(channel_id)
        await self.fake.emit({"type": "StasisEnd", "channel": channel})
        await self.fake.emit(
            {
                "type": "ChannelDestroyed",
                "channel": channel,
                "cause": 16,
                "cause_txt": "Normal Clearing",
            }
        )

    async def row(self, call_id: str) -> asyncpg.Record:
        connection = await asyncpg.connect(**self.database)
        try:
            row = await connection.fetchrow("SELECT * FROM calls WHERE id=$1", call_id)
        finally:
            await connection.close()
        assert row is not None
        return row

    async def fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        return await fetch(self.database, query, *args)

    async def ended_row(self, call_id: str) -> asyncpg.Record:
        async with asyncio.timeout(5):
            while (row := await self.row(call_id))["ended_at"] is None:
                await asyncio.sleep(0.02)
        return row


def online(*seats: str) -> list[dict[str, Any]]:
    return [
        {"technology": "PJSIP", "resource": s, "state": "online", "channel_ids": []} for s in seats
    ]


@pytest.fixture
async def fake() -> AsyncIterator[FakeAri]:
    async with FakeAri.start() as fake:
        fake.endpoints = online("high-01")
        yield fake


def make_hotline(
    fake: FakeAri,
    database: dict[str, Any],
    config: HotlineConfig,
    tmp_path: Path,
    config_path: Path | None = None,
) -> Hotline:
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir(exist_ok=True)
    (secrets_dir / "ari").write_text(fake.password)
    asterisk = config.asterisk.model_copy(update={"ari_url": fake.base_url})
    config = config.model_copy(update={"asterisk": asterisk})
    locations = Locations(tmp_path / "prompts", "/prompts", tmp_path / "spool", tmp_path / "store")
    # The audio itself does not matter to the fake; each prompt's file only has to exist.
    locations.prompts_dir.mkdir(exist_ok=True)
    for prompt_id in config.prompts.items:
        (locations.prompts_dir / f"{prompt_id}.wav").touch()
    holder = ConfigHolder(config_path or tmp_path / "hotline.yaml", config)
    return Hotline(
        holder, SecretStore(secrets_dir), database, locations, status_listen="127.0.0.1:0"
    )


@pytest.fixture
async def stack(
    fake: FakeAri, database: dict[str, Any], test_config: HotlineConfig, tmp_path: Path
) -> AsyncIterator[Stack]:
    async with make_hotline(fake, database, test_config, tmp_path) as hotline:
        await hotline.wait_ready(5)
        yield Stack(fake, hotline, database, tmp_path / "spool")


def write_wav(path: Path, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\x10\x00" * int(8000 * seconds))


async def connect_call(stack: Stack) -> tuple[str, str, str]:
    call_id = await stack.caller_arrives()
    await stack.press("0")
    origination = await eventually(lambda: stack.originations())
    seat_channel = origination[0]["channelId"]
    await stack.seat_answers(seat_channel, call_id)
    record = await eventually(
        lambda: [
            r for r in stack.fake.requests if r.method == "POST" and r.path.endswith("/record")
        ]
    )
    bridge_id = record[0].path.split("/")[2]
    return call_id, seat_channel, bridge_id


async def test_call_walks_menu_queue_seat_and_bridge_then_closes_its_row(stack: Stack) -> None:
    call_id = await stack.caller_arrives()
    play = await eventually(lambda: stack.requests("POST", f"/channels/{CALLER}/play/{call_id}-p1"))
    assert play[0].params["media"] == (
        "sound:/prompts/welcome,sound:/prompts/recording_notice,sound:/prompts/menu"
    )

    await stack.press("0")
    origination = (await eventually(lambda: stack.originations()))[0]
    assert origination["endpoint"] == "PJSIP/high-01"
    assert origination["appArgs"] == f"seat,{call_id}"
    assert stack.requests("DELETE", f"/playbacks/{call_id}-p1"), "the key stopped the greeting"

    seat_channel = origination["channelId"]
    await stack.seat_answers(seat_channel, call_id)
    await eventually(lambda: stack.fake.recordings.get(call_id))
    bridge_id = f"{call_id}-bridge"
    assert sorted(stack.fake.bridges[bridge_id]["channels"]) == sorted([CALLER, seat_channel])

    write_wav(stack.spool / f"{call_id}.wav", 2.5)
    await stack.hang_up(CALLER)
    await eventually(lambda: stack.requests("DELETE", f"/channels/{seat_channel}"))
    await eventually(lambda: stack.requests("DELETE", f"/bridges/{bridge_id}"))
    await stack.fake.emit(
        {
            "type": "RecordingFinished",
            "recording": {
                "name": call_id,
                "format": "wav",
                "state": "done",
                "target_uri": f"bridge:{bridge_id}",
            },
        }
    )

    row = await stack.ended_row(call_id)
    assert (row["end_reason"], row["ended_by"], row["seat_id"]) == (
        "completed",
        "caller",
        "high-01",
    )
    assert row["caller_number"] == "13912345678"
    assert_moments_in_order(row)
    async with asyncio.timeout(5):
        while not (
            rows := await stack.fetch(
                "SELECT * FROM recordings WHERE call_id=$1 AND state='stored'", call_id
            )
        ):
            await asyncio.sleep(0.02)
    assert rows[0]["duration_ms"] == 2500
    stored = stack.hotline.locations.recordings_store_dir / rows[0]["path"]
    assert stored.is_file() and not (stack.spool / f"{call_id}.wav").exists()
    offers = await stack.fetch("SELECT seat_id, outcome FROM call_offers WHERE call_id=$1", call_id)
    assert [tuple(o) for o in offers] == [("high-01", "answered")]
    assert stack.hotline.seats.get("high-01").state == "idle"  # type: ignore[union-attr]


async def test_unanswered_seat_is_skipped_for_the_next_one(stack: Stack) -> None:
    stack.hotline.seats.set_registered("chaoyang-01", True)
    call_id = await stack.caller_arrives()
    await stack.press("0")
    first = (await eventually(lambda: stack.originations()))[0]
    await stack.hang_up(first["channelId"])  # rang out: destroyed without entering Stasis

    second = (await eventually(lambda: stack.originations()[1:]))[0]
    assert {first["endpoint"], second["endpoint"]} == {"PJSIP/high-01", "PJSIP/chaoyang-01"}
    offers = await stack.fetch(
        "SELECT attempt, outcome FROM call_offers WHERE call_id=$1 ORDER BY attempt", call_id
    )
    assert [tuple(o) for o in offers] == [(1, "no_answer"), (2, None)]


async def test_caller_who_hangs_up_while_waiting_is_recorded_as_abandoned(
    stack: Stack, fake: FakeAri
) -> None:
    stack.hotline.seats.set_registered("high-01", False)
    call_id = await stack.caller_arrives()
    await stack.press("0")
    await eventually(
        lambda: (
            stack.requests("POST", f"/channels/{CALLER}/moh")
            or stack.requests("POST", f"/channels/{CALLER}/play/{call_id}-p2")
        )
    )
    await stack.hang_up(CALLER)

    row = await stack.ended_row(call_id)
    assert (row["end_reason"], row["ended_by"]) == ("abandoned_in_queue", "caller")
    assert stack.originations() == [], "no seat was registered, so none was rung"


async def test_caller_leaving_while_the_events_link_was_down_is_closed_after_reconnect(
    stack: Stack,
) -> None:
    call_id, seat_channel, bridge_id = await connect_call(stack)
    connections = stack.fake.connections_total

    stack.fake.channels.pop(CALLER)  # the caller hangs up; the event is lost with the link
    await stack.fake.drop_connections(abrupt=True)
    await stack.fake.wait_for_connections(connections + 1)

    row = await stack.ended_row(call_id)
    assert (row["end_reason"], row["ended_by"]) == ("completed", "caller")
    assert stack.requests("DELETE", f"/channels/{seat_channel}")
    assert stack.requests("DELETE", f"/bridges/{bridge_id}")


async def test_restarted_controller_adopts_a_bridged_call_and_closes_it_at_hangup(
    fake: FakeAri, database: dict[str, Any], test_config: HotlineConfig, tmp_path: Path
) -> None:
    async with make_hotline(fake, database, test_config, tmp_path) as first:
        await first.wait_ready(5)
        call_id, seat_channel, bridge_id = await connect_call(
            Stack(fake, first, database, tmp_path / "spool")
        )
    # The first controller is gone (its task cancelled); Asterisk still holds the bridged call.
    assert CALLER in fake.channels and bridge_id in fake.bridges
    # Worst case: it died after bridging but before saving, so the row still says 'offering'.
    connection = await asyncpg.connect(**database)
    try:
        await connection.execute(
            "UPDATE calls SET state='offering', connected_at=NULL, bridge_id=NULL WHERE id=$1",
            call_id,
        )
    finally:
        await connection.close()

    async with make_hotline(fake, database, test_config, tmp_path) as second:
        await second.wait_ready(5)
        stack = Stack(fake, second, database, tmp_path / "spool")
        assert second.calls is not None
        adopted = await eventually(lambda: second.calls.live_calls())  # type: ignore[union-attr]
        assert [(c.id, c.state.value) for c in adopted] == [(call_id, "connected")]
        assert second.seats.get("high-01").call_id == call_id  # type: ignore[union-attr]

        await stack.hang_up(seat_channel)
        await eventually(lambda: [p for p in plays(stack) if p[1] == "sound:/prompts/rate"])
        await stack.hang_up(CALLER)  # rather than answer the survey
        row = await stack.ended_row(call_id)
        assert (row["end_reason"], row["ended_by"], row["survey_answer"]) == (
            "completed",
            "seat",
            None,
        )


async def test_rejected_config_reload_keeps_serving_the_last_good_menu(
    fake: FakeAri, database: dict[str, Any], test_config: HotlineConfig, tmp_path: Path
) -> None:
    path = tmp_path / "hotline.yaml"
    text = TEST_CONFIG.read_text(encoding="utf-8").replace(
        "ring_timeout_s: 10", "ring_timeout_s: soon"
    )
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    ring_timeout_s: soon") + 1
    async with make_hotline(fake, database, test_config, tmp_path, path) as hotline:
        await hotline.wait_ready(5)
        assert hotline.holder.reload() is False
        assert hotline.holder.last_errors == [
            f"{path}:{line}:21: queues[0].ring_timeout_s: Input should be a valid integer, "
            "unable to parse string as an integer"
        ]
        assert hotline.holder.current.hotline.name == test_config.hotline.name

        stack = Stack(fake, hotline, database, tmp_path / "spool")
        call_id = await stack.caller_arrives()
        play = await eventually(
            lambda: stack.requests("POST", f"/channels/{CALLER}/play/{call_id}-p1")
        )
        assert "sound:/prompts/welcome" in play[0].params["media"]


async def test_recording_is_filed_even_when_its_finished_event_never_comes(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("calls.service.RECORDING_SETTLE_S", 0.2)
    call_id, _seat_channel, _bridge_id = await connect_call(stack)
    write_wav(stack.spool / f"{call_id}.wav", 1.0)
    await stack.hang_up(CALLER)
    await eventually(lambda: stack.requests("POST", f"/recordings/live/{call_id}/stop"))
    del stack.fake.recordings[call_id]  # finished in Asterisk; the event was lost

    async with asyncio.timeout(5):
        while not (
            rows := await stack.fetch(
                "SELECT duration_ms FROM recordings WHERE name=$1 AND state='stored'", call_id
            )
        ):
            await asyncio.sleep(0.02)
    assert rows[0]["duration_ms"] == 1000


# ---- case self-service through the menu ------------------------------------------------------
CASES_CSV = (
    "case_number,court_id,division,query_code,password,stage,judge_name,next_hearing,"
    "last_event,last_event_at\n"
    "(2024)京0105民初12345号,chaoyang,民一庭,20240105123,8888,审理中,张明,"
    "2026-12-03 09:30,已送达开庭传票,2026-11-20 10:00\n"
)


def plays(stack: Stack) -> list[tuple[str, str]]:
    return [
        (r.path.rsplit("/", 1)[1], r.params["media"])
        for r in stack.fake.requests
        if r.method == "POST" and "/play/" in r.path
    ]


async def prompt_ends(stack: Stack, playback_id: str) -> None:
    await stack.fake.emit(
        {
            "type": "PlaybackFinished",
            "playback": {
                "id": playback_id,
                "media_uri": "sound:x",
                "target_uri": f"channel:{CALLER}",
                "language": "zh",
                "state": "done",
            },
        }
    )


async def enter_case(stack: Stack, password: str) -> None:
    for digit in "20240105123#" + password + "#":
        await stack.press(digit)


@pytest.fixture
async def case_imported(stack: Stack, tmp_path: Path) -> None:
    from cases.importer import import_cases
    from store.database import create_pool

    source = tmp_path / "cases.csv"
    source.write_text(CASES_CSV, encoding="utf-8")
    pool = await create_pool(stack.database, max_size=1)
    try:
        report = await import_cases(source, pool)
    finally:
        await pool.close()
    assert report.inserted == 1


@pytest.mark.usefixtures("case_imported")
async def test_case_query_by_keypad_reads_the_status_then_offers_the_next_menu(
    stack: Stack,
) -> None:
    call_id = await stack.caller_arrives()
    await stack.press("2")
    await eventually(lambda: [m for _, m in plays(stack) if m == "sound:/prompts/enter_code"])
    await enter_case(stack, "8888")

    status_id, media = (await eventually(lambda: [p for p in plays(stack) if "speech" in p[1]]))[0]
    assert media.startswith("sound:/prompts/speech/tts-")
    spoken = stack.hotline.locations.prompts_dir / "speech" / (media.rsplit("/", 1)[1] + ".wav")
    assert spoken.stat().st_size > 8000 * 2 * 3, "several seconds of speech"

    await prompt_ends(stack, status_id)
    await eventually(lambda: plays(stack)[-1][1] == "sound:/prompts/after_case")
    await stack.hang_up(CALLER)
    row = await stack.ended_row(call_id)
    assert row["end_reason"] == "self_service"
    attempts = await stack.fetch("SELECT reason FROM case_query_attempts")
    assert [a["reason"] for a in attempts] == ["success"]


@pytest.mark.usefixtures("case_imported")
async def test_wrong_passwords_lead_to_an_agent_after_the_third_try(stack: Stack) -> None:
    await stack.caller_arrives()
    await stack.press("2")
    for attempt in range(3):
        await enter_case(stack, "1111")
        if attempt < 2:
            wrong = await eventually(
                lambda n=attempt: [
                    p for p in plays(stack) if p[1].startswith("sound:/prompts/wrong_code")
                ][n:]
            )
            assert wrong[0][1] == "sound:/prompts/wrong_code,sound:/prompts/enter_code"
    handover = await eventually(
        lambda: [p for p in plays(stack) if p[1] == "sound:/prompts/case_agent"]
    )
    await prompt_ends(stack, handover[0][0])
    await eventually(lambda: stack.originations())  # queued and offered to the seat
    assert stack.originations()[0]["endpoint"] == "PJSIP/high-01"
    attempts = await stack.fetch("SELECT reason FROM case_query_attempts ORDER BY at")
    assert [a["reason"] for a in attempts] == ["wrong_password"] * 3


async def test_edited_menu_file_applies_to_new_calls_while_calls_in_the_menu_keep_theirs(
    fake: FakeAri,
    database: dict[str, Any],
    test_config: HotlineConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("hotline.app.CONFIG_POLL_S", 0.1)
    path = tmp_path / "hotline.yaml"
    original = TEST_CONFIG.read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    async with make_hotline(fake, database, test_config, tmp_path, path) as hotline:
        await hotline.wait_ready(5)
        stack = Stack(fake, hotline, database, tmp_path / "spool")
        first = await stack.caller_arrives()

        edited = original.replace(
            "prompts: [welcome, recording_notice, menu]", "prompts: [welcome, menu]"
        )
        path.write_text(edited, encoding="utf-8")

        def main_prompts() -> list[str]:
            return list(getattr(hotline.holder.current.ivr.nodes["main"], "prompts", []))

        await eventually(lambda: main_prompts() == ["welcome", "menu"], 30)
        assert (tmp_path / "prompts" / "menu.wav").is_file(), "prompts were built before going live"

        await stack.press("7")  # invalid: the first caller hears their own menu again
        replay = await eventually(
            lambda: stack.requests("POST", f"/channels/{CALLER}/play/{first}-p2")
        )
        assert (
            replay[0]
            .params["media"]
            .endswith(
                "invalid,sound:/prompts/welcome,sound:/prompts/recording_notice,sound:/prompts/menu"
            )
        )

        second = await stack.caller_arrives("caller-2")
        play = await eventually(
            lambda: stack.requests("POST", f"/channels/caller-2/play/{second}-p1")
        )
        assert play[0].params["media"] == "sound:/prompts/welcome,sound:/prompts/menu"

        path.write_text(edited.replace("retries: 2", "retries: many"), encoding="utf-8")
        await eventually(lambda: hotline.holder.last_errors, 10)
        assert "ivr.retries" in hotline.holder.last_errors[0]
        assert hotline.holder.current.ivr.retries == 2


async def test_seat_hanging_up_first_lets_the_caller_rate_the_call(stack: Stack) -> None:
    call_id, seat_channel, _bridge = await connect_call(stack)
    await stack.hang_up(seat_channel)
    rate = await eventually(lambda: [p for p in plays(stack) if p[1] == "sound:/prompts/rate"])
    assert stack.hotline.seats.get("high-01").call_id is None  # type: ignore[union-attr]

    await stack.press("1")
    thanks = await eventually(lambda: [p for p in plays(stack) if p[1] == "sound:/prompts/thanks"])
    assert stack.requests("DELETE", f"/playbacks/{rate[0][0]}"), "the key stopped the question"
    await prompt_ends(stack, thanks[0][0])
    await eventually(lambda: stack.requests("DELETE", f"/channels/{CALLER}"))

    row = await stack.ended_row(call_id)
    assert (row["end_reason"], row["ended_by"], row["survey_answer"]) == (
        "completed",
        "seat",
        "satisfied",
    )


async def test_after_hours_the_caller_leaves_a_message_that_becomes_a_callback_task(
    fake: FakeAri,
    database: dict[str, Any],
    test_config: HotlineConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from schedule.hours import SeatHours

    monkeypatch.setattr(SeatHours, "is_open", lambda _self, _platform, _moment: False)
    ivr = test_config.ivr.model_copy(update={"after_hours": "leave_message"})
    config = test_config.model_copy(update={"ivr": ivr})
    async with make_hotline(fake, database, config, tmp_path) as hotline:
        await hotline.wait_ready(5)
        stack = Stack(fake, hotline, database, tmp_path / "spool")
        call_id = await stack.caller_arrives()
        await stack.press("0")
        ask = await eventually(
            lambda: [p for p in plays(stack) if p[1] == "sound:/prompts/leave_message"]
        )
        await prompt_ends(stack, ask[0][0])

        record = await eventually(lambda: stack.requests("POST", f"/channels/{CALLER}/record"))
        name = record[0].params["name"]
        assert (record[0].params["terminateOn"], record[0].params["beep"]) == ("#", "true")
        write_wav(stack.spool / f"{name}.wav", 4.0)
        await fake.emit(
            {
                "type": "RecordingFinished",
                "recording": {
                    "name": name,
                    "format": "wav",
                    "state": "done",
                    "target_uri": f"channel:{CALLER}",
                },
            }
        )
        thanks = await eventually(
            lambda: [p for p in plays(stack) if p[1] == "sound:/prompts/message_thanks"]
        )
        await prompt_ends(stack, thanks[0][0])

        row = await stack.ended_row(call_id)
        assert row["end_reason"] == "message_left"
        assert stack.originations() == [], "no seat was rung after hours"
        async with asyncio.timeout(5):
            while not (
                stored := await stack.fetch(
                    "SELECT kind, duration_ms FROM recordings WHERE name=$1 AND state='stored'",
                    name,
                )
            ):
                await asyncio.sleep(0.02)
        assert tuple(stored[0]) == ("message", 4000)
        [task] = await stack.fetch("SELECT * FROM callback_tasks")
        assert (task["call_id"], task["reason"], task["recording_name"], task["state"]) == (
            call_id,
            "message",
            name,
            "open",
        )
        assert task["caller_number"] == "13912345678"
        assert task["due_at"] >= task["created_at"]


async def test_a_bridge_recording_that_failed_to_start_is_started_after_reconnecting(
    stack: Stack,
) -> None:
    call_id = await stack.caller_arrives()
    record_path = f"/bridges/{call_id}-bridge/record"
    stack.fake.respond("POST", record_path, 503, {"message": "link lost"}, times=1)
    await stack.press("0")
    origination = (await eventually(lambda: stack.originations()))[0]
    await stack.seat_answers(origination["channelId"], call_id)
    await eventually(lambda: stack.requests("POST", record_path))
    assert call_id not in stack.fake.recordings

    sessions = stack.fake.connections_total
    await stack.fake.drop_connections(abrupt=True)
    await stack.fake.wait_for_connections(sessions + 1)

    await eventually(lambda: call_id in stack.fake.recordings)
    assert len(stack.requests("POST", record_path)) == 2
    rows = await eventually_rows(stack, "SELECT state FROM recordings WHERE name=$1", call_id)
    assert rows[0]["state"] == "recording"


async def eventually_rows(stack: Stack, query: str, *args: object) -> list[Any]:
    async with asyncio.timeout(5):
        while not (rows := await stack.fetch(query, *args)):
            await asyncio.sleep(0.02)
    return rows


async def test_a_prompt_whose_file_went_missing_is_spoken_from_its_text(stack: Stack) -> None:
    (stack.hotline.locations.prompts_dir / "recording_notice.wav").unlink()
    call_id = await stack.caller_arrives()
    play = await eventually(lambda: stack.requests("POST", f"/channels/{CALLER}/play/{call_id}-p1"))
    media = play[0].params["media"].split(",")
    assert media[0] == "sound:/prompts/welcome" and media[2] == "sound:/prompts/menu"
    assert media[1].startswith("sound:/prompts/speech/tts-"), "said, not skipped"

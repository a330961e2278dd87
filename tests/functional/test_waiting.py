"""A waiting caller hears their place in line and the expected wait (espeak-ng for real)."""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

from config.schema import HotlineConfig
from tests.fakes.ari_server import FakeAri
from tests.functional.call_harness import CALLER, caller_waits, plays, prompt_ends, stack_with
from tests.support import eventually


async def test_position_and_expected_wait_are_announced_over_the_hold_music(
    fake: FakeAri, database: dict[str, Any], test_config: HotlineConfig, tmp_path: Path
) -> None:
    queues = [
        queue.model_copy(update={"announce_every_s": 1}) if queue.id == "general" else queue
        for queue in test_config.queues
    ]
    config = test_config.model_copy(update={"queues": queues})
    async with stack_with(fake, database, config, tmp_path) as stack:
        hotline = stack.hotline
        call_id = await caller_waits(stack)
        await prompt_ends(stack, f"{call_id}-p2")  # the hold prompt, then hold music
        await eventually(lambda: stack.requests("POST", f"/channels/{CALLER}/moh"))

        announced = await eventually(
            lambda: [(pid, media) for pid, media in plays(stack) if "/speech/tts-" in media], 15
        )
        playback_id, media = announced[0]
        assert playback_id.startswith(call_id)
        spoken = hotline.locations.prompts_dir / "speech" / (media.rsplit("/", 1)[1] + ".wav")
        with wave.open(str(spoken)) as audio:
            assert (audio.getframerate(), audio.getnchannels()) == (8000, 1)
            assert audio.getnframes() > 8000, "more than a second of speech"
        assert stack.requests("DELETE", f"/channels/{CALLER}/moh"), "no music under the words"
        await prompt_ends(stack, playback_id)
        await eventually(lambda: len(stack.requests("POST", f"/channels/{CALLER}/moh")) == 2)

"""Prompt audio made for real with espeak-ng and sox: built once, reused, rebuilt when changed."""

from __future__ import annotations

import asyncio
import stat
import struct
import wave
from pathlib import Path

import pytest
from structlog.testing import capture_logs

import ivr.prompts
from config.schema import Prompt, PromptsSection
from ivr.prompts import PromptError, build_prompts, synthesize
from ivr.speech import speakable

ASTERISK_DIR = "/var/lib/asterisk/sounds/hotline"
SHORT = "再见。"
LONG = "您好，欢迎致电北京法院12368诉讼服务热线。为了提高服务质量，本次通话将被录音。"


def section(**texts: str) -> PromptsSection:
    return PromptsSection(items={prompt_id: Prompt(text=text) for prompt_id, text in texts.items()})


def telephone_seconds(path: Path) -> float:
    """Duration of an 8 kHz mono 16-bit WAV; fails if the file is in any other format."""
    with wave.open(str(path), "rb") as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (8000, 1, 2)
        return audio.getnframes() / audio.getframerate()


def frames(path: Path) -> bytes:
    with wave.open(str(path), "rb") as audio:
        return audio.readframes(audio.getnframes())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_recording(path: Path, seconds: float) -> None:
    """A studio-style recording: 44.1 kHz stereo, a square wave so it is not silence."""
    rate = 44100
    samples = [8000 if (i // 50) % 2 else -8000 for i in range(int(rate * seconds))]
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(2)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(b"".join(struct.pack("<hh", s, s) for s in samples))


def test_build_prompts_makes_8khz_mono_wavs_as_long_as_their_text(tmp_path: Path) -> None:
    report = build_prompts(section(goodbye=SHORT, welcome=LONG), tmp_path, base_dir=tmp_path)

    assert sorted(report.built) == ["goodbye", "welcome"]
    assert report.reused == []
    short = telephone_seconds(tmp_path / "goodbye.wav")
    long = telephone_seconds(tmp_path / "welcome.wav")
    assert 0.3 < short < 3
    assert long > 3 * short
    assert mode(tmp_path / "welcome.wav") == 0o644


def test_build_prompts_reuses_unchanged_prompts_without_rebuilding(tmp_path: Path) -> None:
    prompts = section(goodbye=SHORT, welcome=LONG)
    build_prompts(prompts, tmp_path, base_dir=tmp_path)
    written = {path.name: path.stat().st_mtime_ns for path in tmp_path.glob("*.wav")}

    report = build_prompts(prompts, tmp_path, base_dir=tmp_path)

    assert report.built == []
    assert sorted(report.reused) == ["goodbye", "welcome"]
    assert {path.name: path.stat().st_mtime_ns for path in tmp_path.glob("*.wav")} == written


def test_build_prompts_rebuilds_only_the_prompt_whose_text_changed(tmp_path: Path) -> None:
    build_prompts(section(goodbye=SHORT, welcome=LONG), tmp_path, base_dir=tmp_path)
    before = telephone_seconds(tmp_path / "goodbye.wav")

    report = build_prompts(
        section(goodbye="感谢您的来电，祝您生活愉快，再见。", welcome=LONG),
        tmp_path,
        base_dir=tmp_path,
    )

    assert report.built == ["goodbye"]
    assert report.reused == ["welcome"]
    assert telephone_seconds(tmp_path / "goodbye.wav") > before


def test_build_prompts_rebuilds_when_the_reading_rules_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts = section(menu="人工服务请按0。")
    build_prompts(prompts, tmp_path, base_dir=tmp_path)
    monkeypatch.setattr(ivr.prompts, "speakable", lambda text: speakable(text) + "谢谢。")

    report = build_prompts(prompts, tmp_path, base_dir=tmp_path)

    assert report.built == ["menu"]


def test_build_prompts_speaks_digits_as_their_chinese_reading(tmp_path: Path) -> None:
    build_prompts(
        section(digits="请拨打12368，按0。", words="请拨打幺二三六八，按零。"),
        tmp_path,
        base_dir=tmp_path,
    )

    assert frames(tmp_path / "digits.wav") == frames(tmp_path / "words.wav")


def test_build_prompts_converts_a_recorded_file_instead_of_synthesising(tmp_path: Path) -> None:
    write_recording(tmp_path / "welcome-studio.wav", seconds=1.5)
    prompts = PromptsSection(
        items={"welcome": Prompt(text=LONG, file=Path("welcome-studio.wav"))},
    )
    out = tmp_path / "prompts"

    report = build_prompts(prompts, out, base_dir=tmp_path)

    assert report.built == ["welcome"]
    assert telephone_seconds(out / "welcome.wav") == pytest.approx(1.5, abs=0.01)


def test_build_prompts_synthesises_when_the_recorded_file_is_missing(tmp_path: Path) -> None:
    prompts = PromptsSection(items={"goodbye": Prompt(text=SHORT, file=Path("missing.wav"))})

    with capture_logs() as logs:
        report = build_prompts(prompts, tmp_path / "prompts", base_dir=tmp_path)

    assert report.built == ["goodbye"]
    assert telephone_seconds(tmp_path / "prompts" / "goodbye.wav") > 0.3
    [missing] = [entry for entry in logs if entry["event"].startswith("recorded prompt missing")]
    assert missing["log_level"] == "error"
    assert missing["prompt"] == "goodbye"
    assert missing["path"] == str(tmp_path / "missing.wav")


def test_build_prompts_reports_a_tool_failure_and_leaves_no_scratch_files(tmp_path: Path) -> None:
    prompts = PromptsSection(voice="nosuchvoice", items={"goodbye": Prompt(text=SHORT)})

    with pytest.raises(PromptError, match="espeak-ng failed"):
        build_prompts(prompts, tmp_path, base_dir=tmp_path)

    assert list(tmp_path.iterdir()) == []


async def test_synthesize_makes_a_telephone_wav_and_returns_its_uri(tmp_path: Path) -> None:
    uri = await synthesize(
        "您的案件（2024）京0105民初12345号已于2024年3月5日立案。",
        voice="cmn",
        out_dir=tmp_path,
        asterisk_dir=ASTERISK_DIR,
    )

    assert uri.startswith(f"sound:{ASTERISK_DIR}/tts-")
    name = uri.rsplit("/", 1)[1]
    [made] = list(tmp_path.iterdir())
    assert made.name == f"{name}.wav"
    assert telephone_seconds(made) > 2
    assert mode(made) == 0o644


async def test_synthesize_reuses_the_file_for_the_same_reading(tmp_path: Path) -> None:
    first = await synthesize(
        "请拨打12368", voice="cmn", out_dir=tmp_path, asterisk_dir=ASTERISK_DIR
    )
    [made] = list(tmp_path.iterdir())
    written = made.stat().st_mtime_ns

    again = await synthesize(
        "请拨打12368", voice="cmn", out_dir=tmp_path, asterisk_dir=ASTERISK_DIR
    )
    same_words = await synthesize(
        "请拨打幺二三六八", voice="cmn", out_dir=tmp_path, asterisk_dir=ASTERISK_DIR
    )

    assert again == first
    assert same_words == first
    assert list(tmp_path.iterdir()) == [made]
    assert made.stat().st_mtime_ns == written


async def test_synthesize_gives_different_texts_and_voices_different_files(tmp_path: Path) -> None:
    uris = {
        await synthesize(text, voice=voice, out_dir=tmp_path, asterisk_dir=ASTERISK_DIR)
        for text, voice in [("请稍候。", "cmn"), ("再见。", "cmn"), ("再见。", "cmn-latn-pinyin")]
    }

    assert len(uris) == 3
    assert len(list(tmp_path.glob("*.wav"))) == 3


async def test_concurrent_synthesis_of_the_same_text_yields_one_complete_file(
    tmp_path: Path,
) -> None:
    text = "您的案件已由承办法官审理，请耐心等待。"

    uris = await asyncio.gather(
        *(
            synthesize(text, voice="cmn", out_dir=tmp_path, asterisk_dir=ASTERISK_DIR)
            for _ in range(4)
        )
    )

    assert len(set(uris)) == 1
    [made] = list(tmp_path.iterdir())
    assert made.name == uris[0].rsplit("/", 1)[1] + ".wav"
    assert telephone_seconds(made) > 1


async def test_synthesize_reports_a_tool_failure_as_prompt_error(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="espeak-ng failed"):
        await synthesize("再见。", voice="nosuchvoice", out_dir=tmp_path, asterisk_dir=ASTERISK_DIR)

    assert list(tmp_path.iterdir()) == []


async def test_synthesize_refuses_empty_text(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="empty"):
        await synthesize("  ", voice="cmn", out_dir=tmp_path, asterisk_dir=ASTERISK_DIR)

"""Prompt audio: recorded files where given, otherwise Mandarin speech from espeak-ng, 8 kHz WAV."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import structlog

from config.schema import PromptsSection
from ivr.speech import speakable

log = structlog.get_logger(__name__)

SPEECH_RATE_WPM = "150"
# No dither (it is random: the same text would give different bytes on every build) and an
# automatic gain guard, since espeak-ng's peaks clip once resampled.
CONVERT_OPTIONS = ("-D", "-G")
# What Asterisk plays without transcoding: 8 kHz, mono, 16-bit signed PCM.
TELEPHONE_FORMAT = ("-r", "8000", "-c", "1", "-b", "16")
# Part of every cache key, so a change to how audio is made rebuilds the files made the old way.
PIPELINE_VERSION = (
    f"espeak-ng -s {SPEECH_RATE_WPM} | sox {' '.join((*CONVERT_OPTIONS, *TELEPHONE_FORMAT))}"
)
SYNTHESIZED_PREFIX = "tts-"


class PromptError(RuntimeError):
    code = "prompt-build-failed"


@dataclass(frozen=True)
class PromptReport:
    built: list[str]
    reused: list[str]


def media_uri(asterisk_dir: str, prompt_id: str) -> str:
    """Asterisk picks the file's format itself when the extension is left off."""
    return f"sound:{asterisk_dir.rstrip('/')}/{prompt_id}"


def _speech_command(voice: str, out: Path) -> tuple[str, ...]:
    # The text goes in on stdin: as an argument, text starting with "-" would be read as an option.
    return ("espeak-ng", "-v", voice, "-s", SPEECH_RATE_WPM, "--stdin", "-w", str(out))


def _convert_command(source: Path, out: Path) -> tuple[str, ...]:
    return ("sox", *CONVERT_OPTIONS, str(source), *TELEPHONE_FORMAT, str(out))


def _failure(command: tuple[str, ...], returncode: int | None, stderr: bytes) -> PromptError:
    message = stderr.decode(errors="replace").strip()[-400:]
    return PromptError(f"{command[0]} failed ({returncode}): {message}")


def _run(command: tuple[str, ...], stdin: bytes = b"") -> None:
    done = subprocess.run(command, input=stdin, capture_output=True, check=False)
    if done.returncode != 0:
        raise _failure(command, done.returncode, done.stderr)


async def _run_async(command: tuple[str, ...], stdin: bytes = b"") -> None:
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError as exc:
        raise PromptError(f"{command[0]} is not installed (Debian package '{command[0]}')") from exc
    except OSError as exc:
        raise PromptError(f"{command[0]} could not be started: {exc}") from exc
    try:
        _, stderr = await process.communicate(stdin)
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        raise _failure(command, process.returncode, stderr)


def _cache_key(voice: str, spoken_text: str, recording: bytes = b"") -> str:
    """Keyed on the text as spoken, so a change to the reading rules rebuilds the audio."""
    digest = hashlib.sha256(f"{PIPELINE_VERSION}\0{voice}\0{spoken_text}\0".encode())
    digest.update(recording)
    return digest.hexdigest()[:24]


def _scratch_paths(out_dir: Path, name: str) -> tuple[Path, Path]:
    """Unique per build, so two builds of the same prompt never write into each other's files."""
    tag = uuid.uuid4().hex[:12]
    return out_dir / f".{name}.{tag}.speech.wav", out_dir / f".{name}.{tag}.partial.wav"


def _ready(target: Path) -> bool:
    """Whether the file is there; if not, make its directory. Metadata calls only: no waiting."""
    if target.is_file():
        return True
    target.parent.mkdir(parents=True, exist_ok=True)
    return False


def _publish(partial: Path, target: Path) -> None:
    partial.chmod(0o644)
    os.replace(partial, target)


def _discard(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def build_prompts(section: PromptsSection, out_dir: Path, *, base_dir: Path) -> PromptReport:
    """Make `<id>.wav` for every prompt; unchanged text or files are not rebuilt (start-up step)."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise PromptError(f"{tool} is not installed (Debian package '{tool}')")
    out_dir.mkdir(parents=True, exist_ok=True)
    built, reused = [], []
    for prompt_id, prompt in section.items.items():
        source = None
        if prompt.file is not None:
            source = prompt.file if prompt.file.is_absolute() else base_dir / prompt.file
            if not source.is_file():
                log.error(
                    "recorded prompt missing; using synthesis", prompt=prompt_id, path=str(source)
                )
                source = None
        spoken_text = speakable(prompt.text)
        key = _cache_key(section.voice, spoken_text, source.read_bytes() if source else b"")
        target = out_dir / f"{prompt_id}.wav"
        stamp = out_dir / f".{prompt_id}.key"
        if target.exists() and stamp.exists() and stamp.read_text() == key:
            reused.append(prompt_id)
            continue
        spoken, partial = _scratch_paths(out_dir, prompt_id)
        try:
            if source is None:
                _run(_speech_command(section.voice, spoken), spoken_text.encode())
                source = spoken
            _run(_convert_command(source, partial))
            _publish(partial, target)
        finally:
            _discard(spoken, partial)
        stamp.write_text(key)
        built.append(prompt_id)
    log.info("prompts ready", built=len(built), reused=len(reused), dir=str(out_dir))
    return PromptReport(built, reused)


async def synthesize(text: str, *, voice: str, out_dir: Path, asterisk_dir: str) -> str:
    """Speak text known only during a call (a case's status); return its media URI.

    The file is named after what is said, so the same words are synthesised once and reused.
    Concurrent calls for the same words each build a private file and rename it into place, so a
    reader only ever sees a complete file.
    """
    spoken_text = speakable(text).strip()
    if not spoken_text:
        raise PromptError("nothing to synthesise: the text is empty")
    name = SYNTHESIZED_PREFIX + _cache_key(voice, spoken_text)
    target = out_dir / f"{name}.wav"
    if _ready(target):
        return media_uri(asterisk_dir, name)
    spoken, partial = _scratch_paths(out_dir, name)
    try:
        await _run_async(_speech_command(voice, spoken), spoken_text.encode())
        await _run_async(_convert_command(spoken, partial))
        _publish(partial, target)
    finally:
        _discard(spoken, partial)
    # The text may be a litigant's case details: log the file, not the words.
    log.info("prompt synthesised", name=name, characters=len(spoken_text))
    return media_uri(asterisk_dir, name)

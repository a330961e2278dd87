"""Prompt audio: recorded files where given, otherwise Mandarin speech from espeak-ng, 8 kHz WAV."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import structlog

from config.schema import PromptsSection

log = structlog.get_logger(__name__)


class PromptError(RuntimeError):
    code = "prompt-build-failed"


@dataclass(frozen=True)
class PromptReport:
    built: list[str]
    reused: list[str]


def media_uri(asterisk_dir: str, prompt_id: str) -> str:
    """Asterisk picks the file's format itself when the extension is left off."""
    return f"sound:{asterisk_dir.rstrip('/')}/{prompt_id}"


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()[-400:]
        raise PromptError(f"{command[0]} failed ({done.returncode}): {message}")


def _cache_key(voice: str, text: str, source: Path | None) -> str:
    digest = hashlib.sha256(f"{voice}\0{text}".encode())
    if source is not None:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:24]


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
        key = _cache_key(section.voice, prompt.text, source)
        target = out_dir / f"{prompt_id}.wav"
        stamp = out_dir / f".{prompt_id}.key"
        if target.exists() and stamp.exists() and stamp.read_text() == key:
            reused.append(prompt_id)
            continue
        partial = out_dir / f".{prompt_id}.partial.wav"
        if source is None:
            spoken = out_dir / f".{prompt_id}.speech.wav"
            _run("espeak-ng", "-v", section.voice, "-s", "150", "-w", str(spoken), prompt.text)
            _run("sox", str(spoken), "-r", "8000", "-c", "1", "-b", "16", str(partial))
            spoken.unlink()
        else:
            _run("sox", str(source), "-r", "8000", "-c", "1", "-b", "16", str(partial))
        partial.chmod(0o644)
        os.replace(partial, target)
        stamp.write_text(key)
        built.append(prompt_id)
    log.info("prompts ready", built=len(built), reused=len(reused), dir=str(out_dir))
    return PromptReport(built, reused)

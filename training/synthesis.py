"""Speak one sentence with espeak-ng and encode it as MP3, as Common Voice clips are."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from training.errors import ToolMissingError, TrainingError
from training.voices import Speaker

MP3_BITRATE_KBPS = 48


def check_synthesis_tools() -> None:
    """Fail early, naming the Debian packages, when espeak-ng or sox is missing."""
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        raise ToolMissingError(
            f"missing {', '.join(missing)}: apt-get install espeak-ng sox libsox-fmt-mp3"
        )


def synthesize_mp3(sentence: str, speaker: Speaker, destination: Path) -> None:
    """Write `sentence` spoken by `speaker` to `destination` (MP3, espeak-ng's 22.05 kHz)."""
    with tempfile.TemporaryDirectory(prefix="streamscribe-tts-") as tmp:
        wav = Path(tmp) / "speech.wav"
        run_checked(
            ["espeak-ng", "-v", speaker.voice, "-s", str(speaker.words_per_minute),
             "-p", str(speaker.pitch), "-a", str(speaker.amplitude), "-w", str(wav), sentence],
            f"espeak-ng ({speaker.voice})",
        )
        run_checked(
            ["sox", str(wav), "-C", str(MP3_BITRATE_KBPS), str(destination)],
            f"sox encoding {destination.name}",
        )


def run_checked(command: list[str], what: str) -> None:
    """Run a program; raise with its error output when it fails."""
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise TrainingError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()}")

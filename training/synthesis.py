"""Speak sentences with espeak-ng, flite or festival and encode them as MP3, as Common Voice clips are.

espeak-ng and flite start fast, so each clip is one call; festival loads its voice for a
second, so its clips are spoken in batches by one festival process per batch.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from training.errors import ToolMissingError, TrainingError
from training.voices import AnySpeaker, Speaker, TtsSpeaker

MP3_BITRATE_KBPS = 48
# the program each engine needs, and the Debian packages that provide it
TOOLS = {
    "espeak-ng": ("espeak-ng", "espeak-ng"),
    "flite": ("flite", "flite"),
    "festival": ("festival", "festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts"),
}


def check_synthesis_tools(engines: Sequence[str] = ("espeak-ng",)) -> None:
    """Fail early, naming the Debian packages, when a synthesiser or sox is missing."""
    needed = [("sox", "sox libsox-fmt-mp3"), *(TOOLS[engine] for engine in engines)]
    missing = [(tool, package) for tool, package in needed if shutil.which(tool) is None]
    if missing:
        raise ToolMissingError(
            f"missing {', '.join(tool for tool, _ in missing)}: "
            f"apt-get install {' '.join(package for _, package in missing)}"
        )


def synthesis_command(sentence: str, speaker: AnySpeaker, wav: Path) -> list[str]:
    """The espeak-ng or flite call that writes `sentence` to `wav`."""
    if isinstance(speaker, Speaker):
        return ["espeak-ng", "-v", speaker.voice, "-s", str(speaker.words_per_minute),
                "-p", str(speaker.pitch), "-a", str(speaker.amplitude), "-w", str(wav), sentence]
    if speaker.engine == "flite":
        return ["flite", "-voice", speaker.voice, "--setf", f"duration_stretch={speaker.stretch}",
                "-t", sentence, "-o", str(wav)]
    raise TrainingError(f"{speaker.engine} speaks in batches: use synthesize_festival_mp3s")


def synthesize_mp3(sentence: str, speaker: AnySpeaker, destination: Path) -> None:
    """Write `sentence` spoken by an espeak-ng or flite `speaker` to `destination` (MP3)."""
    with tempfile.TemporaryDirectory(prefix="streamscribe-tts-") as tmp:
        wav = Path(tmp) / "speech.wav"
        run_checked(synthesis_command(sentence, speaker, wav), f"{speaker.engine} ({speaker.voice})")
        encode_mp3(wav, destination)


def festival_script(items: Sequence[tuple[str, TtsSpeaker, Path]]) -> str:
    """A festival batch script that speaks each sentence with its voice and rate into its WAV."""
    lines = []
    for sentence, speaker, wav in items:
        text = sentence.replace("\\", " ").replace('"', " ")
        lines += [
            f"(voice_{speaker.voice})",
            f"(Parameter.set 'Duration_Stretch {speaker.stretch})",
            f'(utt.save.wave (utt.synth (Utterance Text "{text}")) "{wav}" \'riff)',
        ]
    return "\n".join(lines) + "\n"


def synthesize_festival_mp3s(items: Sequence[tuple[str, TtsSpeaker, Path]]) -> None:
    """Speak a batch of (sentence, festival speaker, destination MP3) with one festival process."""
    with tempfile.TemporaryDirectory(prefix="streamscribe-festival-") as tmp:
        wavs = [Path(tmp) / f"{n}.wav" for n in range(len(items))]
        script = Path(tmp) / "batch.scm"
        script.write_text(festival_script([(s, spk, wav) for (s, spk, _), wav in zip(items, wavs, strict=True)]))
        run_checked(["festival", "-b", str(script)], f"festival batch of {len(items)}")
        for wav, (_, _, destination) in zip(wavs, items, strict=True):
            if not wav.is_file():
                raise TrainingError(f"festival wrote no audio for {destination.name}")
            encode_mp3(wav, destination)


def encode_mp3(wav: Path, destination: Path) -> None:
    """WAV -> MP3 at Common Voice's low bit rate."""
    run_checked(["sox", str(wav), "-C", str(MP3_BITRATE_KBPS), str(destination)], f"sox encoding {destination.name}")


def run_checked(command: list[str], what: str) -> None:
    """Run a program; raise with its error output when it fails."""
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise TrainingError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()}")

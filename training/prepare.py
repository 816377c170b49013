"""`train prepare`: Common Voice TSV + MP3 -> 16 kHz mono WAV + normalised NeMo manifests.

Each manifest line is `{"audio_filepath", "duration", "text"}`. Clips converted before are
reused; clips that cannot be used (unreadable audio, digits in a language whose numbers are
not spelled out, nothing left after normalisation) are reported with their reason and left out, never fatal.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import soundfile

from training.commonvoice import read_split
from training.errors import ToolMissingError
from training.progress import default_workers, parallel_map
from training.settings import PrepareSettings
from training.text_normalization import normalize_text, spells_numbers

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
WAV_DIR = "wav"
DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class ManifestEntry:
    """One usable utterance of a NeMo manifest."""

    audio_filepath: str
    duration: float
    text: str

    def to_json(self) -> str:
        return json.dumps(
            {"audio_filepath": self.audio_filepath, "duration": self.duration, "text": self.text},
            ensure_ascii=False,
        )


@dataclass(frozen=True)
class SkippedClip:
    """A clip left out of the manifest, and why."""

    path: str
    reason: str


@dataclass
class PreparedSplit:
    """What preparing one split produced."""

    split: str
    manifest: Path
    entries: list[ManifestEntry] = field(default_factory=list)
    skipped: list[SkippedClip] = field(default_factory=list)

    @property
    def hours(self) -> float:
        return sum(entry.duration for entry in self.entries) / 3600


def check_conversion_tools() -> None:
    """Fail early when sox (with MP3 support) is missing."""
    if shutil.which("sox") is None:
        raise ToolMissingError("sox is missing: apt-get install sox libsox-fmt-mp3")


def convert_to_wav(source: Path, destination: Path) -> str | None:
    """Decode any audio sox reads to 16 kHz mono 16-bit WAV; return an error text or None.

    An existing destination is kept (already converted); output goes to a temporary name
    first so an interrupted run never leaves a truncated WAV that looks finished.
    """
    if destination.exists() and destination.stat().st_size > 44:
        return None
    if not source.is_file():
        return "file not found"
    partial = destination.with_suffix(".part.wav")
    result = subprocess.run(
        ["sox", "-V1", str(source), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(partial)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        return f"unreadable audio: {result.stderr.strip() or f'sox exit {result.returncode}'}"
    partial.replace(destination)
    return None


def prepare_row(row: dict[str, str], corpus_dir: Path, wav_dir: Path, language: str) -> ManifestEntry | SkippedClip:
    """Convert one TSV row's clip and normalise its sentence."""
    clip = row["path"]
    if DIGIT.search(row["sentence"]) and not spells_numbers(language):
        return SkippedClip(clip, f"sentence has digits (numbers are not spelled out in {language!r})")
    text = normalize_text(row["sentence"], language)
    if not text:
        return SkippedClip(clip, "sentence is empty after normalisation")
    source = corpus_dir / clip if "/" in clip else corpus_dir / "clips" / clip
    wav = wav_dir / (Path(clip).stem + ".wav")
    error = convert_to_wav(source, wav)
    if error:
        return SkippedClip(clip, error)
    try:
        duration = soundfile.info(str(wav)).duration
    except RuntimeError as exc:
        return SkippedClip(clip, f"converted WAV unreadable: {exc}")
    return ManifestEntry(str(wav.resolve()), round(duration, 3), text)


def prepare_split(split: str, settings: PrepareSettings) -> PreparedSplit:
    """Convert and normalise one split and write its manifest `<output>/<split>.json`."""
    rows = read_split(settings.corpus_dir, split)
    wav_dir = settings.output_dir / WAV_DIR
    wav_dir.mkdir(parents=True, exist_ok=True)
    result = PreparedSplit(split, settings.output_dir / f"{split}.json")
    outcomes = parallel_map(
        lambda row: prepare_row(row, settings.corpus_dir, wav_dir, settings.language),
        rows, f"preparing {split}", settings.workers or default_workers(),
    )
    for outcome in outcomes:
        if isinstance(outcome, SkippedClip):
            result.skipped.append(outcome)
            log.warning("%s: left out %s: %s", split, outcome.path, outcome.reason)
        else:
            result.entries.append(outcome)
    result.entries.sort(key=lambda entry: entry.audio_filepath)
    result.manifest.write_text("".join(entry.to_json() + "\n" for entry in result.entries), encoding="utf-8")
    return result


def prepare_corpus(settings: PrepareSettings) -> list[PreparedSplit]:
    """Prepare every requested split; the splits' reports in order."""
    check_conversion_tools()
    settings.output_dir.mkdir(parents=True, exist_ok=True)
    return [prepare_split(split, settings) for split in settings.splits]


def read_manifest(path: Path) -> list[ManifestEntry]:
    """The entries of a NeMo manifest file."""
    with path.open(encoding="utf-8") as handle:
        return [ManifestEntry(**json.loads(line)) for line in handle if line.strip()]

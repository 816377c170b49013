"""Held-out sample speech shipped with the model: FLAC clips plus `samples.tsv` (path, sentence).

The samples come from the test split (sentences the acoustic model, the n-gram and the
alpha/beta tuning never saw), one per speaker as far as possible.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

import soundfile

from training.commonvoice import read_split
from training.prepare import ManifestEntry, read_manifest
from training.settings import SamplesSettings

SAMPLES_TSV = "samples.tsv"


@dataclass(frozen=True)
class Sample:
    """One shipped utterance: its FLAC file name and normalised reference text."""

    path: str
    sentence: str


def pick_entries(
    entries: list[ManifestEntry], speakers: dict[str, str], settings: SamplesSettings
) -> list[ManifestEntry]:
    """Up to `count` short entries, each from a new speaker while new ones remain."""
    rng = random.Random(settings.seed)
    candidates = [e for e in entries if e.duration <= settings.max_seconds]
    rng.shuffle(candidates)
    chosen: list[ManifestEntry] = []
    seen_speakers: set[str] = set()
    for entry in candidates:
        speaker = speakers.get(Path(entry.audio_filepath).stem, "")
        if speaker not in seen_speakers:
            chosen.append(entry)
            seen_speakers.add(speaker)
    rest = [entry for entry in candidates if entry not in chosen]
    return (chosen + rest)[: settings.count]


def export_samples(settings: SamplesSettings) -> list[Sample]:
    """Write the FLAC clips and `samples.tsv` into `settings.output_dir`."""
    speakers = {Path(row["path"]).stem: row.get("client_id", "") for row in read_split(settings.corpus_dir, "test")}
    entries = pick_entries(read_manifest(settings.test_manifest), speakers, settings)
    settings.output_dir.mkdir(parents=True, exist_ok=True)
    for stale in settings.output_dir.glob("sample_*.flac"):
        stale.unlink()
    samples = []
    for number, entry in enumerate(sorted(entries, key=lambda e: e.audio_filepath)):
        name = f"sample_{number:02d}.flac"
        audio, rate = soundfile.read(entry.audio_filepath, dtype="int16")
        soundfile.write(settings.output_dir / name, audio, rate, format="FLAC", subtype="PCM_16")
        samples.append(Sample(name, entry.text))
    with (settings.output_dir / SAMPLES_TSV).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["path", "sentence"])
        writer.writerows((sample.path, sample.sentence) for sample in samples)
    return samples


def read_samples(samples_dir: Path) -> list[Sample]:
    """The samples listed in `samples.tsv`, paths relative to `samples_dir`."""
    with (samples_dir / SAMPLES_TSV).open(newline="", encoding="utf-8") as handle:
        return [Sample(row["path"], row["sentence"]) for row in csv.DictReader(handle, delimiter="\t")]

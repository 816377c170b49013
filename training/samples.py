"""Held-out sample speech shipped with the model, for the demo, the tests and benchmarks.

- `samples.tsv` (path, sentence) + `sample_NN.flac`: synthetic test utterances at 16 kHz
  (sentences the acoustic model, the n-gram and the alpha/beta tuning never saw), one per
  speaker as far as possible;
- `real_8k/samples.tsv` + `real_8k/real_NN.flac`: real held-out prompts (the Asterisk
  speaker) as a phone call carries them: 8 kHz after a G.711 mu-law round trip;
- `demo.tsv` (path, sentence, source): both, interleaved, which `make run` streams.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path

import soundfile

from training.augment import TELEPHONE_RATE
from training.commonvoice import read_split
from training.prepare import ManifestEntry, read_manifest
from training.real_prompts import telephone_audio
from training.settings import SamplesSettings

SAMPLES_TSV = "samples.tsv"
BOUNDS_JSON = "streamscribe-small.bounds.json"  # beside the shipped model: the WER it is held to
REAL_DIR = "real_8k"
DEMO_TSV = "demo.tsv"
SYNTHETIC_SOURCE = "synthetic 16 kHz"
REAL_SOURCE = "real 8 kHz"


@dataclass(frozen=True)
class Sample:
    """One shipped utterance: its FLAC file name and normalised reference text."""

    path: str
    sentence: str
    source: str = SYNTHETIC_SOURCE


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
    """Write the synthetic clips and `samples.tsv`, the real 8 kHz prompts (when a real test
    manifest is given) and the demo's interleaved `demo.tsv` into `settings.output_dir`."""
    speakers = {Path(row["path"]).stem: row.get("client_id", "") for row in read_split(settings.corpus_dir, "test")}
    entries = pick_entries(read_manifest(settings.test_manifest), speakers, settings)
    settings.output_dir.mkdir(parents=True, exist_ok=True)
    for stale in [*settings.output_dir.glob("sample_*.flac"), *settings.output_dir.glob(f"{REAL_DIR}/real_*.flac")]:
        stale.unlink()
    samples = []
    for number, entry in enumerate(sorted(entries, key=lambda e: e.audio_filepath)):
        name = f"sample_{number:02d}.flac"
        audio, rate = soundfile.read(entry.audio_filepath, dtype="int16")
        soundfile.write(settings.output_dir / name, audio, rate, format="FLAC", subtype="PCM_16")
        samples.append(Sample(name, entry.text))
    write_samples_tsv(settings.output_dir / SAMPLES_TSV, samples)
    real = [] if settings.real_test_manifest is None else export_real_samples(settings, settings.real_test_manifest)
    demo = [sample for pair in zip(samples, real) for sample in pair]
    demo += samples[len(real):] + real[len(samples):]
    write_samples_tsv(settings.output_dir / DEMO_TSV, demo, with_source=True)
    return samples + real


def export_real_samples(settings: SamplesSettings, real_test_manifest: Path) -> list[Sample]:
    """Short real test prompts at 8 kHz after a mu-law round trip, into `real_8k/` with its own
    `samples.tsv`; the returned samples' paths are relative to `settings.output_dir`."""
    folder = settings.output_dir / REAL_DIR
    folder.mkdir(parents=True, exist_ok=True)
    entries = [e for e in read_manifest(real_test_manifest) if 0.8 <= e.duration <= settings.max_seconds]
    random.Random(settings.seed).shuffle(entries)
    samples = []
    for number, entry in enumerate(sorted(entries[: settings.real_count], key=lambda e: e.audio_filepath)):
        prompt = Path(entry.audio_filepath).stem.replace("__", "/")
        name = f"real_{number:02d}.flac"
        audio = telephone_audio(settings.sounds_dir / f"{prompt}.wav")
        soundfile.write(folder / name, audio, TELEPHONE_RATE, format="FLAC", subtype="PCM_16")
        samples.append(Sample(name, entry.text, REAL_SOURCE))
    write_samples_tsv(folder / SAMPLES_TSV, samples, with_source=True)
    return [Sample(f"{REAL_DIR}/{sample.path}", sample.sentence, sample.source) for sample in samples]


def write_samples_tsv(path: Path, samples: list[Sample], with_source: bool = False) -> None:
    """`path, sentence` rows (and `source` for the demo's mix) with a header."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["path", "sentence", *(["source"] if with_source else [])])
        writer.writerows((s.path, s.sentence, *([s.source] if with_source else [])) for s in samples)


def wer_bounds(models_dir: Path, folder: str) -> tuple[float, float]:
    """The (greedy, with the n-gram) WER bounds the shipped model is held to on a samples folder."""
    bounds = json.loads((models_dir / BOUNDS_JSON).read_text(encoding="utf-8"))[folder]
    return bounds["greedy"], bounds["lm"]


def read_samples(samples_dir: Path, tsv: str = SAMPLES_TSV) -> list[Sample]:
    """The samples listed in a samples TSV, paths relative to `samples_dir`."""
    with (samples_dir / tsv).open(newline="", encoding="utf-8") as handle:
        return [Sample(row["path"], row["sentence"], row.get("source") or SYNTHETIC_SOURCE)
                for row in csv.DictReader(handle, delimiter="\t")]

"""`train augment`: augmented copies of manifests' utterances (WAV files + a manifest).

Each copy draws its own chain (`training.augment.random_chain`) from a generator seeded by
the run's seed, the clip and the copy number, so a re-run writes the same audio and skips
files that exist.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path

import soundfile

from training.augment import apply_chain, random_chain
from training.prepare import ManifestEntry, read_manifest
from training.progress import default_workers, parallel_map
from training.settings import AugmentSettings

log = logging.getLogger(__name__)


def augmented_copy(entry: ManifestEntry, copy: int, settings: AugmentSettings) -> ManifestEntry:
    """Write one augmented copy of `entry` (unless it exists) and return its manifest entry."""
    source = Path(entry.audio_filepath)
    destination = settings.output_dir / f"{source.stem}.aug{copy}.wav"
    if not destination.is_file():
        chain = random_chain(random.Random(f"{settings.seed}/{source.name}/{copy}"),
                             settings.telephone_probability)
        audio, rate = soundfile.read(source, dtype="float32")
        partial = destination.with_suffix(".part.wav")
        soundfile.write(partial, apply_chain(audio, rate, chain), rate, subtype="PCM_16", format="WAV")
        partial.replace(destination)
    return ManifestEntry(str(destination.resolve()), round(soundfile.info(str(destination)).duration, 3), entry.text)


def augment_manifests(settings: AugmentSettings) -> list[ManifestEntry]:
    """Augmented copies of every utterance of `settings.manifests` (`copies` of each, or one
    copy for a `fraction` of them), written with their manifest to `settings.output_manifest`."""
    rng = random.Random(settings.seed)
    jobs: list[tuple[ManifestEntry, int]] = []
    for manifest, copies in zip(settings.manifests, settings.copies, strict=True):
        for entry in read_manifest(manifest):
            whole, part = divmod(copies, 1)
            count = int(whole) + (rng.random() < part)
            jobs += [(entry, n) for n in range(count)]
    settings.output_dir.mkdir(parents=True, exist_ok=True)
    entries = list(parallel_map(lambda job: augmented_copy(job[0], job[1], settings), jobs, "augmenting",
                                settings.workers or default_workers()))
    entries.sort(key=lambda entry: entry.audio_filepath)
    settings.output_manifest.write_text("".join(e.to_json() + "\n" for e in entries), encoding="utf-8")
    log.info("%d augmented utterances (%.2f h) -> %s", len(entries),
             sum(e.duration for e in entries) / 3600, settings.output_manifest)
    return entries

"""The sample speech the demo streams: `samples.tsv` (path, sentence[, source]) beside the audio files.

The optional `source` column names where a recording comes from (e.g. `synthetic 16 kHz`,
`real 8 kHz`), so the summary can give a WER per source.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from streamscribe.errors import ConfigurationError

HEADER = ("path", "sentence")
DEFAULT_SOURCE = "samples"


@dataclass(frozen=True)
class SpeechSample:
    """One recording and what is said in it, as 16-bit mono PCM at the file's own rate."""

    path: Path
    sentence: str
    pcm: bytes
    sample_rate: int
    source: str = DEFAULT_SOURCE

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


def read_samples_tsv(tsv: Path) -> list[tuple[Path, str, str]]:
    """(audio path, sentence, source) rows; paths are relative to the TSV's folder; a header row is
    skipped; rows without a source get `DEFAULT_SOURCE`."""
    if not tsv.exists():
        raise ConfigurationError(f"no sample list at {tsv}: the demo needs the shipped sample speech")
    rows: list[tuple[Path, str, str]] = []
    with tsv.open(newline="", encoding="utf-8") as handle:
        for line_number, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not row or tuple(cell.strip().lower() for cell in row[:2]) == HEADER:
                continue
            if len(row) < 2:
                raise ConfigurationError(f"{tsv}:{line_number}: expected 'path<TAB>sentence'")
            source = row[2].strip() if len(row) > 2 and row[2].strip() else DEFAULT_SOURCE
            rows.append((tsv.parent / row[0].strip(), row[1].strip(), source))
    if not rows:
        raise ConfigurationError(f"{tsv} lists no samples")
    return rows


def load_pcm16_mono(path: Path) -> tuple[bytes, int]:
    """The file's audio as 16-bit little-endian mono PCM, and its sample rate."""
    try:
        audio, sample_rate = soundfile.read(path, dtype="int16", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError) as exc:
        raise ConfigurationError(f"cannot read sample audio {path}: {exc}") from None
    mono = audio.mean(axis=1).astype("<i2") if audio.shape[1] > 1 else audio[:, 0].astype("<i2")
    return np.ascontiguousarray(mono).tobytes(), int(sample_rate)


def load_samples(tsv: Path, limit: int | None = None) -> list[SpeechSample]:
    """Load the samples listed in `tsv` (the first `limit` of them, when given)."""
    rows = read_samples_tsv(tsv)[:limit]
    return [SpeechSample(path, sentence, *load_pcm16_mono(path), source) for path, sentence, source in rows]

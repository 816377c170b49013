"""Reading the shipped sample list and its audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from streamscribe.errors import ConfigurationError
from tooling.demo.samples import load_samples, read_samples_tsv


def write_sample_set(folder: Path) -> Path:
    tone = (np.sin(np.arange(8000) / 5) * 8000).astype(np.int16)
    soundfile.write(folder / "mono.flac", tone, 8000)
    soundfile.write(folder / "stereo.flac", np.stack([tone, tone], axis=1), 8000)
    tsv = folder / "samples.tsv"
    tsv.write_text("path\tsentence\tsource\nmono.flac\tone tone\treal 8 kHz\nstereo.flac\ttwo tones\n")
    return tsv


def test_samples_load_as_mono_pcm16_with_their_rate(tmp_path: Path) -> None:
    samples = load_samples(write_sample_set(tmp_path))
    assert [s.sentence for s in samples] == ["one tone", "two tones"]
    assert [s.source for s in samples] == ["real 8 kHz", "samples"]  # no source column: the default
    assert all(s.sample_rate == 8000 and s.seconds == pytest.approx(1.0) for s in samples)
    assert samples[0].pcm == samples[1].pcm  # stereo of two equal channels downmixes to the same


def test_limit_takes_the_first_samples(tmp_path: Path) -> None:
    assert len(load_samples(write_sample_set(tmp_path), limit=1)) == 1


def test_missing_or_malformed_lists_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no sample list"):
        read_samples_tsv(tmp_path / "absent.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("only-a-path.flac\n")
    with pytest.raises(ConfigurationError, match="bad.tsv:1"):
        read_samples_tsv(bad)

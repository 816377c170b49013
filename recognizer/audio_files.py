"""Speech files as the model reads them: mono float32 at the model's rate (checked, not converted)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from streamscribe.errors import ConfigurationError


def read_mono(path: str | Path, sample_rate: int) -> np.ndarray:
    """A file's samples averaged to mono, as float32 in [-1, 1); refuses another sample rate."""
    import soundfile  # noqa: PLC0415

    samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    if rate != sample_rate:
        raise ConfigurationError(f"{path} is {rate} Hz, the model expects {sample_rate} Hz")
    return samples.mean(axis=1)

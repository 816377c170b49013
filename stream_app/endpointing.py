"""Energy-based endpointing on 16 kHz s16 frames: which frames are silent, and where to cut.

A frame is silent when its energy (sum of squared samples, exact in int64) is below that of a
frame whose RMS is `silence_threshold_dbfs`. Frames lie on a fixed grid from the stream's
first sample, so a frame's energy never depends on how the audio was chunked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

from streamscribe.pcm import S16_SCALE


def silence_energy(threshold_dbfs: float, frame_samples: int) -> int:
    """Energy of a frame whose RMS level is `threshold_dbfs` (frames below it are silent)."""
    rms = S16_SCALE * 10 ** (threshold_dbfs / 20)
    return int(rms * rms * frame_samples)


@numba.njit(cache=True, nogil=True)
def _energies(samples: np.ndarray, frame_samples: int) -> np.ndarray:  # pragma: no cover - compiled
    out = np.zeros(samples.shape[0] // frame_samples, dtype=np.int64)
    for f in range(out.shape[0]):
        acc = 0
        for i in range(f * frame_samples, (f + 1) * frame_samples):
            value = np.int64(samples[i])
            acc += value * value
        out[f] = acc
    return out


def frame_energies(pcm: bytes | bytearray | memoryview, frame_samples: int) -> list[int]:
    """Energies of the complete frames of s16le `pcm` (a trailing partial frame is ignored)."""
    samples = np.frombuffer(pcm, dtype="<i2")
    return _energies(samples, frame_samples).tolist()


def quiet_cut(energies: Sequence[int], lo: int, hi: int, silent_below: int) -> int:
    """Where to cut within frames [lo, hi): a frame boundary b with lo < b <= hi.

    The middle of the latest run of silent frames in the window (a single silent frame: just
    after it); with no silent frame, just after the quietest frame (the latest of equals).
    """
    end = hi
    while end > lo and energies[end - 1] >= silent_below:
        end -= 1
    if end > lo:
        start = end - 1
        while start > lo and energies[start - 1] < silent_below:
            start -= 1
        return start + (end - start + 1) // 2
    quietest = min(range(lo, hi), key=lambda frame: (energies[frame], -frame))
    return quietest + 1

"""16-bit PCM, the one sample format every topic can carry: its constants and float conversions.

`pcm_s16le` is little-endian int16; as float it is `sample / S16_SCALE`, in [-1, 1), the way
soundfile reads it. Every package takes these from here (chunks, segments, the stream app's
normaliser and endpointer, the producer SDK, the recognizer's batching).
"""

from __future__ import annotations

import numpy as np

S16_SCALE = 32768.0  # int16 full scale: float = int16 / S16_SCALE
S16_WIDTH = 2  # bytes per pcm_s16le sample of one channel


def pcm_s16le_to_float(pcm: bytes) -> np.ndarray:
    """16-bit little-endian PCM as float32 in [-1, 1), scaled like soundfile reads it."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / S16_SCALE


def float_to_s16(samples: np.ndarray) -> np.ndarray:
    """Float audio as little-endian int16 samples (scaled by `S16_SCALE`, rounded half to even, clipped)."""
    scaled = np.rint(np.asarray(samples, dtype=np.float32) * S16_SCALE)
    return np.clip(scaled, -S16_SCALE, S16_SCALE - 1).astype("<i2")


def float_to_pcm_s16le(samples: np.ndarray) -> bytes:
    """The inverse of `pcm_s16le_to_float`: float audio as 16-bit PCM bytes (see `float_to_s16`)."""
    return float_to_s16(samples).tobytes()

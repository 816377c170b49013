"""Speech-like test audio for benchmarks and tests: noise "words", short gaps, longer pauses."""

from __future__ import annotations

import numpy as np


def speech_like(
    rng: np.random.Generator, seconds: float, rate: int = 16_000, word_s: tuple[float, float] = (0.15, 0.6),
    gap_s: tuple[float, float] = (0.03, 0.12), pause_every: int = 4, pause_s: float = 0.7,
) -> np.ndarray:
    """Mono float32 in [-0.5, 0.5]: words of noise shaped below 3 kHz, short gaps between words
    and a longer pause after every `pause_every` words (where endpointing should cut)."""
    total = int(seconds * rate)
    out = np.zeros(total, dtype=np.float32)
    position, words = int(0.1 * rate), 0
    while position < total:
        length = int(rng.uniform(*word_s) * rate)
        noise = rng.standard_normal(length + 8)
        smoothed = np.convolve(noise, np.ones(8) / 8, mode="valid")[:length]  # crude low-pass
        envelope = np.sin(np.linspace(0, np.pi, length)) ** 0.5
        end = min(total, position + length)
        out[position:end] = (0.3 * smoothed * envelope)[: end - position]
        words += 1
        gap = pause_s if words % pause_every == 0 else rng.uniform(*gap_s)
        position = end + int(gap * rate)
    return np.clip(out, -0.5, 0.5)

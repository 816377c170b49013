"""Synthetic test audio: "words" (band-limited noise bursts) separated by pauses, any format."""

from __future__ import annotations

import numpy as np

from stream_app.normalize import StreamFormat
from streamscribe.contracts.chunk import Encoding


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


def encode(mono: np.ndarray, fmt: StreamFormat) -> bytes:
    """PCM bytes of `mono` in `fmt` (stereo: the right channel is a scaled copy)."""
    frames = mono if fmt.channels == 1 else np.stack([mono, 0.5 * mono], axis=1).reshape(-1)
    if fmt.encoding is Encoding.PCM_F32LE:
        return frames.astype("<f4").tobytes()
    return np.clip(np.rint(frames * 32767), -32768, 32767).astype("<i2").tobytes()


def split(pcm: bytes, frame_bytes: int, sizes: list[int]) -> list[bytes]:
    """Cut `pcm` into chunks of the given frame counts (cycling through `sizes`)."""
    chunks, position, i = [], 0, 0
    while position < len(pcm):
        step = sizes[i % len(sizes)] * frame_bytes
        chunks.append(pcm[position:position + step])
        position += step
        i += 1
    return chunks

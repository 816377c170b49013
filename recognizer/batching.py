"""Batching segments for one forward pass: PCM to float, short-audio padding, sort, pad, bucket.

Pure numpy: no model, no Kafka. The model sees a padded batch plus true lengths, so the
padding never leaks into an utterance's result (see tests/recognizer/test_model.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

LEVEL_FRAME_SAMPLES = 320  # 20 ms at 16 kHz
SILENCE_FLOOR_DBFS = -120.0


def loudest_frame_dbfs(samples: np.ndarray, frame: int = LEVEL_FRAME_SAMPLES) -> float:
    """RMS level of the loudest `frame`-sample frame (the whole clip if shorter), in dBFS.

    A full-scale sine is about -3 dBFS; digital silence is `SILENCE_FLOOR_DBFS`.
    """
    if len(samples) == 0:
        return SILENCE_FLOOR_DBFS
    frames = len(samples) // frame
    blocks = samples[: frames * frame].reshape(frames, frame) if frames else samples.reshape(1, -1)
    rms = float(np.sqrt(np.mean(np.square(blocks, dtype=np.float64), axis=1)).max())
    return max(20.0 * np.log10(rms), SILENCE_FLOOR_DBFS) if rms > 0 else SILENCE_FLOOR_DBFS


@dataclass(frozen=True, slots=True)
class PreparedAudio:
    """One utterance ready for the model: samples plus the silence added in front of it."""

    samples: np.ndarray
    lead_in_samples: int = 0


def pad_to_min_length(samples: np.ndarray, min_samples: int) -> PreparedAudio:
    """Centre `samples` in zeros up to `min_samples`, as NeMo's `transcribe()` does for tensors.

    NeMo pads in-memory audio shorter than one second on both sides (left gets the smaller half)
    before recognising it; doing the same keeps pipeline results equal to offline ones.
    """
    missing = min_samples - len(samples)
    if missing <= 0:
        return PreparedAudio(samples)
    left = missing // 2
    return PreparedAudio(np.pad(samples, (left, missing - left)), lead_in_samples=left)


@dataclass(frozen=True, slots=True)
class PaddedBatch:
    """Utterances zero-padded to one length; row i holds utterance `order[i]` of the input."""

    signals: np.ndarray  # [batch, max_samples] float32
    lengths: np.ndarray  # [batch] int64
    order: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.order)


def pad_batch(waveforms: Sequence[np.ndarray]) -> PaddedBatch:
    """Stack the waveforms longest first, zero-padded at the end."""
    if not waveforms:
        raise ValueError("cannot pad an empty batch")
    order = sorted(range(len(waveforms)), key=lambda i: len(waveforms[i]), reverse=True)
    lengths = np.array([len(waveforms[i]) for i in order], dtype=np.int64)
    signals = np.zeros((len(order), int(lengths[0])), dtype=np.float32)
    for row, index in enumerate(order):
        signals[row, : lengths[row]] = waveforms[index]
    return PaddedBatch(signals, lengths, tuple(order))


def bucket_by_length(lengths: Sequence[int], max_batch: int, max_padding: float) -> list[list[int]]:
    """Split utterances into batches of similar length, longest first.

    Utterances are taken in order of decreasing length; one joins the current batch while the
    batch has fewer than `max_batch` members and its padded size stays within
    `(1 + max_padding)` times the audio it really holds. Returns lists of input indices.
    """
    if max_batch < 1:
        raise ValueError(f"max_batch must be at least 1, got {max_batch}")
    buckets: list[list[int]] = []
    real_total = 0
    for index in sorted(range(len(lengths)), key=lambda i: lengths[i], reverse=True):
        length = lengths[index]
        if buckets and len(buckets[-1]) < max_batch:
            longest = lengths[buckets[-1][0]]
            padded = longest * (len(buckets[-1]) + 1)
            if padded <= (1.0 + max_padding) * (real_total + length):
                buckets[-1].append(index)
                real_total += length
                continue
        buckets.append([index])
        real_total = length
    return buckets

"""Checkpoints survive their binary encoding and stay small."""

from __future__ import annotations

import numpy as np
import pytest

from stream_app.checkpoint import Checkpoint, ResumePoint
from stream_app.normalize import ResamplerState, StreamFormat
from streamscribe.contracts.chunk import Encoding


def test_round_trip_with_resampler_history() -> None:
    history = np.linspace(-1, 1, 90, dtype=np.float32)
    checkpoint = Checkpoint(
        partition=3, resume=ResumePoint(1234, 56, 1_700_000_000_000, ResamplerState(99_000, 35_900, history)),
        emitted_sample=35_840, next_index=7, format=StreamFormat(44100, 2, Encoding.PCM_F32LE),
    )
    data = checkpoint.encode()
    decoded = Checkpoint.decode(data)
    assert decoded.resume.resampler.history.tolist() == history.tolist()
    assert (decoded.partition, decoded.resume.offset, decoded.resume.next_seq, decoded.emitted_sample,
            decoded.next_index, decoded.format, decoded.closed) == (3, 1234, 56, 35_840, 7, checkpoint.format, False)
    assert len(data) < 80 + 4 * len(history)


def test_a_closed_stream_without_format_round_trips() -> None:
    checkpoint = Checkpoint(0, ResumePoint(10, 0, -1), 0, 1, None, closed=True)
    assert Checkpoint.decode(checkpoint.encode()) == checkpoint


def test_garbage_is_refused() -> None:
    with pytest.raises(ValueError, match="not a stream checkpoint"):
        Checkpoint.decode(b"\x07garbage")

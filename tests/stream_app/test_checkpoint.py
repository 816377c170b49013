"""Checkpoints survive their binary encoding and stay small."""

from __future__ import annotations

import numpy as np
import pytest

from stream_app.checkpoint import _LAYOUT, _OPTIONS, _RECOGNITION_LENGTH, Checkpoint, ResumePoint, supersedes
from stream_app.normalize import ResamplerState
from streamscribe.contracts.chunk import AudioFormat, Encoding, StreamOptions
from streamscribe.contracts.recognition import RecognitionOptions


def test_round_trip_with_resampler_history() -> None:
    history = np.linspace(-1, 1, 90, dtype=np.float32)
    checkpoint = Checkpoint(
        partition=3, resume=ResumePoint(1234, 56, 1_700_000_000_000, ResamplerState(99_000, 35_900, history)),
        emitted_sample=35_840, next_index=7, format=AudioFormat(44100, 2, Encoding.PCM_F32LE),
    )
    data = checkpoint.encode()
    decoded = Checkpoint.decode(data)
    assert decoded.resume.resampler.history.tolist() == history.tolist()
    assert (decoded.partition, decoded.resume.offset, decoded.resume.next_seq, decoded.emitted_sample,
            decoded.next_index, decoded.format, decoded.closed) == (3, 1234, 56, 35_840, 7, checkpoint.format, False)
    assert len(data) < 96 + 4 * len(history)  # 70-byte head, 14 bytes of options, the history


def test_a_closed_stream_without_format_round_trips() -> None:
    checkpoint = Checkpoint(0, ResumePoint(10, 0, -1), 0, 1, None, closed=True)
    assert Checkpoint.decode(checkpoint.encode()) == checkpoint


def test_a_segment_starting_with_an_overlap_says_so() -> None:
    checkpoint = Checkpoint(1, ResumePoint(10, 4, 5), 32_000, 3, None, overlapped=True)
    assert Checkpoint.decode(checkpoint.encode()).overlapped
    assert not Checkpoint.decode(Checkpoint(1, ResumePoint(10, 4, 5), 32_000, 3, None).encode()).overlapped


def test_garbage_is_refused() -> None:
    with pytest.raises(ValueError, match="not a stream checkpoint"):
        Checkpoint.decode(b"\x07garbage")


def test_options_round_trip_and_version_1_and_2_entries_still_decode() -> None:
    recognition = RecognitionOptions.parse({"formatting": "raw", "redact": "pii"})
    options = StreamOptions(interim_interval_ms=0, max_segment_age_ms=2500, recognition=recognition)
    resume = ResumePoint(10, 3, 5, ResamplerState(7, 3, np.ones(4, np.float32)))
    checkpoint = Checkpoint(1, resume, 160, 2, AudioFormat(8000, 1, Encoding.PCM_MULAW), options=options)
    decoded = Checkpoint.decode(checkpoint.encode())
    assert decoded.options == options and decoded.resume.resampler.history.tolist() == [1.0] * 4
    without_options = Checkpoint(1, ResumePoint(10, 3, 5), 160, 2, AudioFormat(8000, 1, Encoding.PCM_MULAW))
    data = without_options.encode()
    after_options = _LAYOUT.size + _OPTIONS.size
    version_2 = bytes([2]) + data[1:after_options] + data[after_options + _RECOGNITION_LENGTH.size:]
    assert Checkpoint.decode(version_2) == without_options
    version_1 = bytes([1]) + data[1:_LAYOUT.size] + data[after_options + _RECOGNITION_LENGTH.size:]
    assert Checkpoint.decode(version_1) == without_options


def checkpoint(next_index: int, emitted_sample: int, offset: int, closed: bool = False) -> bytes:
    return Checkpoint(0, ResumePoint(offset, offset, 0), emitted_sample, next_index, None, closed).encode()


def test_recovery_keeps_a_streams_most_advanced_checkpoint_whatever_the_order_written() -> None:
    """A worker paused past its session can write its older checkpoint after its successor's."""
    opened, further, closed = checkpoint(0, 0, 10), checkpoint(2, 32_000, 14), checkpoint(2, 32_000, 14, closed=True)
    assert supersedes(further, opened) and supersedes(closed, further)
    assert not supersedes(opened, further)  # the stale write loses
    assert not supersedes(further, closed)  # a closed stream stays closed
    assert supersedes(further, further)  # the same state again (a replay) is harmless


def test_deletions_and_what_is_not_a_checkpoint_always_apply() -> None:
    assert supersedes(None, checkpoint(3, 48_000, 20, closed=True))  # an expired stream's tombstone
    assert supersedes(checkpoint(0, 0, 5), None)  # a new stream, or one written after its tombstone
    assert supersedes(b"not a checkpoint", checkpoint(1, 16_000, 7))

"""A stream's durable state: what the stream-state table holds per stream_id (a few dozen bytes).

The table does not hold audio. Kafka does: a checkpoint names the offset of the earliest chunk
whose audio is not yet emitted (`resume_offset`) and the state just before that chunk, plus how
far the final segments reached (`emitted_sample`: where the current segment starts, `next_index`,
and whether it starts with the previous segment's overlap). After a crash the stream is
rebuilt by replaying its chunks from `resume_offset`, skipping audio before `emitted_sample`;
the worker never commits input offsets past a stream's `resume_offset`, so those chunks are
still in Kafka. Encoding: one little-endian struct, the stream's segmenting options (version 2:
-1 where unset), its recognition options (version 3: a 2-byte length, then their compact form,
usually empty), then the resampler's float32 history. Version 1 and 2 entries still decode.

A stream's checkpoints only move forward, which fences the changelog (`supersedes`): a worker
paused past its session can wake and write an older checkpoint after its successor's newer one,
and recovery keeps the most advanced instead of the last written.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from stream_app.normalize import ResamplerState
from streamscribe.contracts.chunk import AudioFormat, Encoding, StreamOptions
from streamscribe.contracts.recognition import RecognitionOptions

VERSION = 3
_LAYOUT = struct.Struct("<BBHqqqqqIBBqqI")
_OPTIONS = struct.Struct("<iii")
_RECOGNITION_LENGTH = struct.Struct("<H")
_UNSET = -1
_ENCODINGS = list(Encoding)
_FLAG_CLOSED = 1
_FLAG_FORMAT = 2
_FLAG_OVERLAPPED = 4  # the current segment starts with a forced cut's overlap (older entries: never)


class ResumePoint(NamedTuple):
    """The state of a stream just before one of its chunks: replay starts there."""

    offset: int
    next_seq: int
    latest_timestamp_ms: int
    resampler: ResamplerState = ResamplerState()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Everything needed to rebuild a stream by replaying its chunks from `resume.offset`."""

    partition: int
    resume: ResumePoint
    emitted_sample: int
    next_index: int
    format: AudioFormat | None
    closed: bool = False
    options: StreamOptions = StreamOptions()
    overlapped: bool = False

    @property
    def progress(self) -> tuple[bool, int, int, int]:
        """How far the stream had come: closed, then its next segment index, emitted sample and resume
        offset. Each only grows along one stream's history, whichever worker writes it."""
        return self.closed, self.next_index, self.emitted_sample, self.resume.offset

    def encode(self) -> bytes:
        """Compact binary form (the table's value)."""
        resume, fmt = self.resume, self.format
        flags = (_FLAG_CLOSED if self.closed else 0) | (_FLAG_FORMAT if fmt else 0) | (
            _FLAG_OVERLAPPED if self.overlapped else 0)
        history = resume.resampler.history.astype("<f4", copy=False)
        head = _LAYOUT.pack(
            VERSION, flags, self.partition, resume.offset, resume.next_seq, resume.latest_timestamp_ms,
            self.emitted_sample, self.next_index, fmt.sample_rate if fmt else 0,
            fmt.channels if fmt else 0, _ENCODINGS.index(fmt.encoding) if fmt else 0,
            resume.resampler.consumed, resume.resampler.produced, len(history),
        )
        options = _OPTIONS.pack(*(_UNSET if value is None else value for _, value in self.options.items()))
        recognition = self.options.recognition.encode()
        return head + options + _RECOGNITION_LENGTH.pack(len(recognition)) + recognition + history.tobytes()

    @classmethod
    def decode(cls, data: bytes) -> Checkpoint:
        """Inverse of `encode`; ValueError when `data` is not a checkpoint."""
        if len(data) < _LAYOUT.size or data[0] not in (1, 2, VERSION):
            raise ValueError("not a stream checkpoint of a known version")
        (version, flags, partition, offset, next_seq, latest_ms, emitted, next_index, rate, channels,
         encoding, consumed, produced, history_len) = _LAYOUT.unpack_from(data)
        options, history_at = StreamOptions(), _LAYOUT.size
        if version >= 2:
            values = _OPTIONS.unpack_from(data, history_at)
            names = [name for name, _ in options.items()]
            segmenting = {n: v for n, v in zip(names, values, strict=True) if v != _UNSET}
            history_at += _OPTIONS.size
            recognition = RecognitionOptions()
            if version >= 3:
                (length,) = _RECOGNITION_LENGTH.unpack_from(data, history_at)
                history_at += _RECOGNITION_LENGTH.size
                recognition = RecognitionOptions.decode(data[history_at:history_at + length])
                history_at += length
            options = StreamOptions(**segmenting, recognition=recognition)
        history = np.frombuffer(data, dtype="<f4", count=history_len, offset=history_at).copy()
        fmt = AudioFormat(rate, channels, _ENCODINGS[encoding]) if flags & _FLAG_FORMAT else None
        resume = ResumePoint(offset, next_seq, latest_ms, ResamplerState(consumed, produced, history))
        return cls(partition, resume, emitted, next_index, fmt, bool(flags & _FLAG_CLOSED), options,
                   bool(flags & _FLAG_OVERLAPPED))


def supersedes(entry: bytes | None, kept: bytes | None) -> bool:
    """Whether the changelog `entry` replaces the `kept` one (None: a deletion, or nothing kept) when
    the table is rebuilt: unless it is less advanced (`Checkpoint.progress`), i.e. written late by a
    worker that lost the stream while paused. A deletion (written once a closed stream expired)
    always applies, and so does anything that is not a checkpoint."""
    if entry is None or kept is None:
        return True
    try:
        return Checkpoint.decode(entry).progress >= Checkpoint.decode(kept).progress
    except ValueError:
        return True

"""Test streams: mixed formats and chunk sizes, turned into interleaved chunk messages."""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from stream_app.ingest import ChunkMessage
from stream_app.normalize import normalize
from stream_app.synthetic import speech_like
from streamscribe.contracts.chunk import AudioFormat, ChunkHeaders, Encoding
from tests.stream_app.audio import encode, split

FORMATS = [
    AudioFormat(8000, 1, Encoding.PCM_S16LE), AudioFormat(22050, 2, Encoding.PCM_F32LE),
    AudioFormat(44100, 1, Encoding.PCM_S16LE), AudioFormat(48000, 2, Encoding.PCM_S16LE),
    AudioFormat(16000, 1, Encoding.PCM_S16LE), AudioFormat(16000, 2, Encoding.PCM_F32LE),
]
CHUNK_MS = [100, 250, 40, 100, 333, 100]


@dataclass
class SampleStream:
    """One stream's audio cut into chunks, and what its segments must add up to."""

    stream_id: str
    fmt: AudioFormat
    chunks: list[bytes]

    @property
    def expected(self) -> bytes:
        """The normalised audio of the whole stream."""
        return normalize(b"".join(self.chunks), self.fmt)

    def headers(self, seq: int) -> ChunkHeaders:
        return ChunkHeaders(seq, self.fmt.sample_rate, self.fmt.channels, self.fmt.encoding,
                            eos=seq == len(self.chunks) - 1)


def make_streams(count: int, seconds: float, seed: int, prefix: str = "s") -> list[SampleStream]:
    """`count` streams cycling through formats and chunk sizes (each ends with an eos chunk)."""
    rng = np.random.default_rng(seed)
    streams = []
    for i in range(count):
        fmt = FORMATS[i % len(FORMATS)]
        pcm = encode(speech_like(rng, seconds * rng.uniform(0.7, 1.0), fmt.sample_rate), fmt)
        frames = fmt.sample_rate * CHUNK_MS[i % len(CHUNK_MS)] // 1000
        chunks = split(pcm, fmt.channels * fmt.encoding.sample_width, [frames])
        streams.append(SampleStream(f"{prefix}{i}", fmt, chunks))
    return streams


def partition_of(stream_id: str, partitions: int) -> int:
    return zlib.crc32(stream_id.encode()) % partitions


def interleave(streams: list[SampleStream], partitions: int, start_ms: int = 1_000_000) -> list[ChunkMessage]:
    """All chunks as messages in real-time order (timestamp = when the chunk's audio ended),
    with per-partition offsets."""
    timed = []
    for stream in streams:
        elapsed = 0.0
        for seq, pcm in enumerate(stream.chunks):
            elapsed += len(pcm) / (stream.fmt.channels * stream.fmt.encoding.sample_width) / stream.fmt.sample_rate
            timed.append((start_ms + int(elapsed * 1000), stream, seq, pcm))
    timed.sort(key=lambda item: item[0])
    next_offset: dict[int, int] = defaultdict(int)
    messages = []
    for timestamp, stream, seq, pcm in timed:
        partition = partition_of(stream.stream_id, partitions)
        messages.append(ChunkMessage(stream.stream_id.encode(), pcm, stream.headers(seq).to_kafka(), timestamp,
                                     partition, next_offset[partition]))
        next_offset[partition] += 1
    return messages

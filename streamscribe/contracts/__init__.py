"""Wire contracts: what travels on each topic, and how bad input is named.

Other programs (producers in any language, transcript consumers) rely on these; see
docs/contracts.md. Everything here is pure: no Kafka client is imported.
"""

from streamscribe.contracts.chunk import (
    MAX_SAMPLE_RATE,
    MIN_SAMPLE_RATE,
    AudioChunk,
    ChunkHeaders,
    Encoding,
    StreamOptions,
    decode_chunk,
)
from streamscribe.contracts.rejection import InvalidChunk, RejectReason, rejection_headers
from streamscribe.contracts.segment import SEGMENT_SAMPLE_RATE, EmitReason, Segment, SegmentHeaders
from streamscribe.contracts.transcript import Transcript, Word

__all__ = [
    "MAX_SAMPLE_RATE",
    "MIN_SAMPLE_RATE",
    "SEGMENT_SAMPLE_RATE",
    "AudioChunk",
    "ChunkHeaders",
    "EmitReason",
    "Encoding",
    "InvalidChunk",
    "RejectReason",
    "Segment",
    "StreamOptions",
    "SegmentHeaders",
    "Transcript",
    "Word",
    "decode_chunk",
    "rejection_headers",
]

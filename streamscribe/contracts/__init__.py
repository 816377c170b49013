"""Wire contracts: what travels on each topic, and how bad input is named.

Other programs (producers in any language, transcript consumers) rely on these; see
docs/contracts.md. Everything here is pure: no Kafka client is imported.

One vocabulary for every topic: a message type's `encode()` gives the `KafkaMessage` (key, value,
headers) to produce, and `decode_chunk` / `decode_segment` / `Transcript.from_json_bytes` read one
back, raising the topic's own error (`InvalidChunk`, `InvalidSegment`: both `InvalidMessage`,
with the `RejectReason` that `audio.rejected` records); headers alone go through
`ChunkHeaders` / `SegmentHeaders` `.to_kafka()` and `.from_kafka()`.
"""

from streamscribe.contracts.chunk import (
    MAX_SAMPLE_RATE,
    MIN_SAMPLE_RATE,
    AudioChunk,
    AudioFormat,
    ChunkHeaders,
    Encoding,
    StreamOptions,
    decode_chunk,
)
from streamscribe.contracts.headers import KafkaMessage
from streamscribe.contracts.rejection import InvalidChunk, InvalidMessage, RejectReason, rejection_headers
from streamscribe.contracts.segment import (
    SEGMENT_SAMPLE_RATE,
    EmitReason,
    InvalidSegment,
    Segment,
    SegmentHeaders,
    decode_segment,
)
from streamscribe.contracts.transcript import Transcript, Word, WrittenToken

__all__ = [
    "MAX_SAMPLE_RATE",
    "MIN_SAMPLE_RATE",
    "SEGMENT_SAMPLE_RATE",
    "AudioChunk",
    "AudioFormat",
    "ChunkHeaders",
    "EmitReason",
    "Encoding",
    "InvalidChunk",
    "InvalidMessage",
    "InvalidSegment",
    "KafkaMessage",
    "RejectReason",
    "Segment",
    "StreamOptions",
    "SegmentHeaders",
    "Transcript",
    "Word",
    "WrittenToken",
    "decode_chunk",
    "decode_segment",
    "rejection_headers",
]

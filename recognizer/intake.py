"""Checking a raw `audio.segments` message before recognition.

A message that breaks the segment contract raises `InvalidChunk` (the contracts' "refused
message" error) naming the rule, so the worker can forward it to `audio.rejected`.
"""

from __future__ import annotations

from streamscribe.contracts import InvalidChunk, RejectReason, Segment, SegmentHeaders
from streamscribe.contracts.headers import headers_to_dict
from streamscribe.contracts.segment import SEGMENT_SAMPLE_RATE, SEGMENT_SAMPLE_WIDTH, InvalidSegment

REQUIRED_HEADERS = ("segment", "start_sample", "reason")


def decode_segment(
    key: bytes | None,
    value: bytes | None,
    headers: list[tuple[str, bytes | None]] | None,
    max_seconds: float,
) -> Segment:
    """A validated segment, or InvalidChunk saying which rule the message breaks."""
    if not key:
        raise InvalidChunk(RejectReason.MISSING_KEY, "segment has no stream_id key")
    missing = [name for name in REQUIRED_HEADERS if name not in headers_to_dict(headers)]
    if missing:
        raise InvalidChunk(RejectReason.MISSING_HEADER, f"segment headers {missing} are required")
    try:
        parsed = SegmentHeaders.from_kafka(headers)
    except InvalidSegment as exc:
        raise InvalidChunk(RejectReason.BAD_HEADER, str(exc)) from None
    if parsed.index < 0 or parsed.start_sample < 0:
        raise InvalidChunk(RejectReason.BAD_HEADER, "segment and start_sample must not be negative")
    pcm = value or b""
    if len(pcm) % SEGMENT_SAMPLE_WIDTH:
        raise InvalidChunk(RejectReason.ODD_BYTE_COUNT, f"{len(pcm)} bytes is not whole 16-bit samples")
    seconds = len(pcm) / SEGMENT_SAMPLE_WIDTH / SEGMENT_SAMPLE_RATE
    if seconds > max_seconds:
        raise InvalidChunk(RejectReason.OVERSIZED, f"{seconds:.1f} s of audio exceeds the {max_seconds:g} s limit")
    return Segment(key.decode("utf-8", "replace"), parsed, pcm)

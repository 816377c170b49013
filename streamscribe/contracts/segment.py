"""`audio.segments`: audio ready for recognition, emitted by the stream app.

Key = stream_id. Value = 16 kHz mono `pcm_s16le`. Headers (UTF-8 text): `segment` (0,1,2,…
per stream), `start_sample` (offset in the stream, 16 kHz samples), `reason` (why it was cut),
`final` (`0` for an interim preview of audio still accumulating, else `1`), `eos` (`1` on the
stream's last segment), `produced_at_ms` (Kafka timestamp of the newest chunk it holds, for
end-to-end latency). Segments with `final=1` cover a stream's audio exactly once, in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from streamscribe.contracts.headers import KafkaHeaders, dict_to_headers, headers_to_dict
from streamscribe.errors import StreamscribeError

SEGMENT_SAMPLE_RATE = 16_000
SEGMENT_SAMPLE_WIDTH = 2


class EmitReason(StrEnum):
    """What made the stream app cut a segment."""

    BYTES = "bytes"
    TIME = "time"
    PAUSE = "pause"
    EOS = "eos"
    IDLE = "idle"
    INTERIM = "interim"


class InvalidSegment(StreamscribeError):
    """A message on `audio.segments` is not what the stream app writes."""


@dataclass(frozen=True, slots=True)
class SegmentHeaders:
    """Where a segment sits in its stream and why it was cut."""

    index: int
    start_sample: int
    reason: EmitReason
    final: bool = True
    eos: bool = False
    produced_at_ms: int = 0

    def to_kafka(self) -> KafkaHeaders:
        """Headers as the contract writes them."""
        return dict_to_headers(
            {
                "segment": self.index,
                "start_sample": self.start_sample,
                "reason": self.reason.value,
                "final": int(self.final),
                "eos": int(self.eos),
                "produced_at_ms": self.produced_at_ms,
            }
        )

    @classmethod
    def from_kafka(cls, headers: list[tuple[str, bytes | None]] | None) -> SegmentHeaders:
        """Parse headers written by `to_kafka`; raises InvalidSegment when they are not."""
        values = headers_to_dict(headers)
        try:
            return cls(
                index=int(values["segment"]),
                start_sample=int(values["start_sample"]),
                reason=EmitReason(values["reason"].decode()),
                final=values.get("final", b"1") == b"1",
                eos=values.get("eos", b"0") == b"1",
                produced_at_ms=int(values.get("produced_at_ms", b"0") or 0),
            )
        except (KeyError, ValueError) as exc:
            raise InvalidSegment(f"bad segment headers {values!r}: {exc}") from None


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment of one stream: 16 kHz mono s16le PCM plus its position."""

    stream_id: str
    headers: SegmentHeaders
    pcm: bytes

    @property
    def num_samples(self) -> int:
        """Samples in the segment."""
        return len(self.pcm) // SEGMENT_SAMPLE_WIDTH

    @property
    def start_seconds(self) -> float:
        """Start time from the beginning of the stream."""
        return self.headers.start_sample / SEGMENT_SAMPLE_RATE

    @property
    def end_seconds(self) -> float:
        """End time from the beginning of the stream."""
        return (self.headers.start_sample + self.num_samples) / SEGMENT_SAMPLE_RATE

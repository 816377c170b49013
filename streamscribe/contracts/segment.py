"""`audio.segments`: audio ready for recognition, emitted by the stream app.

Key = stream_id. Value = 16 kHz mono `pcm_s16le`. Headers (UTF-8 text): `segment` (0,1,2,…
per stream), `start_sample` (offset in the stream, 16 kHz samples), `reason` (why it was cut),
`final` (`0` for an interim preview of audio still accumulating, else `1`), `eos` (`1` on the
stream's last segment), `produced_at_ms` (Kafka timestamp of the newest chunk it holds, for
end-to-end latency). Optional: `lead_samples` / `tail_samples` (default 0): the segment's first /
last samples are context only, words centred there belong to the neighbouring segment (the
overlap around a forced cut) or, in a preview, to the previous preview. Segments with `final=1`
own a stream's audio exactly once, in order. The stream's recognition options (`formatting`, ...:
streamscribe.contracts.recognition), when it asked for any, are on every one of its segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from streamscribe.contracts.headers import AudioMessage, KafkaHeaders, dict_to_headers, headers_to_dict
from streamscribe.contracts.recognition import RecognitionOptions
from streamscribe.contracts.rejection import InvalidMessage, RejectReason
from streamscribe.pcm import S16_WIDTH

SEGMENT_SAMPLE_RATE = 16_000
REQUIRED_HEADERS = ("segment", "start_sample", "reason")


class EmitReason(StrEnum):
    """What made the stream app cut a segment."""

    BYTES = "bytes"
    TIME = "time"
    PAUSE = "pause"
    EOS = "eos"
    IDLE = "idle"
    INTERIM = "interim"


class InvalidSegment(InvalidMessage):
    """A message on `audio.segments` is not what the stream app writes; `reason` says which rule."""


@dataclass(frozen=True, slots=True)
class SegmentHeaders:
    """Where a segment sits in its stream, why it was cut, and what its stream asked the recognizer for."""

    index: int
    start_sample: int
    reason: EmitReason
    final: bool = True
    eos: bool = False
    produced_at_ms: int = 0
    lead_samples: int = 0
    tail_samples: int = 0
    recognition: RecognitionOptions = RecognitionOptions()

    def to_kafka(self) -> KafkaHeaders:
        """Headers as the contract writes them (the context headers only when not 0)."""
        values = {
            "segment": self.index,
            "start_sample": self.start_sample,
            "reason": self.reason.value,
            "final": int(self.final),
            "eos": int(self.eos),
            "produced_at_ms": self.produced_at_ms,
        }
        if self.lead_samples:
            values["lead_samples"] = self.lead_samples
        if self.tail_samples:
            values["tail_samples"] = self.tail_samples
        return dict_to_headers(values) + self.recognition.to_kafka()

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
                lead_samples=int(values.get("lead_samples", b"0") or 0),
                tail_samples=int(values.get("tail_samples", b"0") or 0),
                recognition=RecognitionOptions.from_headers(values),
            )
        except (KeyError, ValueError) as exc:
            raise InvalidSegment(RejectReason.BAD_HEADER, f"bad segment headers {values!r}: {exc}") from None


@dataclass(frozen=True, slots=True)
class Segment(AudioMessage[SegmentHeaders]):
    """One segment of one stream: 16 kHz mono s16le PCM plus its position (`encode()` is the
    inverse of `decode_segment`)."""

    @property
    def num_samples(self) -> int:
        """Samples in the segment."""
        return len(self.pcm) // S16_WIDTH

    @property
    def start_seconds(self) -> float:
        """Start time from the beginning of the stream."""
        return self.headers.start_sample / SEGMENT_SAMPLE_RATE

    @property
    def end_sample(self) -> int:
        """One past the segment's last sample, in the stream."""
        return self.headers.start_sample + self.num_samples

    @property
    def end_seconds(self) -> float:
        """End time from the beginning of the stream."""
        return self.end_sample / SEGMENT_SAMPLE_RATE

    @property
    def owned_start_seconds(self) -> float:
        """Where the words this segment owns may start (after its lead context)."""
        return (self.headers.start_sample + self.headers.lead_samples) / SEGMENT_SAMPLE_RATE

    @property
    def owned_end_seconds(self) -> float:
        """Where the words this segment owns end (before its tail context)."""
        return (self.end_sample - self.headers.tail_samples) / SEGMENT_SAMPLE_RATE


def decode_segment(
    key: bytes | None,
    value: bytes | None,
    headers: list[tuple[str, bytes | None]] | None,
    max_seconds: float,
) -> Segment:
    """A validated `audio.segments` message (the inverse of `Segment.encode`), or InvalidSegment
    naming the rule it breaks, so the recognizer can forward it to `audio.rejected`."""
    if not key:
        raise InvalidSegment(RejectReason.MISSING_KEY, "segment has no stream_id key")
    missing = [name for name in REQUIRED_HEADERS if name not in headers_to_dict(headers)]
    if missing:
        raise InvalidSegment(RejectReason.MISSING_HEADER, f"segment headers {missing} are required")
    parsed = SegmentHeaders.from_kafka(headers)
    if parsed.index < 0 or parsed.start_sample < 0:
        raise InvalidSegment(RejectReason.BAD_HEADER, "segment and start_sample must not be negative")
    pcm = value or b""
    if len(pcm) % S16_WIDTH:
        raise InvalidSegment(RejectReason.ODD_BYTE_COUNT, f"{len(pcm)} bytes is not whole 16-bit samples")
    samples = len(pcm) // S16_WIDTH
    if parsed.lead_samples < 0 or parsed.tail_samples < 0 or parsed.lead_samples + parsed.tail_samples > samples:
        raise InvalidSegment(RejectReason.BAD_HEADER, "lead_samples and tail_samples must fit in the segment")
    seconds = samples / SEGMENT_SAMPLE_RATE
    if seconds > max_seconds:
        raise InvalidSegment(RejectReason.OVERSIZED, f"{seconds:.1f} s of audio exceeds the {max_seconds:g} s limit")
    return Segment(key.decode("utf-8", "replace"), parsed, pcm)

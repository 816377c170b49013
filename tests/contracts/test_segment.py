"""`audio.segments` headers: what the stream app writes, the recognizer reads back."""

from __future__ import annotations

import pytest

from streamscribe.contracts import EmitReason, Segment, SegmentHeaders
from streamscribe.contracts.segment import InvalidSegment


@pytest.mark.parametrize(
    "original",
    [
        SegmentHeaders(index=0, start_sample=0, reason=EmitReason.PAUSE),
        SegmentHeaders(index=7, start_sample=123_456, reason=EmitReason.INTERIM, final=False),
        SegmentHeaders(
            index=3, start_sample=48_000, reason=EmitReason.EOS, eos=True, produced_at_ms=1_700_000_000_123
        ),
    ],
)
def test_round_trip(original: SegmentHeaders) -> None:
    assert SegmentHeaders.from_kafka(original.to_kafka()) == original


def test_optional_headers_default_to_final_not_eos() -> None:
    parsed = SegmentHeaders.from_kafka([("segment", b"2"), ("start_sample", b"32000"), ("reason", b"bytes")])
    assert (parsed.final, parsed.eos, parsed.produced_at_ms) == (True, False, 0)


@pytest.mark.parametrize(
    "raw",
    [
        [("start_sample", b"0"), ("reason", b"time")],
        [("segment", b"x"), ("start_sample", b"0"), ("reason", b"time")],
        [("segment", b"0"), ("start_sample", b"0"), ("reason", b"because")],
        [("segment", b"0"), ("start_sample", b"0"), ("reason", b"time"), ("produced_at_ms", b"soon")],
        None,
    ],
)
def test_malformed_headers_raise_invalid_segment(raw: list[tuple[str, bytes]] | None) -> None:
    with pytest.raises(InvalidSegment):
        SegmentHeaders.from_kafka(raw)


def test_segment_times_follow_16khz_samples() -> None:
    segment = Segment("s", SegmentHeaders(1, 16_000, EmitReason.TIME), bytes(2 * 8_000))
    assert (segment.num_samples, segment.start_seconds, segment.end_seconds) == (8_000, 1.0, 1.5)

"""Checking raw segment messages: what passes and why the rest is refused."""

from __future__ import annotations

import pytest

from recognizer.intake import decode_segment
from streamscribe.contracts import EmitReason, InvalidChunk, RejectReason, SegmentHeaders

GOOD_HEADERS = SegmentHeaders(index=3, start_sample=48_000, reason=EmitReason.PAUSE, final=True,
                              eos=True, produced_at_ms=1234).to_kafka()


def refused(key: bytes | None, value: bytes | None, headers, max_seconds: float = 10.0) -> InvalidChunk:
    with pytest.raises(InvalidChunk) as caught:
        decode_segment(key, value, headers, max_seconds)
    return caught.value


def test_a_segment_as_the_stream_app_writes_it_is_accepted() -> None:
    segment = decode_segment(b"call-7", b"\x01\x00" * 16_000, GOOD_HEADERS, max_seconds=10.0)
    assert segment.stream_id == "call-7"
    assert segment.headers == SegmentHeaders(3, 48_000, EmitReason.PAUSE, True, True, 1234)
    assert segment.start_seconds == 3.0 and segment.end_seconds == 4.0


def test_an_empty_end_of_stream_segment_is_accepted() -> None:
    assert decode_segment(b"s", None, GOOD_HEADERS, max_seconds=10.0).num_samples == 0


@pytest.mark.parametrize(
    "key, value, headers, reason",
    [
        (None, b"\x00\x00", GOOD_HEADERS, RejectReason.MISSING_KEY),
        (b"s", b"\x00\x00", [("segment", b"1")], RejectReason.MISSING_HEADER),
        (b"s", b"\x00\x00", None, RejectReason.MISSING_HEADER),
        (b"s", b"\x00\x00", [("segment", b"x"), ("start_sample", b"0"), ("reason", b"pause")], RejectReason.BAD_HEADER),
        (b"s", b"\x00\x00", [("segment", b"1"), ("start_sample", b"0"), ("reason", b"bored")], RejectReason.BAD_HEADER),
        (b"s", b"\x00\x00", [("segment", b"-1"), ("start_sample", b"0"), ("reason", b"pause")], RejectReason.BAD_HEADER),
        (b"s", b"\x00\x00\x00", GOOD_HEADERS, RejectReason.ODD_BYTE_COUNT),
        (b"s", b"\x00\x00" * 16_001 * 10, GOOD_HEADERS, RejectReason.OVERSIZED),
    ],
)
def test_broken_segments_are_refused_with_the_rule_they_break(key, value, headers, reason) -> None:
    assert refused(key, value, headers).reason is reason

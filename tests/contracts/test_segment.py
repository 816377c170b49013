"""`audio.segments`: what the stream app writes, the recognizer reads back, and why the rest is refused."""

from __future__ import annotations

import pytest

from streamscribe.contracts import EmitReason, RejectReason, Segment, SegmentHeaders
from streamscribe.contracts.segment import InvalidSegment, decode_segment


@pytest.mark.parametrize(
    "original",
    [
        SegmentHeaders(index=0, start_sample=0, reason=EmitReason.PAUSE),
        SegmentHeaders(index=7, start_sample=123_456, reason=EmitReason.INTERIM, final=False),
        SegmentHeaders(
            index=3, start_sample=48_000, reason=EmitReason.EOS, eos=True, produced_at_ms=1_700_000_000_123
        ),
        SegmentHeaders(index=4, start_sample=64_000, reason=EmitReason.TIME, lead_samples=6_400, tail_samples=6_400),
    ],
)
def test_round_trip(original: SegmentHeaders) -> None:
    assert SegmentHeaders.from_kafka(original.to_kafka()) == original


def test_optional_headers_default_to_final_not_eos() -> None:
    parsed = SegmentHeaders.from_kafka([("segment", b"2"), ("start_sample", b"32000"), ("reason", b"bytes")])
    assert (parsed.final, parsed.eos, parsed.produced_at_ms, parsed.lead_samples, parsed.tail_samples) == (
        True, False, 0, 0, 0)


def test_context_headers_are_written_only_when_there_is_context() -> None:
    plain = dict(SegmentHeaders(0, 0, EmitReason.PAUSE).to_kafka())
    assert "lead_samples" not in plain and "tail_samples" not in plain
    overlapped = Segment("s", SegmentHeaders(1, 16_000, EmitReason.TIME, lead_samples=3_200, tail_samples=1_600),
                         b"\x00\x00" * 32_000)
    assert (overlapped.owned_start_seconds, overlapped.owned_end_seconds) == (1.2, 2.9)


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


GOOD_HEADERS = SegmentHeaders(index=3, start_sample=48_000, reason=EmitReason.PAUSE, final=True,
                              eos=True, produced_at_ms=1234).to_kafka()


def refused(key: bytes | None, value: bytes | None, headers, max_seconds: float = 10.0) -> InvalidSegment:
    with pytest.raises(InvalidSegment) as caught:
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
        (b"s", b"\x00\x00", [("segment", b"-1"), ("start_sample", b"0"), ("reason", b"pause")],
         RejectReason.BAD_HEADER),
        (b"s", b"\x00\x00\x00", GOOD_HEADERS, RejectReason.ODD_BYTE_COUNT),
        (b"s", b"\x00\x00" * 16_001 * 10, GOOD_HEADERS, RejectReason.OVERSIZED),
        (b"s", b"\x00\x00" * 100, SegmentHeaders(0, 0, EmitReason.TIME, lead_samples=60, tail_samples=50).to_kafka(),
         RejectReason.BAD_HEADER),
    ],
)
def test_broken_segments_are_refused_with_the_rule_they_break(key, value, headers, reason) -> None:
    assert refused(key, value, headers).reason is reason


def test_encode_and_decode_are_inverse() -> None:
    segment = Segment("call-7", SegmentHeaders(2, 32_000, EmitReason.EOS, eos=True, produced_at_ms=9), b"\x01\x00" * 80)
    assert decode_segment(*segment.encode(), max_seconds=10.0) == segment

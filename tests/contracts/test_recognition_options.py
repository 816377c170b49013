"""Per-stream recognition options: checked on the chunk, carried on every segment (pure)."""

from __future__ import annotations

import pytest

from streamscribe.contracts import (
    ChunkHeaders,
    EmitReason,
    InvalidChunk,
    InvalidSegment,
    RejectReason,
    Segment,
    SegmentHeaders,
    StreamOptions,
    decode_chunk,
    decode_segment,
)
from streamscribe.contracts.recognition import RECOGNITION_OPTIONS, RecognitionOptions

FIRST_CHUNK = [("seq", b"0"), ("sample_rate", b"16000")]


def test_options_travel_from_the_chunk_to_the_segment_headers() -> None:
    chunk = decode_chunk(b"call", b"", [*FIRST_CHUNK, ("formatting", b"punctuated"), ("redact", b"pii")])
    recognition = chunk.headers.options.recognition
    assert (recognition.get("formatting"), recognition.get("redact")) == ("punctuated", "pii")
    segment = Segment("call", SegmentHeaders(0, 0, EmitReason.PAUSE, recognition=recognition), b"\0\0")
    key, value, headers = segment.encode()
    assert decode_segment(key, value, headers, max_seconds=30).headers.recognition == recognition


def test_a_stream_that_asks_for_nothing_writes_no_header_and_gets_the_defaults() -> None:
    headers = SegmentHeaders(0, 0, EmitReason.PAUSE).to_kafka()
    assert not {name for name, _ in headers} & set(RECOGNITION_OPTIONS)
    assert SegmentHeaders.from_kafka(headers).recognition.get("formatting") is None
    assert ChunkHeaders(0, 16000).to_kafka() == ChunkHeaders(0, 16000, options=StreamOptions()).to_kafka()


@pytest.mark.parametrize(("name", "value"), [("formatting", "fancy"), ("redact", "all"), ("formatting", "")])
def test_an_unknown_value_rejects_the_chunk_as_a_bad_header_naming_it(name: str, value: str) -> None:
    with pytest.raises(InvalidChunk) as caught:
        decode_chunk(b"call", b"", [*FIRST_CHUNK, (name, value.encode())])
    assert caught.value.reason is RejectReason.BAD_HEADER
    assert name in str(caught.value) and repr(value) in str(caught.value)


def test_a_segment_with_a_bad_option_is_refused() -> None:
    headers = [*SegmentHeaders(0, 0, EmitReason.PAUSE).to_kafka(), ("redact", b"everything")]
    with pytest.raises(InvalidSegment) as caught:
        decode_segment(b"call", b"", headers, max_seconds=30)
    assert caught.value.reason is RejectReason.BAD_HEADER


def test_a_start_message_takes_both_kinds_of_option() -> None:
    options = StreamOptions.parse({"interim_interval_ms": 0, "formatting": "raw"})
    assert options.interim_interval_ms == 0 and options.recognition.get("formatting") == "raw"
    for bad in ({"formatting": 3}, {"formatting": "loud"}, {"language": "en"}):
        with pytest.raises(ValueError, match="formatting|language"):
            StreamOptions.parse(bad)


def test_options_have_one_order_and_survive_their_compact_form() -> None:
    options = RecognitionOptions.parse({"redact": "pii", "formatting": "full"})
    assert options.values == (("formatting", "full"), ("redact", "pii"))  # one order, whatever was asked
    assert RecognitionOptions.decode(options.encode()) == options
    assert RecognitionOptions().encode() == b"" and RecognitionOptions.decode(b"") == RecognitionOptions()

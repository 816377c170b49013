"""G.711 encodings and per-stream option headers in the `audio.chunks` contract."""

from __future__ import annotations

import audioop  # deprecated (removed in 3.13) but present in 3.11: the reference G.711 tables

import numpy as np
import pytest

from streamscribe.contracts import ChunkHeaders, Encoding, InvalidChunk, RejectReason, StreamOptions, decode_chunk
from streamscribe.contracts.chunk import OPTION_RANGES
from streamscribe.g711 import ALAW_TO_S16, MULAW_TO_S16, encode_alaw, encode_mulaw


def test_tables_match_the_reference_codec() -> None:
    every_code = bytes(range(256))
    assert MULAW_TO_S16.tolist() == np.frombuffer(audioop.ulaw2lin(every_code, 2), "<i2").tolist()
    assert ALAW_TO_S16.tolist() == np.frombuffer(audioop.alaw2lin(every_code, 2), "<i2").tolist()


@pytest.mark.parametrize(("encode", "table"), [(encode_mulaw, MULAW_TO_S16), (encode_alaw, ALAW_TO_S16)])
def test_encoding_picks_the_nearest_code(encode, table) -> None:  # noqa: ANN001
    samples = np.arange(-32768, 32768, 7)
    decoded = table[np.frombuffer(encode(samples), np.uint8)].astype(np.int64)
    error = np.abs(decoded - samples)
    best = np.abs(table.astype(np.int64)[None, :] - samples[::97, None]).min(axis=1)
    assert (error[::97] == best).all()


@pytest.mark.parametrize("encoding", ["pcm_mulaw", "pcm_alaw"])
def test_g711_is_one_byte_per_sample(encoding: str) -> None:
    headers = [("seq", b"0"), ("sample_rate", b"8000"), ("channels", b"2"), ("encoding", encoding.encode())]
    chunk = decode_chunk(b"call", b"\x01" * 6, headers)
    assert chunk.headers.encoding is Encoding(encoding)
    assert chunk.frames == 3


def test_options_round_trip_through_headers() -> None:
    options = StreamOptions(interim_interval_ms=300, min_silence_ms=800)
    headers = ChunkHeaders(4, 16000, options=options).to_kafka()
    assert ("max_segment_age_ms" not in dict(headers)) and dict(headers)["interim_interval_ms"] == b"300"
    assert decode_chunk(b"k", b"", headers).headers.options == options


def test_a_chunk_without_options_gets_the_defaults() -> None:
    assert decode_chunk(b"k", b"", [("seq", b"0"), ("sample_rate", b"16000")]).headers.options == StreamOptions()


@pytest.mark.parametrize(("name", "value"), [("interim_interval_ms", "-5"), ("min_silence_ms", "5"),
                                              ("max_segment_age_ms", "999999"), ("min_silence_ms", "abc")])
def test_an_option_out_of_range_is_a_bad_header(name: str, value: str) -> None:
    with pytest.raises(InvalidChunk) as caught:
        decode_chunk(b"k", b"", [("seq", b"0"), ("sample_rate", b"16000"), (name, value.encode())])
    assert caught.value.reason is RejectReason.BAD_HEADER
    assert name in caught.value.detail


def test_options_from_a_start_message_are_checked() -> None:
    assert StreamOptions.parse({"interim_interval_ms": 0}) == StreamOptions(interim_interval_ms=0)
    with pytest.raises(ValueError, match="unknown option"):
        StreamOptions.parse({"beam": 3})
    for bad in (True, 1.5, "300", OPTION_RANGES["max_segment_age_ms"][1] + 1):
        with pytest.raises(ValueError, match="max_segment_age_ms"):
            StreamOptions.parse({"max_segment_age_ms": bad})

"""`audio.chunks` contract: every stateless rule names its own reject reason."""

from __future__ import annotations

import pytest

from streamscribe.contracts import (
    MAX_SAMPLE_RATE,
    MIN_SAMPLE_RATE,
    AudioChunk,
    ChunkHeaders,
    Encoding,
    InvalidChunk,
    RejectReason,
    decode_chunk,
)
from streamscribe.contracts.chunk import parse_chunk_headers

KEY = b"call-42"


def headers(**values: str | None) -> list[tuple[str, bytes | None]]:
    """Raw Kafka headers; defaults are a valid 16 kHz mono s16le chunk, None removes one."""
    merged: dict[str, str | None] = {"seq": "0", "sample_rate": "16000", **values}
    return [(name, value.encode()) for name, value in merged.items() if value is not None]


def rejected(
    headers_: list[tuple[str, bytes | None]] | None,
    value: bytes = b"\x00\x00",
    key: bytes | None = KEY,
    max_bytes: int = 1024,
) -> InvalidChunk:
    with pytest.raises(InvalidChunk) as caught:
        decode_chunk(key, value, headers_, max_bytes=max_bytes)
    return caught.value


@pytest.mark.parametrize("key", [None, b""])
def test_missing_key(key: bytes | None) -> None:
    assert rejected(headers(), key=key).reason is RejectReason.MISSING_KEY


@pytest.mark.parametrize("name", ["seq", "sample_rate"])
def test_missing_required_header_names_it(name: str) -> None:
    error = rejected(headers(**{name: None}))
    assert error.reason is RejectReason.MISSING_HEADER
    assert name in error.detail


def test_no_headers_at_all_is_missing_header() -> None:
    assert rejected(None).reason is RejectReason.MISSING_HEADER


@pytest.mark.parametrize("seq", ["-1", "1.5", "abc", "", "0x10", "²", "١٢"])
def test_non_decimal_seq(seq: str) -> None:
    assert rejected(headers(seq=seq)).reason is RejectReason.BAD_SEQ


def test_seq_without_value_is_bad_seq() -> None:
    raw = [("seq", None), ("sample_rate", b"16000")]
    assert rejected(raw).reason is RejectReason.BAD_SEQ


@pytest.mark.parametrize(
    "rate", [str(MIN_SAMPLE_RATE - 1), str(MAX_SAMPLE_RATE + 1), "0", "96000", "16k", "-16000"]
)
def test_rate_out_of_range(rate: str) -> None:
    assert rejected(headers(sample_rate=rate)).reason is RejectReason.RATE_OUT_OF_RANGE


@pytest.mark.parametrize("rate", [MIN_SAMPLE_RATE, 22050, MAX_SAMPLE_RATE])
def test_rate_bounds_are_inclusive(rate: int) -> None:
    assert decode_chunk(KEY, b"", headers(sample_rate=str(rate))).headers.sample_rate == rate


@pytest.mark.parametrize("channels", ["0", "3", "6", "mono", ""])
def test_channels_not_one_or_two(channels: str) -> None:
    assert rejected(headers(channels=channels)).reason is RejectReason.BAD_CHANNELS


@pytest.mark.parametrize("encoding", ["pcm_s24le", "PCM_S16LE", "opus", ""])
def test_unknown_encoding(encoding: str) -> None:
    error = rejected(headers(encoding=encoding))
    assert error.reason is RejectReason.UNKNOWN_ENCODING
    assert "pcm_s16le" in error.detail


@pytest.mark.parametrize(
    ("channels", "encoding", "size"),
    [
        ("1", "pcm_s16le", 3),
        ("2", "pcm_s16le", 6),
        ("2", "pcm_s16le", 2),
        ("1", "pcm_f32le", 6),
        ("2", "pcm_f32le", 12),
    ],
)
def test_odd_byte_count(channels: str, encoding: str, size: int) -> None:
    error = rejected(headers(channels=channels, encoding=encoding), value=bytes(size))
    assert error.reason is RejectReason.ODD_BYTE_COUNT


@pytest.mark.parametrize(
    ("channels", "encoding", "size", "frames"),
    [("1", "pcm_s16le", 4, 2), ("2", "pcm_s16le", 8, 2), ("1", "pcm_f32le", 8, 2), ("2", "pcm_f32le", 16, 2)],
)
def test_whole_frames_are_accepted(channels: str, encoding: str, size: int, frames: int) -> None:
    chunk = decode_chunk(KEY, bytes(size), headers(channels=channels, encoding=encoding))
    assert chunk.frames == frames


def test_oversized() -> None:
    error = rejected(headers(), value=bytes(1026), max_bytes=1024)
    assert error.reason is RejectReason.OVERSIZED
    assert decode_chunk(KEY, bytes(1024), headers(), max_bytes=1024).pcm == bytes(1024)


@pytest.mark.parametrize(
    ("raw_eos", "expected"),
    [(b"1", True), (b"", True), (None, True), (b" 1 ", True), (b"0", False), (b"true", False)],
)
def test_eos_parsing(raw_eos: bytes | None, expected: bool) -> None:
    raw = [*headers(), ("eos", raw_eos)]
    assert decode_chunk(KEY, b"", raw).headers.eos is expected


def test_eos_absent_means_not_last() -> None:
    assert decode_chunk(KEY, b"", headers()).headers.eos is False


def test_defaults_are_mono_s16le() -> None:
    parsed = decode_chunk(KEY, b"\x01\x00", headers()).headers
    assert (parsed.channels, parsed.encoding) == (1, Encoding.PCM_S16LE)


def test_empty_payload_is_valid() -> None:
    chunk = decode_chunk(KEY, None, [*headers(), ("eos", b"")])
    assert (chunk.pcm, chunk.frames, chunk.headers.eos) == (b"", 0, True)


def test_last_header_value_wins() -> None:
    raw = [*headers(), ("seq", b"7")]
    assert parse_chunk_headers(raw).seq == 7


@pytest.mark.parametrize(
    "original",
    [
        ChunkHeaders(seq=0, sample_rate=16000),
        ChunkHeaders(seq=12345, sample_rate=8000, channels=2, encoding=Encoding.PCM_F32LE),
        ChunkHeaders(seq=3, sample_rate=48000, channels=1, eos=True),
    ],
)
def test_headers_round_trip(original: ChunkHeaders) -> None:
    assert parse_chunk_headers(original.to_kafka()) == original


def test_headers_are_utf8_decimal_text() -> None:
    written = dict(ChunkHeaders(seq=9, sample_rate=44100, channels=2, eos=True).to_kafka())
    assert written == {
        "seq": b"9",
        "sample_rate": b"44100",
        "channels": b"2",
        "encoding": b"pcm_s16le",
        "eos": b"1",
    }


def test_decoded_chunk_keeps_key_and_payload() -> None:
    pcm = bytes(range(8))
    chunk = decode_chunk(b"caf\xc3\xa9", pcm, ChunkHeaders(seq=1, sample_rate=16000).to_kafka())
    assert (chunk.stream_id, chunk.pcm, chunk.headers.seq) == ("café", pcm, 1)


def test_chunk_encode_and_decode_are_inverse() -> None:
    chunk = AudioChunk("café", ChunkHeaders(seq=4, sample_rate=8000, channels=2, eos=True), b"\x00\x01" * 8)
    assert decode_chunk(*chunk.encode()) == chunk
    assert ChunkHeaders.from_kafka(chunk.headers.to_kafka()) == chunk.headers

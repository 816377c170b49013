"""Per-stream bookkeeping (pure): contract headers, seq numbering, format checks."""

from __future__ import annotations

import pytest

from producers.errors import StreamStateError
from producers.ledger import ProducerLedger
from streamscribe.contracts import ChunkHeaders, Encoding
from streamscribe.contracts.chunk import parse_chunk_headers


def test_headers_follow_the_contract_with_increasing_seq() -> None:
    ledger = ProducerLedger(max_chunk_bytes=1 << 20)
    stream = ledger.open("call-7", 44_100, 2, "pcm_f32le")
    parsed = []
    for _ in range(3):
        parsed.append(parse_chunk_headers(stream.headers()))
        stream.record_sent(16)
    parsed.append(parse_chunk_headers(stream.eos_headers()))
    assert parsed == [
        ChunkHeaders(0, 44_100, 2, Encoding.PCM_F32LE),
        ChunkHeaders(1, 44_100, 2, Encoding.PCM_F32LE),
        ChunkHeaders(2, 44_100, 2, Encoding.PCM_F32LE),
        ChunkHeaders(3, 44_100, 2, Encoding.PCM_F32LE, eos=True),
    ]
    assert stream.key == b"call-7"
    assert (ledger.stats.chunks_sent, ledger.stats.bytes_sent) == (3, 48)


@pytest.mark.parametrize(
    ("rate", "channels", "encoding"),
    [(96_000, 1, "pcm_s16le"), (7_999, 1, "pcm_s16le"), (16_000, 3, "pcm_s16le"), (16_000, 1, "mp3")],
)
def test_formats_outside_the_contract_are_refused_at_open(rate: int, channels: int, encoding: str) -> None:
    with pytest.raises(StreamStateError):
        ProducerLedger(max_chunk_bytes=1 << 20).open("s", rate, channels, encoding)


def test_a_stream_id_is_open_once_and_reusable_after_close() -> None:
    ledger = ProducerLedger(max_chunk_bytes=1 << 20)
    first = ledger.open("s", 16_000, 1, "pcm_s16le")
    with pytest.raises(StreamStateError, match="already open"):
        ledger.open("s", 16_000, 1, "pcm_s16le")
    first.close()
    assert ledger.open("s", 16_000, 1, "pcm_s16le").next_seq == 0


def test_empty_stream_id_is_refused() -> None:
    with pytest.raises(StreamStateError, match="empty"):
        ProducerLedger(max_chunk_bytes=1 << 20).open("", 16_000, 1, "pcm_s16le")


def test_writing_after_close_is_refused() -> None:
    stream = ProducerLedger(max_chunk_bytes=1 << 20).open("s", 16_000, 1, "pcm_s16le")
    stream.close()
    with pytest.raises(StreamStateError, match="closed"):
        stream.check_writable()


def test_closed_streams_with_nothing_in_flight_are_forgotten() -> None:
    ledger = ProducerLedger(max_chunk_bytes=1 << 20)
    stream = ledger.open("s", 16_000, 1, "pcm_s16le")
    stream.record_sent(2)
    stream.close()
    assert "s" in ledger.streams  # its chunk is still in flight
    stream.settled += 1
    ledger.forget_if_done(stream)
    assert "s" not in ledger.streams


def test_largest_payload_is_whole_frames() -> None:
    stream = ProducerLedger(max_chunk_bytes=1001).open("s", 16_000, 2, "pcm_s16le")
    assert stream.max_payload == 1000

"""The stream app's refusals of a producer's chunks (pure part): read from `audio.rejected` records,
kept for the open streams they concern, and raised by the stream's next call."""

from __future__ import annotations

import pytest

from producers.errors import DeliveryError
from producers.ledger import ProducerLedger
from producers.refusals import Refusal, refusal_of

CHUNKS = "audio.chunks"


def rejected_headers(seq: str, reason: str, source: str) -> list[tuple[str, bytes | None]]:
    return [("seq", seq.encode()), ("sample_rate", b"16000"), ("reject_reason", reason.encode()),
            ("reject_detail", b"the stream was closed after 30.0 s without data"), ("source", source.encode())]


def test_a_refused_chunk_is_read_with_its_stream_seq_reason_and_detail() -> None:
    refusal = refusal_of(b"call-1", rejected_headers("41", "after_eos", f"{CHUNKS}/3/1207"), CHUNKS)
    assert refusal == Refusal("call-1", 41, "after_eos", "the stream was closed after 30.0 s without data")
    assert str(refusal) == "refused by the stream app (after_eos): the stream was closed after 30.0 s without data"


@pytest.mark.parametrize("key, headers", [
    (b"call-1", rejected_headers("4", "after_eos", "audio.segments/3/12")),  # a segment the recognizer refused
    (b"call-1", rejected_headers("4", "after_eos", "other.chunks/0/1")),  # another pipeline's chunks
    (None, rejected_headers("4", "missing_key", f"{CHUNKS}/0/1")),  # no stream to tell
    (b"call-1", [("source", f"{CHUNKS}/0/1".encode())]),  # not a rejection record
])
def test_records_that_are_not_refusals_of_our_chunks_are_left_out(
    key: bytes | None, headers: list[tuple[str, bytes | None]],
) -> None:
    assert refusal_of(key, headers, CHUNKS) is None


def test_a_malformed_seq_still_reports_the_refusal() -> None:
    refusal = refusal_of(b"call-1", rejected_headers("x", "bad_header", f"{CHUNKS}/0/9"), CHUNKS)
    assert refusal is not None and refusal.seq is None


def test_a_refusal_is_raised_by_the_streams_next_write_and_close() -> None:
    pending: list[Refusal] = []
    ledger = ProducerLedger(max_chunk_bytes=1 << 20)

    def drain() -> list[Refusal]:
        taken = list(pending)
        pending.clear()
        return taken

    ledger.refusals = drain
    stream = ledger.open("call-1", 16_000, 1, "pcm_s16le")
    other = ledger.open("call-2", 16_000, 1, "pcm_s16le")
    stream.check_writable()
    pending.append(Refusal("call-1", 7, "after_eos", "the stream was closed after 30.0 s without data"))
    pending.append(Refusal("gone", 1, "after_eos", "not ours any more"))  # a stream this ledger forgot
    with pytest.raises(DeliveryError, match=r"'call-1' seq 7: refused by the stream app \(after_eos\)"):
        stream.check_writable()
    other.check_writable()  # other streams carry on
    pending.append(Refusal("call-1", 8, "after_eos", "the stream was closed after 30.0 s without data"))
    with pytest.raises(DeliveryError, match="seq 8"):
        stream.close()
    assert ledger.stats.delivery_failures == 2


def test_a_refused_second_copy_of_a_chunk_is_no_failure_of_its_stream() -> None:
    """Kafka can deliver a chunk twice (an idempotent producer whose broker state was lost in an outage):
    the stream app drops the copy as `seq_repeat`, and the stream that sent it carries on."""
    repeat = Refusal("call-1", 3, "seq_repeat", "seq 3 was already received (next expected 4)")
    pending = [repeat]
    ledger = ProducerLedger(max_chunk_bytes=1 << 20)
    ledger.refusals = lambda: [pending.pop() for _ in range(len(pending))]
    stream = ledger.open("call-1", 16_000, 1, "pcm_s16le")
    assert repeat.is_redelivery and not Refusal("call-1", 9, "seq_gap", "").is_redelivery
    stream.check_writable()
    stream.close()
    assert ledger.stats.delivery_failures == 0

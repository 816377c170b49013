"""The seq / format / eos rules of one stream."""

from __future__ import annotations

from stream_app.sequencing import SequenceGate
from streamscribe.contracts.chunk import ChunkHeaders, Encoding
from streamscribe.contracts.rejection import RejectReason


def chunk(seq: int, rate: int = 16000, eos: bool = False) -> ChunkHeaders:
    return ChunkHeaders(seq, rate, 1, Encoding.PCM_S16LE, eos)


def verdicts(gate: SequenceGate, chunks: list[ChunkHeaders]) -> list[str]:
    results = []
    for headers in chunks:
        error = gate.admit(headers)
        results.append("ok" if error is None else error.reason.value)
    return results


def test_in_order_chunks_are_accepted_and_eos_closes_the_stream() -> None:
    gate = SequenceGate()
    assert verdicts(gate, [chunk(0), chunk(1), chunk(2, eos=True), chunk(3)]) == ["ok", "ok", "ok", "after_eos"]


def test_a_retried_duplicate_is_rejected_and_the_stream_carries_on() -> None:
    gate = SequenceGate()
    assert verdicts(gate, [chunk(0), chunk(1), chunk(1), chunk(0), chunk(2)]) == [
        "ok", "ok", "seq_repeat", "seq_repeat", "ok"]


def test_a_gap_rejects_the_chunk_that_reveals_it_and_resynchronises_after_it() -> None:
    gate = SequenceGate()
    assert verdicts(gate, [chunk(0), chunk(3), chunk(4), chunk(1)]) == ["ok", "seq_gap", "ok", "seq_repeat"]
    error = SequenceGate(next_seq=5).admit(chunk(9))
    assert error is not None and error.reason is RejectReason.SEQ_GAP and "5..8" in error.detail


def test_reordered_chunks_cost_the_two_swapped_ones() -> None:
    gate = SequenceGate()
    assert verdicts(gate, [chunk(0), chunk(2), chunk(1), chunk(3)]) == ["ok", "seq_gap", "seq_repeat", "ok"]


def test_a_format_change_is_rejected_and_uses_up_its_seq() -> None:
    gate = SequenceGate()
    assert verdicts(gate, [chunk(0), chunk(1, rate=8000), chunk(2)]) == ["ok", "format_changed", "ok"]

"""`audio.rejected` headers: the original headers plus why and where from."""

from __future__ import annotations

from streamscribe.contracts import InvalidChunk, RejectReason, rejection_headers
from streamscribe.errors import StreamscribeError


def test_rejection_keeps_original_headers_and_adds_reason_detail_source() -> None:
    original = [("seq", b"3"), ("sample_rate", b"99000")]
    error = InvalidChunk(RejectReason.RATE_OUT_OF_RANGE, "sample_rate 99000 outside 8000..48000")
    written = rejection_headers(original, error, ("audio.chunks", 5, 1234))
    assert written[:2] == original
    assert dict(written[2:]) == {
        "reject_reason": b"rate_out_of_range",
        "reject_detail": b"sample_rate 99000 outside 8000..48000",
        "source": b"audio.chunks/5/1234",
    }


def test_rejection_without_original_headers() -> None:
    error = InvalidChunk(RejectReason.MISSING_KEY, "no key")
    assert [name for name, _ in rejection_headers(None, error, ("t", 0, 0))] == [
        "reject_reason",
        "reject_detail",
        "source",
    ]


def test_invalid_chunk_is_a_streamscribe_error_with_reason_in_message() -> None:
    error = InvalidChunk(RejectReason.SEQ_GAP, "expected 4, got 6")
    assert isinstance(error, StreamscribeError)
    assert str(error) == "seq_gap: expected 4, got 6"

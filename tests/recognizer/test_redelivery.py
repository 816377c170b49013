"""Which finals a worker has written already (pure: recognizer.redelivery)."""

from __future__ import annotations

from recognizer.redelivery import WrittenFinals
from streamscribe.contracts import EmitReason, Segment, SegmentHeaders


def segment(stream: str, index: int, final: bool = True, produced_at_ms: int = 10_000) -> Segment:
    return Segment(stream, SegmentHeaders(index, 16_000 * index, EmitReason.PAUSE, final=final,
                                          produced_at_ms=produced_at_ms), b"")


def test_a_replayed_copy_of_a_written_final_is_a_copy_and_new_segments_are_not() -> None:
    written = WrittenFinals(capacity=100)
    written.remember([segment("a", 0), segment("a", 1), segment("b", 0)])
    later = [segment("a", 1), segment("a", 2), segment("b", 0), segment("c", 0)]
    assert written.copies(later) == {0, 2}


def test_a_reused_stream_id_with_newer_audio_is_not_a_copy() -> None:
    written = WrittenFinals(capacity=100)
    written.remember([segment("a", 0, produced_at_ms=10_000)])
    assert written.copies([segment("a", 0, produced_at_ms=99_000)]) == set()


def test_previews_are_never_copies_and_are_not_remembered() -> None:
    written = WrittenFinals(capacity=100)
    written.remember([segment("a", 0, final=False)])
    assert written.copies([segment("a", 0, final=False), segment("a", 0)]) == set()


def test_a_copy_within_one_batch_is_kept_once() -> None:
    assert WrittenFinals(capacity=100).copies([segment("a", 3), segment("b", 3), segment("a", 3)]) == {2}


def test_only_the_newest_finals_are_remembered() -> None:
    written = WrittenFinals(capacity=2)
    written.remember([segment("a", 0), segment("a", 1), segment("a", 2)])
    assert written.copies([segment("a", 0), segment("a", 1), segment("a", 2)]) == {1, 2}
    assert WrittenFinals(capacity=0).copies([segment("a", 0)]) == set()

"""Which words a segment owns, which preview words are stable, which previews are skipped."""

from __future__ import annotations

from dataclasses import replace

from recognizer.windows import STALE, SUPERSEDED, owned_words, previews_to_skip, with_stability
from streamscribe.contracts import EmitReason, Segment, SegmentHeaders, Word


def word(text: str, start: float, end: float) -> Word:
    return Word(word=text, start=start, end=end, confidence=0.9)


WORDS = [word("then", 0.1, 0.4), word("we", 0.45, 0.6), word("wait", 0.7, 1.1), word("for", 1.2, 1.4)]


def test_a_word_belongs_to_the_side_that_holds_its_centre() -> None:
    # an overlap 0.6..1.4 s split at 1.0 s: "wait" (centre 0.9) is the earlier segment's, "for" the later's
    earlier = owned_words(WORDS, 0.0, 1.0, last=False)
    later = owned_words(WORDS, 1.0, 2.0, last=True)
    assert [w.word for w in earlier] == ["then", "we", "wait"]
    assert [w.word for w in later] == ["for"]


def test_only_the_last_segment_keeps_a_word_centred_on_its_end() -> None:
    edge = [word("end", 0.8, 1.2)]  # centre 1.0
    assert owned_words(edge, 0.0, 1.0, last=False) == []
    assert owned_words(edge, 0.0, 1.0, last=True) == edge


def test_preview_words_are_stable_once_enough_audio_follows_them() -> None:
    flagged = with_stability(WORDS, audio_end=1.5, stable_after=0.6)
    assert [(w.word, w.stable) for w in flagged] == [("then", True), ("we", True), ("wait", False), ("for", False)]
    assert flagged[0].model_dump(exclude_none=True) == {**WORDS[0].model_dump(exclude_none=True), "stable": True}


def segment(stream: str, index: int, final: bool, produced_at_ms: int = 10_000) -> Segment:
    reason = EmitReason.TIME if final else EmitReason.INTERIM
    return Segment(stream, SegmentHeaders(index, 0, reason, final=final, produced_at_ms=produced_at_ms), b"")


def test_previews_give_way_to_newer_segments_of_their_stream_and_to_age() -> None:
    batch = [segment("a", 0, False), segment("b", 0, False), segment("a", 0, False), segment("a", 0, True),
             segment("c", 2, False, produced_at_ms=8_000), segment("b", 1, True), segment("d", 0, False)]
    # a's two previews precede its final; b's preview precedes its next final; c's is 2 s old
    assert previews_to_skip(batch, now_ms=10_500, max_lag_ms=1_000) == {
        0: SUPERSEDED, 1: SUPERSEDED, 2: SUPERSEDED, 4: STALE}
    # finals are never skipped, however old
    old_final = replace(batch[3], headers=replace(batch[3].headers, produced_at_ms=1))
    assert previews_to_skip([old_final], now_ms=10_500, max_lag_ms=1_000) == {}

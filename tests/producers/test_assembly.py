"""Pure result bookkeeping: copies dropped, previews kept apart, streams reassembled in order."""

from __future__ import annotations

from producers.assembly import TranscriptAssembler
from streamscribe.contracts import Transcript, Word


def result(stream: str, segment: int, text: str, final: bool = True, eos: bool = False, end: float = 1.0) -> Transcript:
    return Transcript(stream_id=stream, segment=segment, start=0.0, end=end, text=text, final=final,
                      model="m", eos=eos)


def test_a_redelivered_copy_is_dropped() -> None:
    assembler = TranscriptAssembler()
    assert assembler.accept(result("a", 0, "hello"))
    assert not assembler.accept(result("a", 0, "hello"))
    assert assembler.accept(result("b", 0, "hello"))  # same segment of another stream


def test_growing_previews_pass_but_their_copies_and_late_ones_do_not() -> None:
    assembler = TranscriptAssembler()
    assert assembler.accept(result("a", 0, "hel", final=False, end=0.5))
    assert assembler.accept(result("a", 0, "hello wor", final=False, end=1.0))
    assert not assembler.accept(result("a", 0, "hello wor", final=False, end=1.0))
    assert assembler.accept(result("a", 0, "hello world", end=1.2))
    assert not assembler.accept(result("a", 0, "hello wo", final=False, end=1.1))
    assert assembler.streams["a"].text == "hello world"


def test_text_is_in_segment_order_and_complete_only_with_every_segment_up_to_eos() -> None:
    assembler = TranscriptAssembler()
    assembler.accept(result("a", 2, "three", eos=True))
    assembler.accept(result("a", 0, "one"))
    stream = assembler.streams["a"]
    assert not stream.complete and stream.missing_segments == [1]
    assembler.accept(result("a", 1, ""))  # a silent segment has no words but counts
    assert stream.complete and stream.text == "one three"
    assert [t.segment for t in stream.segments] == [0, 1, 2]


def test_spoken_text_is_the_words_of_formatted_finals() -> None:
    assembler = TranscriptAssembler()
    words = [Word(word=w, start=i, end=i + 0.5, confidence=0.9) for i, w in enumerate("twenty five dollars".split())]
    assembler.accept(Transcript(stream_id="a", segment=0, start=0.0, end=3.0, text="$25.", words=words, model="m"))
    assembler.accept(result("a", 1, "no word times", eos=True))
    stream = assembler.streams["a"]
    assert stream.text == "$25. no word times"
    assert stream.spoken_text == "twenty five dollars no word times"


def test_forgetting_a_stream_frees_it() -> None:
    assembler = TranscriptAssembler()
    assembler.accept(result("a", 0, "x", eos=True))
    assembler.forget("a")
    assert "a" not in assembler.streams


def preview(segment: int, start: float, end: float, words: list[tuple[str, float, float]]) -> Transcript:
    timed = [Word(word=w, start=s, end=e, confidence=0.9) for w, s, e in words]
    return Transcript(stream_id="a", segment=segment, start=start, end=end, text=" ".join(w for w, _, _ in words),
                      final=False, words=timed, model="m")


def test_a_caption_merges_previews_by_word_time_until_the_final_replaces_them() -> None:
    assembler = TranscriptAssembler()
    assembler.accept(result("a", 0, "then we"))
    assembler.accept(preview(1, 1.0, 1.4, [("wa", 1.1, 1.4)]))
    assembler.accept(preview(1, 1.2, 1.8, [("wait", 1.2, 1.6), ("fo", 1.7, 1.8)]))  # owns from 1.2 s
    stream = assembler.streams["a"]
    assert stream.caption == "then we wait fo"
    assembler.accept(preview(1, 1.7, 2.2, [("for", 1.7, 1.9), ("a", 2.0, 2.1)]))
    assert stream.caption == "then we wait for a"
    assembler.accept(result("a", 1, "wait for a while"))
    assert stream.caption == stream.text == "then we wait for a while"
    assembler.accept(preview(2, 3.0, 3.4, [("we", 3.0, 3.3)]))
    assert stream.caption == "then we wait for a while we"

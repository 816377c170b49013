"""Pure result bookkeeping: copies dropped, previews kept apart, streams reassembled in order."""

from __future__ import annotations

from recognizer.assembly import TranscriptAssembler
from streamscribe.contracts import Transcript


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


def test_forgetting_a_stream_frees_it() -> None:
    assembler = TranscriptAssembler()
    assembler.accept(result("a", 0, "x", eos=True))
    assembler.forget("a")
    assert "a" not in assembler.streams

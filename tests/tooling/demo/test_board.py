"""Bookkeeping of demo streams: latest text, latency from send times, completion."""

from __future__ import annotations

import pytest

from streamscribe.contracts import Transcript, Word
from tooling.demo.board import Board, DemoStream, StreamStatus


def result(segment: int, text: str, end: float, final: bool = True, eos: bool = False) -> Transcript:
    return Transcript(stream_id="s", segment=segment, start=0.0, end=end, text=text, final=final, eos=eos, model="m")


def sent_state() -> DemoStream:
    state = DemoStream("s", "hello big world", audio_seconds=3.0)
    for second in (1.0, 2.0, 3.0):
        state.record_sent(second, wall_time=10.0 + second)
    return state


def test_latency_is_measured_from_when_the_segments_last_audio_was_sent() -> None:
    state = sent_state()
    state.apply(result(0, "hello", end=1.5), arrived_at=12.25)  # audio up to 1.5 s left at 12.0
    assert state.latencies == [pytest.approx(0.25)]
    assert state.final_results == 1


def test_a_result_for_audio_not_sent_yet_has_no_latency() -> None:
    state = sent_state()
    state.apply(result(0, "hello", end=3.5), arrived_at=14.0)
    assert state.latencies == [] and state.final_results == 1


def test_interim_results_update_the_text_but_not_latency() -> None:
    state = sent_state()
    state.apply(result(0, "hel", end=0.5, final=False), arrived_at=11.5)
    assert state.latest_text == "hel"
    assert state.latencies == [] and state.final_results == 0
    state.apply(result(0, "", end=1.0), arrived_at=11.6)
    assert state.latest_text == "hel"  # an empty result keeps the last words on screen


def test_board_ignores_other_streams_and_tracks_completion() -> None:
    board = Board([DemoStream("s", "x", 1.0)])
    foreign = Transcript(stream_id="other", segment=0, start=0, end=1, text="x", model="m", eos=True)
    assert board.apply(foreign, arrived_at=1.0) is None
    board.record_sent("s", 1.0, 0.5)
    assert board.count(StreamStatus.STREAMING) == 1
    board.mark_sent("s")
    assert board.count(StreamStatus.SENT) == 1 and not board.all_done()
    assert board.apply(result(0, "x", end=1.0, eos=True), arrived_at=1.0) is not None
    state = board.complete("s", "x")
    assert state.hypothesis == "x" and board.all_done()
    board.mark_sent("s")
    assert state.status is StreamStatus.DONE  # a late eos write does not undo completion


def test_the_view_shows_the_previews_of_a_segment_merged_by_word_time() -> None:
    state = sent_state()
    first = [Word(word="hello", start=0.1, end=0.4, confidence=0.9),
             Word(word="wo", start=0.5, end=0.6, confidence=0.9)]
    state.apply(Transcript(stream_id="s", segment=0, start=0.0, end=0.6, text="hello wo", final=False,
                           words=first, model="m"), arrived_at=11.0)
    later = [Word(word="world", start=0.5, end=0.9, confidence=0.9)]
    state.apply(Transcript(stream_id="s", segment=0, start=0.45, end=1.0, text="world", final=False,
                           words=later, model="m"), arrived_at=11.4)
    assert state.latest_text == "hello world"

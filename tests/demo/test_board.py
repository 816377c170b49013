"""Bookkeeping of demo streams: dedupe, ordering of final texts, latency from send times."""

from __future__ import annotations

import pytest

from streamscribe.contracts import Transcript
from streamscribe.demo.board import Board, StreamState, StreamStatus


def result(segment: int, text: str, end: float, final: bool = True, eos: bool = False) -> Transcript:
    return Transcript(stream_id="s", segment=segment, start=0.0, end=end, text=text, final=final, eos=eos, model="m")


def sent_state() -> StreamState:
    state = StreamState("s", "hello big world", audio_seconds=3.0)
    for second in (1.0, 2.0, 3.0):
        state.record_sent(second, wall_time=10.0 + second)
    return state


def test_latency_is_measured_from_when_the_segments_last_audio_was_sent() -> None:
    state = sent_state()
    state.apply(result(0, "hello", end=1.5), arrived_at=12.25)  # audio up to 1.5 s left at 12.0
    assert state.latencies == [pytest.approx(0.25)]


def test_interim_results_update_the_text_but_not_latency_or_hypothesis() -> None:
    state = sent_state()
    state.apply(result(0, "hel", end=0.5, final=False), arrived_at=11.5)
    assert state.latest_text == "hel"
    assert state.latencies == [] and state.hypothesis == ""


def test_final_texts_join_in_segment_order_and_copies_are_ignored() -> None:
    state = sent_state()
    assert state.apply(result(1, "big world", end=3.0, eos=True), arrived_at=13.5)
    assert state.apply(result(0, "hello", end=1.0), arrived_at=13.6)
    assert not state.apply(result(0, "hello", end=1.0), arrived_at=14.0)
    assert state.hypothesis == "hello big world"
    assert len(state.latencies) == 2
    assert state.status is StreamStatus.DONE


def test_board_ignores_other_streams_and_tracks_completion() -> None:
    board = Board([StreamState("s", "x", 1.0)])
    foreign = Transcript(stream_id="other", segment=0, start=0, end=1, text="x", model="m", eos=True)
    assert board.apply(foreign, arrived_at=1.0) is None
    assert not board.all_done()
    board.record_sent("s", 1.0, 0.5)
    board.mark_sent("s")
    assert board.count(StreamStatus.SENT) == 1
    assert board.apply(result(0, "x", end=1.0, eos=True), arrived_at=1.0) is not None
    assert board.all_done()

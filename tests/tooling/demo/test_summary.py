"""The demo's summary numbers, computed from stream states."""

from __future__ import annotations

import json

import pytest

from streamscribe.contracts import Transcript
from tooling.demo.board import DemoStream
from tooling.demo.summary import summarize, summary_table, write_summary_json


def finished_state(
    stream_id: str, reference: str, hypothesis: str, latencies: list[float], source: str = "synthetic"
) -> DemoStream:
    state = DemoStream(stream_id, reference, audio_seconds=2.0, source=source)
    state.record_sent(2.0, wall_time=100.0)
    for index, latency in enumerate(latencies):
        result = Transcript(stream_id=stream_id, segment=index, start=0.0, end=2.0, text="...", model="m")
        state.apply(result, arrived_at=100.0 + latency)
    state.complete(hypothesis)
    return state


def test_summarize_aggregates_streams() -> None:
    states = [
        finished_state("a", "one two three", "one two three", [0.2, 0.4]),
        finished_state("b", "four five", "four six", [0.6]),
        DemoStream("c", "never answered", audio_seconds=2.0),
    ]
    summary = summarize(states, wall_seconds=3.0)
    assert (summary.streams, summary.completed_streams) == (3, 2)
    assert summary.audio_seconds == pytest.approx(6.0)
    assert summary.throughput == pytest.approx(2.0)
    assert summary.final_results == 3
    assert summary.latency_p50 == pytest.approx(0.4)
    # errors: b substitutes one word, c deletes two: 3 errors over 7 reference words
    assert summary.wer == pytest.approx(3 / 7)
    assert [r.completed for r in summary.per_stream] == [True, True, False]


def test_wer_is_also_given_per_source_of_speech() -> None:
    states = [
        finished_state("a", "one two three", "one two three", [0.2]),
        finished_state("b", "press one for sales", "press one for cells", [0.3], source="real 8 kHz"),
        finished_state("c", "goodbye", "good bye", [0.3], source="real 8 kHz"),
    ]
    summary = summarize(states, wall_seconds=3.0)
    assert summary.wer_by_source == {"real 8 kHz": pytest.approx(3 / 5), "synthetic": 0.0}
    assert summary.wer == pytest.approx(3 / 8)
    labels = [cell for cell in summary_table(summary).columns[0].cells]
    assert "WER real 8 kHz" in labels and "WER synthetic" in labels


def test_summary_json_is_valid_json_with_nulls_for_missing_numbers(tmp_path) -> None:
    summary = summarize([DemoStream("c", "", audio_seconds=1.0)], wall_seconds=1.0)
    path = tmp_path / "out" / "summary.json"
    write_summary_json(summary, path)
    data = json.loads(path.read_text())
    assert data["streams"] == 1
    assert data["latency_p50"] is None and data["wer"] is None
    assert data["per_stream"][0]["stream_id"] == "c"


def test_summary_table_has_a_row_per_figure() -> None:
    summary = summarize([finished_state("a", "x", "x", [0.1])], wall_seconds=1.0)
    assert summary_table(summary).row_count == 9

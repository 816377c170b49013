"""Word latency, stability counts and the continuous speech of `bench latency` (pure parts)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from streamscribe.contracts import Transcript, Word
from tooling.bench.latency import (
    Outcome,
    continuous_speech,
    cpu_ratios,
    final_words,
    outcome_figures,
    sender_lags,
    service_figures,
    trimmed,
)
from tooling.bench.word_latency import Arrival, stability, summarize_latencies, word_latencies
from tooling.demo.samples import SpeechSample


def word(text: str, start: float, end: float, stable: bool | None = None) -> Word:
    return Word(word=text, start=start, end=end, confidence=0.9, stable=stable)


def result(segment: int, words: list[Word], final: bool) -> Transcript:
    return Transcript(stream_id="s", segment=segment, start=0.0, end=9.0, text=" ".join(w.word for w in words),
                      final=final, words=words, model="m")


REFERENCE = [word("then", 0.1, 0.4), word("we", 0.45, 0.6), word("wait", 0.7, 1.1)]


def test_a_word_appears_with_the_first_result_showing_it_at_its_time() -> None:
    arrivals = [
        Arrival(result(0, [word("then", 0.12, 0.38), word("wa", 0.5, 0.62)], final=False), 100.6),
        Arrival(result(0, [word("we", 0.46, 0.6), word("wait", 0.72, 1.08)], final=False), 101.5),
        Arrival(result(0, [word("then", 0.1, 0.4), word("we", 0.45, 0.6), word("wait", 0.7, 1.1)], final=True),
                103.0),
    ]
    exact = word_latencies(REFERENCE, arrivals, spoken_at_zero=100.0)
    assert [round(v, 3) for v in exact] == [0.2, 0.9, 0.4]  # "we" was misspelt in the first preview
    shown_at_all = word_latencies(REFERENCE, arrivals, spoken_at_zero=100.0, exact=False)
    # "wa" (0.5-0.62 s) also overlaps "wait" within the slack: shown before its end was spoken
    assert [round(v, 3) for v in shown_at_all] == [0.2, 0.0, -0.5]


def test_a_word_no_result_shows_is_missed_not_timed() -> None:
    arrivals = [Arrival(result(0, [word("then", 0.1, 0.4)], final=True), 101.0)]
    latencies = word_latencies(REFERENCE, arrivals, spoken_at_zero=100.0)
    assert latencies[1:] == [None, None]
    summary = summarize_latencies(latencies)
    assert (summary["words"], summary["missed"], summary["p50_ms"], summary["max_ms"]) == (3, 2, 600, 600)


def test_stability_counts_stable_words_the_final_changed() -> None:
    arrivals = [
        Arrival(result(0, [word("then", 0.1, 0.4, True), word("way", 0.45, 0.6, True),
                           word("wa", 0.7, 0.9, False)], final=False), 1.0),
        Arrival(result(0, REFERENCE, final=True), 2.0),
    ]
    counts = stability(arrivals, final_words(arrivals))
    assert (counts.stable, counts.stable_kept, counts.unstable, counts.unstable_kept) == (2, 1, 1, 0)


def test_final_words_take_each_segment_once_in_order() -> None:
    second = result(1, [word("for", 1.2, 1.4)], final=True)
    arrivals = [Arrival(second, 1.0), Arrival(result(0, REFERENCE, final=True), 2.0), Arrival(second, 3.0)]
    assert [w.word for w in final_words(arrivals)] == ["then", "we", "wait", "for"]


def test_continuous_speech_joins_trimmed_sentences_with_short_gaps() -> None:
    rate, tone = 16_000, (8000 * np.sin(np.arange(8000) / 5)).astype("<i2")
    quiet = np.zeros(4000, dtype="<i2")
    pcm = np.concatenate([quiet, tone, quiet])
    assert abs(len(trimmed(pcm)) - (8000 + 2 * 640)) <= 320
    samples = [SpeechSample(Path(f"s{i}"), f"sentence {i}", pcm.tobytes(), rate) for i in range(4)]
    speech = continuous_speech(samples, variants=2, seconds=1.5, gap_ms=50)
    assert [s.sentence for s in speech] == ["sentence 0 sentence 1 sentence 2", "sentence 2 sentence 3 sentence 0"]
    assert all(abs(s.seconds - (3 * len(trimmed(pcm)) + 2 * 800) / rate) < 1e-9 for s in speech)


def test_cpu_ratio_pairs_live_and_finals_rows_of_one_stream_count() -> None:
    rows = [{"mode": "live", "streams": 10, "recognizer_ms_per_audio_s": 30.0},
            {"mode": "finals", "streams": 10, "recognizer_ms_per_audio_s": 12.0},
            {"mode": "live", "streams": 100, "recognizer_ms_per_audio_s": 20.0}]
    assert cpu_ratios(rows) == {"10 streams": 2.5}


def test_sender_lag_is_how_late_each_chunk_left_against_real_time() -> None:
    # chunks of 0.1 s: on time, on time, 0.25 s late, early again (a burst that catches up)
    assert sender_lags([0.1, 0.2, 0.3, 0.4], [5.0, 5.1, 5.45, 5.29]) == pytest.approx([0.0, 0.0, 0.25, 0.0])
    assert sender_lags([], []) == []


def test_service_figures_come_from_the_change_of_its_counters() -> None:
    totals = {"previews_recognised": 30.0, "previews_skipped": 5.0, "previews_superseded": 2.0,
              "transactions": 4.0, "transaction_messages": 50.0, "model_seconds": 4.0, "decode_seconds": 1.0,
              "batches": 8.0, "batched_segments": 40.0, "results": 40.0, "result_seconds": 12.0,
              "emitted": 4.0, "emit_seconds": 0.2, "staged": 40.0, "stream_app_seconds": 2.0, "queue_seconds": 4.0,
              "recognize_seconds": 6.0}
    assert service_figures(totals, wall=10.0) == {
        "previews_recognised": 30, "previews_skipped": 5, "previews_superseded": 2, "mean_transaction_messages": 12.5,
        "forward_busy": 0.4, "decode_busy": 0.1, "mean_batch": 5.0, "chunk_to_final_segment_mean_ms": 50,
        "chunk_to_result_mean_ms": 300, "stream_app_mean_ms": 50, "queue_mean_ms": 100, "recognize_mean_ms": 150}
    assert service_figures(dict.fromkeys(totals, 0.0), wall=10.0)["mean_batch"] is None


def test_wer_is_scored_on_spoken_words_when_results_are_formatted() -> None:
    spoken = [word("twenty", 0.1, 0.4), word("five", 0.45, 0.6), word("dollars", 0.7, 1.1)]
    reference = result(0, spoken, final=True).model_copy(update={"text": "$25."})
    outcome = Outcome(reference, "twenty five dollars", [Arrival(reference, 101.0)], 100.0)
    figures = outcome_figures([outcome])
    assert figures["wer_pct"] == figures["offline_wer_pct"] == figures["differs_from_offline_pct"] == 0.0

"""`bench latency`'s replay: the stream app's segmenter and the engine without Kafka."""

from __future__ import annotations

from pathlib import Path

from recognizer.engine import GreedyDecoder, RecognitionEngine
from streamscribe.pcm import float_to_pcm_s16le
from tests.recognizer.conftest import noise_like_speech
from tooling.bench.latency import final_words
from tooling.bench.replay import replay_all
from tooling.demo.samples import SpeechSample


def test_replay_recognises_what_the_segmenter_cuts_and_previews_cost_more(tiny_model) -> None:
    pcm = float_to_pcm_s16le(noise_like_speech(12.0, seed=3))  # no pauses: only time cuts
    speech = [SpeechSample(Path("noise"), "", pcm, 16_000)]
    engine = RecognitionEngine(tiny_model, GreedyDecoder(tiny_model.vocabulary))
    [finals] = replay_all(engine, speech, {"interim_interval_ms": 0}, chunk_ms=100)
    [live] = replay_all(engine, speech, {}, chunk_ms=100)
    assert all(a.transcript.final for a in finals.arrivals) and len(finals.arrivals) >= 3
    assert 1.0 < finals.recognised_seconds / 12.0 < 1.5  # the overlap at each time cut
    assert [a.arrived_at for a in live.arrivals] == sorted(a.arrived_at for a in live.arrivals)
    assert sum(not a.transcript.final for a in live.arrivals) >= 25  # one preview per 400 ms
    assert live.recognised_seconds > 2 * finals.recognised_seconds
    # previews change nothing final
    assert final_words(live.arrivals) == final_words(finals.arrivals)

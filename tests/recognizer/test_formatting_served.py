"""The served default formats finals with the real model and NeMo's grammars, in the decoding processes
and without them, and changes no spoken word (so WER scored on `words` is what it was)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from prometheus_client import CollectorRegistry

from recognizer.engine import RecognitionEngine
from recognizer.metrics import RecognizerMetrics
from recognizer.settings import SHIPPED_MODEL, SHIPPED_MODELS, RecognizerSettings
from streamscribe.contracts import EmitReason, Segment, SegmentHeaders
from streamscribe.contracts.recognition import RecognitionOptions

pytestmark = [pytest.mark.model, pytest.mark.slow]


def sample_segments() -> list[Segment]:
    import soundfile

    paths = sorted(SHIPPED_MODELS.glob("samples/*.flac"))[:6]
    return [Segment(f"s{i}", SegmentHeaders(0, 0, EmitReason.EOS, eos=True),
                    soundfile.read(path, dtype="int16")[0].tobytes()) for i, path in enumerate(paths)]


@pytest.mark.parametrize("processes", [2, 0])
def test_finals_formatted_words_unchanged(processes: int) -> None:
    registry = CollectorRegistry()
    settings = RecognizerSettings(model=str(SHIPPED_MODEL), decoder="beam", decode_processes=processes)
    assert settings.formatting == "full" and settings.redact == "none"
    engine = RecognitionEngine.from_settings(settings, RecognizerMetrics(registry))
    raw = RecognitionEngine(engine.model, engine.decoder)
    try:
        segments = sample_segments()
        formatted, plain = engine.recognize(segments), raw.recognize(segments)
    finally:
        engine.close()
    assert [t.words for t in formatted] == [t.words for t in plain]
    for result in formatted:
        assert result.text[0].isupper() and result.text.endswith((".", "?"))
        assert result.written and result.written[0].first_word == 0
        assert result.written[-1].last_word == len(result.words) - 1
    assert registry.get_sample_value("streamscribe_recognizer_formatting_seconds_count") == len(segments)
    assert not registry.get_sample_value("streamscribe_recognizer_formatting_failures_total")


def test_raw_setting_formats_nothing_unless_a_stream_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMSCRIBE_RECOGNIZER_FORMATTING", "raw")
    engine = RecognitionEngine.from_settings(RecognizerSettings(model=str(SHIPPED_MODEL), decoder="greedy"))
    (result,) = engine.recognize(sample_segments()[:1])
    assert result.written is None and result.text == " ".join(w.word for w in result.words)
    segment = sample_segments()[0]
    asked = replace(segment, headers=replace(segment.headers, recognition=RecognitionOptions.parse(
        {"formatting": "punctuated"})))
    (punctuated,) = engine.recognize([asked])
    assert punctuated.written and punctuated.text.endswith((".", "?"))
    assert [t.text.lower().rstrip(",.?") for t in punctuated.written] == result.text.split()

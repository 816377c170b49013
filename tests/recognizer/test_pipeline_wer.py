"""Accuracy of the whole pipeline against offline recognition of the same held-out files.

producer SDK → `streamscribe stream-app` (real subprocess) → recognizers (greedy and beam+LM,
two consumer groups on the same segments) → transcript SDK. The WER of what comes out must be
within 1.0 absolute point of recognising each whole file offline with the same model and
decoder: NeMo's own `transcribe()` for greedy, the same beam decoder on whole-file
log-probabilities for the LM. Cutting streams into segments is the only difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile

from recognizer.engine import GreedyDecoder, RecognitionEngine, build_decoder
from recognizer.settings import SHIPPED_MODEL, SHIPPED_MODELS, RecognizerSettings
from recognizer.worker import RecognizerWorker, WorkerThread
from streamscribe.contracts import EmitReason, Segment, SegmentHeaders
from streamscribe.wer import word_error_rate
from tests.recognizer.stack import serve_streams

pytestmark = [pytest.mark.broker, pytest.mark.slow]

SAMPLES = SHIPPED_MODELS / "samples"
MAX_WER_GAP = 0.01


@dataclass(frozen=True)
class HeldOut:
    """Held-out speech files and what is said in them (normalised like the training text)."""

    paths: list[Path]
    references: list[str]

    def pcm(self) -> list[bytes]:
        """Each file's 16-bit samples exactly as stored (what a producer sends)."""
        return [soundfile.read(path, dtype="int16")[0].tobytes() for path in self.paths]

    def audio(self) -> list[np.ndarray]:
        """The same samples as floats, the way NeMo reads audio files."""
        return [soundfile.read(path, dtype="float32")[0] for path in self.paths]


def read_held_out(folder: Path) -> HeldOut:
    """The shipped samples (`samples.tsv`: file, normalised sentence) and their files."""
    from training.samples import SAMPLES_TSV, read_samples

    if not (folder / SAMPLES_TSV).is_file():
        pytest.fail(f"no held-out samples at {folder}: the training pipeline ships them with the model")
    samples = read_samples(folder)
    return HeldOut([folder / sample.path for sample in samples], [sample.sentence for sample in samples])


def offline_texts(engine: RecognitionEngine, held_out: HeldOut, greedy: bool) -> list[str]:
    """Whole-file recognition: NeMo's transcribe() (greedy), else the engine on whole files."""
    if greedy:
        return [h.text for h in engine.model.module.transcribe(held_out.audio(), batch_size=8, verbose=False)]
    whole = [Segment(f"f{i}", SegmentHeaders(0, 0, EmitReason.EOS, eos=True), pcm)
             for i, pcm in enumerate(held_out.pcm())]
    return [t.text for t in engine.recognize(whole)]


@pytest.fixture(scope="module")
def shipped_model():
    from recognizer.model import AcousticModel

    return AcousticModel.load(SHIPPED_MODEL, device="cpu")


def test_pipeline_wer_is_within_a_point_of_offline_recognition(
    shipped_model, kafka_bootstrap, kafka_settings, topic_settings, unique_suffix, tmp_path
) -> None:
    from infra.topics import ensure_topics

    held_out = read_held_out(SAMPLES)
    settings = RecognizerSettings(model=str(SHIPPED_MODEL), decoder="beam", kafka=kafka_settings)
    engines = {
        "greedy": RecognitionEngine(shipped_model, GreedyDecoder(shipped_model.vocabulary)),
        "beam_lm": RecognitionEngine(shipped_model, build_decoder(settings, shipped_model.vocabulary)),
    }
    topics = {
        name: topic_settings.model_copy(update={"transcripts": f"{topic_settings.transcripts}.{name}"})
        for name in engines
    }
    for per_decoder in topics.values():
        ensure_topics(kafka_settings, per_decoder)
    workers = [
        WorkerThread(RecognizerWorker(
            settings.model_copy(update={"topics": topics[name], "group_id": f"wer-{name}-{unique_suffix}",
                                        "max_batch": 8}),
            engine,
        ))
        for name, engine in engines.items()
    ]
    streams = {f"held-out-{i}": pcm for i, pcm in enumerate(held_out.pcm())}
    stream_ids, read = serve_streams(kafka_bootstrap, kafka_settings, topic_settings, workers, topics, streams,
                                     f"wer-app-{unique_suffix}", tmp_path)
    pipeline = {name: [finished[s].text for s in stream_ids] for name, finished in read.items()}

    report = {}
    for name, engine in engines.items():
        offline = word_error_rate(held_out.references, offline_texts(engine, held_out, greedy=name == "greedy"))
        streamed = word_error_rate(held_out.references, pipeline[name])
        report[name] = (streamed, offline)
        print(f"{name}: pipeline WER {streamed:.2%}, offline WER {offline:.2%} ({len(held_out.paths)} files)")
    for name, (streamed, offline) in report.items():
        assert abs(streamed - offline) <= MAX_WER_GAP, f"{name}: pipeline {streamed:.2%} vs offline {offline:.2%}"

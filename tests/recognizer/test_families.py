"""Every CTC-capable NeMo family served end to end, equal to the model's own offline CTC transcription.

A tiny random-weight model of each family (recognizer/architectures.py; BPE families with a
sentencepiece tokenizer trained here on a few sentences) is saved as `.nemo`, loaded the way
the recognizer loads any model, and put behind one shared stack: producer SDK → one real
`streamscribe stream-app` subprocess → one recognizer worker per family (each its own group
on the same segments, its own transcripts topic) → transcript SDK. Every segment's transcript
must equal NeMo's own `transcribe()` of that segment's audio (a hybrid RNNT+CTC model switched
to its CTC decoder), except the segments the silence gate keeps from the model, which are empty.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile

from recognizer.architectures import FAMILIES, TINY, build_model
from recognizer.batching import loudest_frame_dbfs
from recognizer.engine import GreedyDecoder, RecognitionEngine
from recognizer.model import AcousticModel
from recognizer.settings import SHIPPED_MODELS, RecognizerSettings
from recognizer.worker import RecognizerWorker, WorkerThread
from streamscribe.contracts import Segment, SegmentHeaders
from streamscribe.pcm import pcm_s16le_to_float
from tests.infra.kafka_reading import read_messages
from tests.recognizer.stack import serve_streams

pytestmark = [pytest.mark.broker, pytest.mark.model, pytest.mark.slow]

TOKENIZER_TEXT = (
    "the quick brown fox jumps over the lazy dog", "please call me back when you get this message",
    "it is going to rain later this afternoon", "we met them at noon on monday",
)
SPEECH_FILES = ("sample_00.flac", "sample_01.flac", "sample_02.flac")


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 48-piece sentencepiece BPE tokenizer trained on the spot, in the folder layout NeMo reads."""
    import sentencepiece

    folder = tmp_path_factory.mktemp("tokenizer")
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(TOKENIZER_TEXT * 4), model_writer=model, vocab_size=48, model_type="bpe",
        character_coverage=1.0, bos_id=-1, eos_id=-1, minloglevel=2,
    )
    (folder / "tokenizer.model").write_bytes(model.getvalue())
    processor = sentencepiece.SentencePieceProcessor(model_proto=model.getvalue())
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    (folder / "vocab.txt").write_text("\n".join(pieces) + "\n", encoding="utf-8")  # NeMo packs it into the .nemo
    return folder


@pytest.fixture(scope="module")
def family_models(tokenizer_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, AcousticModel]:
    """Each family built tiny, saved as `.nemo`, and loaded back as the recognizer loads a model."""
    folder = tmp_path_factory.mktemp("families")
    loaded = {}
    for family in FAMILIES:
        path = folder / f"tiny-{family}.nemo"
        build_model(TINY[family], None if family == "quartznet" else tokenizer_dir, seed=7).save_to(str(path))
        loaded[family] = AcousticModel.load(path, device="cpu")
    return loaded


def offline_ctc_texts(model: AcousticModel, segments: list[Segment]) -> list[str]:
    """NeMo's own transcription of each segment's audio with the CTC decoder (empty when gated)."""
    module = model.module
    if hasattr(module, "ctc_decoder"):
        module.change_decoding_strategy(decoder_type="ctc", verbose=False)
    audio = [pcm_s16le_to_float(segment.pcm) for segment in segments]
    hypotheses = module.transcribe(audio, batch_size=4, verbose=False)
    return [" ".join(h.text.split()) if len(a) and loudest_frame_dbfs(a) > -50.0 else ""
            for a, h in zip(audio, hypotheses, strict=True)]


def test_models_load_as_their_family(family_models: dict[str, AcousticModel]) -> None:
    for family, model in family_models.items():
        assert model.vocabulary.subword == (family != "quartznet"), family
        assert ("Hybrid" in type(model.module).__name__) == (family == "fastconformer_hybrid"), family


def test_every_family_serves_through_the_pipeline_as_it_transcribes_offline(
    family_models, kafka_bootstrap, kafka_settings, topic_settings, unique_suffix, tmp_path
) -> None:
    from infra.topics import ensure_topics

    speech = [soundfile.read(SHIPPED_MODELS / "samples" / name, dtype="int16")[0] for name in SPEECH_FILES]
    streams = {"family-a": np.concatenate(speech[:2]).tobytes(), "family-b": speech[2].tobytes()}
    topics = {family: topic_settings.model_copy(update={"transcripts": f"{topic_settings.transcripts}.{family}"})
              for family in family_models}
    workers = []
    for family, model in family_models.items():
        ensure_topics(kafka_settings, topics[family])
        settings = RecognizerSettings(kafka=kafka_settings, topics=topics[family],
                                      group_id=f"families-{family}-{unique_suffix}", max_batch=4, torch_threads=1)
        engine = RecognitionEngine(model, GreedyDecoder(model.vocabulary))
        workers.append(WorkerThread(RecognizerWorker(settings, engine)))
    stream_ids, read = serve_streams(kafka_bootstrap, kafka_settings, topic_settings, workers, topics, streams,
                                     f"families-{unique_suffix}", tmp_path)
    served = {family: {(s, i): t.text for s in stream_ids for i, t in finished[s].finals.items()}
              for family, finished in read.items()}

    keys = sorted(next(iter(served.values())))
    messages = read_messages(kafka_bootstrap, topic_settings.segments, len(keys))
    segments = {}
    for message in messages:
        headers = SegmentHeaders.from_kafka(message.headers())
        if headers.final:
            stream_id = message.key().decode()
            segments[(stream_id, headers.index)] = Segment(stream_id, headers, message.value())
    assert sorted(segments) == keys
    for family, model in family_models.items():
        offline = dict(zip(keys, offline_ctc_texts(model, [segments[k] for k in keys]), strict=True))
        assert any(offline.values()), f"{family}: the random model said nothing at all"
        assert served[family] == offline, family

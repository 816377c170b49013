"""The NeMo model wrapper and the recognition engine, against NeMo's own offline transcribe().

These hold for any CTC model, so they use the small random-weight model of conftest.py.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from recognizer.batching import pad_batch, pad_to_min_length
from streamscribe.pcm import pcm_s16le_to_float
from recognizer.decoding import greedy_decode
from recognizer.engine import GreedyDecoder, RecognitionEngine
from streamscribe.contracts import EmitReason
from tests.recognizer.conftest import make_segments, noise_like_speech

DURATIONS = [0.45, 0.93, 1.0, 2.3, 4.1, 7.7, 3.3]


@pytest.fixture(scope="module")
def waveforms() -> list[np.ndarray]:
    return [noise_like_speech(seconds, seed) for seed, seconds in enumerate(DURATIONS)]


def test_padded_batch_gives_each_utterance_what_it_gets_alone(tiny_model, waveforms) -> None:
    prepared = [pad_to_min_length(w, 16_000).samples for w in waveforms]
    batch = pad_batch(prepared)
    batched = dict(zip(batch.order, tiny_model.log_probs(batch), strict=True))
    for index, samples in enumerate(prepared):
        alone = tiny_model.log_probs(pad_batch([samples]))[0]
        assert batched[index].shape == alone.shape
        np.testing.assert_allclose(batched[index], alone, atol=1e-4)
        vocabulary = tiny_model.vocabulary
        assert greedy_decode(batched[index], vocabulary).text == greedy_decode(alone, vocabulary).text


def test_inference_is_deterministic_because_dither_is_off(tiny_model, waveforms) -> None:
    batch = pad_batch(waveforms[:3])
    first, second = tiny_model.log_probs(batch), tiny_model.log_probs(batch)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_output_frames_follow_the_frame_duration(tiny_model, waveforms) -> None:
    batch = pad_batch(waveforms)
    for row, log_probs in enumerate(tiny_model.log_probs(batch)):
        seconds = batch.lengths[row] / tiny_model.sample_rate
        assert abs(len(log_probs) * tiny_model.frame_seconds - seconds) <= 2 * tiny_model.frame_seconds
        assert log_probs.shape[1] == tiny_model.vocabulary.blank_id + 1


@pytest.fixture(params=["tiny-random", "shipped"])
def any_model(request, tiny_model):
    """The random model and the trained one shipped in recognizer/models/."""
    if request.param == "tiny-random":
        return tiny_model
    from recognizer.model import AcousticModel
    from recognizer.settings import SHIPPED_MODEL

    return AcousticModel.load(SHIPPED_MODEL, device="cpu")


def test_pipeline_greedy_equals_offline_transcribe_word_for_word(any_model, spoken_segments) -> None:
    segments = make_segments("eq", DURATIONS, seed=5) + spoken_segments
    engine = RecognitionEngine(any_model, GreedyDecoder(any_model.vocabulary), max_batch=4)
    pipeline = engine.recognize(segments)
    offline = any_model.module.transcribe(
        [pcm_s16le_to_float(s.pcm) for s in segments], batch_size=3, verbose=False
    )
    assert sum(len(t.words) for t in pipeline) >= len(segments)  # the models do say things
    for transcript, hypothesis in zip(pipeline, offline, strict=True):
        assert transcript.text.split() == hypothesis.text.split()
    # transcribe() leaves NeMo's encoder in training mode; the pipeline must not be affected
    assert engine.recognize(segments) == pipeline


def test_results_do_not_depend_on_batch_composition(tiny_model) -> None:
    segments = make_segments("mix", DURATIONS, seed=9)
    decoder = GreedyDecoder(tiny_model.vocabulary)
    one_by_one = RecognitionEngine(tiny_model, decoder, max_batch=1).recognize(segments)
    all_at_once = RecognitionEngine(tiny_model, decoder, max_batch=16, max_padding=100.0).recognize(segments)
    assert [t.words for t in one_by_one] == [t.words for t in all_at_once]


def test_transcripts_carry_stream_times_and_segment_identity(tiny_model) -> None:
    segments = make_segments("times", [2.0, 0.5, 3.0], seed=2)
    transcripts = RecognitionEngine(tiny_model, GreedyDecoder(tiny_model.vocabulary)).recognize(segments)
    for segment, transcript in zip(segments, transcripts, strict=True):
        assert (transcript.stream_id, transcript.segment) == ("times", segment.headers.index)
        expected = (segment.start_seconds, segment.end_seconds)
        assert (transcript.start, transcript.end) == pytest.approx(expected, abs=1e-3)
        assert transcript.eos == segment.headers.eos and transcript.final
        assert transcript.model == "tiny-random"
        for word in transcript.words:
            assert transcript.start <= word.start <= word.end <= transcript.end
            assert 0.0 < word.confidence <= 1.0
        assert [w.start for w in transcript.words] == sorted(w.start for w in transcript.words)


def test_empty_segment_gets_an_empty_transcript(tiny_model) -> None:
    [segment] = make_segments("empty", [0.0])
    [transcript] = RecognitionEngine(tiny_model, GreedyDecoder(tiny_model.vocabulary)).recognize([segment])
    assert transcript.text == "" and transcript.words == [] and transcript.eos


def test_silent_segment_skips_the_model_and_gets_an_empty_transcript(tiny_model) -> None:
    """Digital silence (±1 LSB) padded to 1 s makes the random model spell letters; the gate stops it."""
    rng = np.random.default_rng(0)
    hiss = (rng.integers(-1, 2, size=800)).astype("<i2").tobytes()  # 50 ms at about -96 dBFS
    [segment] = make_segments("tail", [0.05])
    tail = type(segment)("tail", segment.headers, hiss)
    gated = RecognitionEngine(tiny_model, GreedyDecoder(tiny_model.vocabulary)).recognize([tail])
    ungated = RecognitionEngine(tiny_model, GreedyDecoder(tiny_model.vocabulary), silence_dbfs=None).recognize([tail])
    assert ungated[0].text != ""
    assert gated[0].text == "" and gated[0].words == [] and gated[0].eos


@pytest.fixture(scope="module")
def shipped_speech():
    """The shipped model and two shipped sample sentences as one 16 kHz segment."""
    import soundfile

    from recognizer.model import AcousticModel
    from recognizer.settings import SHIPPED_MODEL, SHIPPED_MODELS
    from streamscribe.contracts import Segment, SegmentHeaders

    audio = np.concatenate([soundfile.read(SHIPPED_MODELS / "samples" / f"sample_0{i}.flac", dtype="int16")[0]
                            for i in (1, 2)])
    segment = Segment("ctx", SegmentHeaders(0, 16_000, EmitReason.TIME), audio.astype("<i2").tobytes())
    return AcousticModel.load(SHIPPED_MODEL, device="cpu"), segment


@pytest.mark.model  # loads the shipped model (36 s of make check otherwise)
def test_words_centred_in_a_segments_context_are_left_to_its_neighbours(shipped_speech) -> None:
    model, whole = shipped_speech
    engine = RecognitionEngine(model, GreedyDecoder(model.vocabulary))
    [heard] = engine.recognize([whole])
    assert len(heard.words) >= 6
    lead, tail = 16_000, 8_000  # the first second and the last half second are context
    headers = replace(whole.headers, lead_samples=lead, tail_samples=tail)
    [owned] = engine.recognize([type(whole)("ctx", headers, whole.pcm)])
    start, end = whole.start_seconds + 1.0, whole.end_seconds - 0.5
    assert (owned.start, owned.end) == pytest.approx((start, end), abs=1e-3)
    assert 0 < len(owned.words) < len(heard.words)
    assert owned.words == [w for w in heard.words if start <= (w.start + w.end) / 2 < end]
    assert owned.text == " ".join(w.word for w in owned.words)
    preview = replace(headers, final=False, reason=EmitReason.INTERIM)
    [shown] = engine.recognize([type(whole)("ctx", preview, whole.pcm)])
    assert [w.word for w in shown.words] == [w.word for w in owned.words]
    assert [w.stable for w in shown.words] == [round(whole.end_seconds, 3) - w.end >= 0.6 for w in owned.words]
    assert {True, False} == {w.stable for w in shown.words}


@pytest.mark.model
def test_fast_convolutions_give_the_eager_output() -> None:
    """The channels-last depthwise and matmul pointwise paths compute what plain Conv1d computes, on a
    trained model (the shipped QuartzNet-type) and a Conformer (depthwise kernel, pointwise GLU convs)."""
    import soundfile

    from recognizer.architectures import TINY, build_model
    from recognizer.fast_convolutions import ChannelsLastDepthwise, MatmulPointwise
    from recognizer.model import AcousticModel
    from recognizer.settings import SHIPPED_MODEL, SHIPPED_MODELS

    speech = [soundfile.read(SHIPPED_MODELS / "samples" / f"sample_0{i}.flac", dtype="float32")[0] for i in (1, 2, 3)]
    models = [AcousticModel.load(SHIPPED_MODEL, device="cpu"),
              AcousticModel(build_model(TINY["conformer_ctc"], seed=3), "conformer", "cpu")]
    for model in models:
        engine = RecognitionEngine(model, GreedyDecoder(model.vocabulary), max_batch=3, silence_dbfs=None)
        eager = engine.forward(speech)
        model.use_fast_convolutions()
        layers = list(model.module.encoder.modules())
        for path in (ChannelsLastDepthwise, MatmulPointwise):
            assert any(isinstance(layer, path) for layer in layers), (model.name, path)
        fast = engine.forward(speech)
        for plain, switched in zip(eager, fast, strict=True):
            np.testing.assert_allclose(switched.log_probs, plain.log_probs, rtol=0, atol=1e-4)
            text = greedy_decode(plain.log_probs, model.vocabulary).text
            assert greedy_decode(switched.log_probs, model.vocabulary).text == text
            assert text or model.name == "conformer"  # the trained model hears words


@pytest.mark.slow
def test_a_compiled_encoder_gives_the_eager_text(tiny_model, tiny_model_path) -> None:
    from recognizer.model import AcousticModel

    compiled = AcousticModel.load(tiny_model_path, device="cpu")
    compiled.compile_encoder()
    segments = make_segments("compiled", DURATIONS, seed=11)
    eager = RecognitionEngine(tiny_model, GreedyDecoder(tiny_model.vocabulary), max_batch=4).recognize(segments)
    fast = RecognitionEngine(compiled, GreedyDecoder(compiled.vocabulary), max_batch=4).recognize(segments)
    assert any(t.text for t in eager)
    assert [t.text for t in fast] == [t.text for t in eager]

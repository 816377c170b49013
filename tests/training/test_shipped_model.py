"""The shipped model and n-gram against the shipped held-out samples, within the model card's bounds."""

import json

import pytest
import soundfile

from recognizer.decoding import BeamDecoder, BeamSearchOptions, LanguageModelFiles
from streamscribe.paths import REPO_ROOT
from training.evaluate import score_manifest, served_engine
from training.samples import DEMO_TSV, REAL_DIR, REAL_SOURCE, SAMPLES_TSV, SYNTHETIC_SOURCE, read_samples, wer_bounds

MODELS = REPO_ROOT / "recognizer" / "models"
MODEL = MODELS / "streamscribe-small.nemo"
DECODER_JSON = MODELS / "streamscribe-small.decoder.json"
SAMPLES = MODELS / "samples"
def test_samples_are_short_16k_mono_flac_with_references() -> None:
    samples = read_samples(SAMPLES)
    assert len(samples) >= 30
    for sample in samples:
        info = soundfile.info(str(SAMPLES / sample.path))
        assert (info.format, info.samplerate, info.channels) == ("FLAC", 16000, 1)
        assert 0.5 < info.duration < 8
        assert sample.sentence and sample.sentence == sample.sentence.lower()


def test_real_samples_are_8k_telephone_prompts_with_references() -> None:
    samples = read_samples(SAMPLES / REAL_DIR)
    assert len(samples) >= 20
    for sample in samples:
        info = soundfile.info(str(SAMPLES / REAL_DIR / sample.path))
        assert (info.format, info.samplerate, info.channels) == ("FLAC", 8000, 1)
        assert 0.8 <= info.duration <= 6
        assert sample.source == REAL_SOURCE and sample.sentence == sample.sentence.lower()


def test_the_demo_mix_interleaves_synthetic_and_real_speech() -> None:
    mix = read_samples(SAMPLES, DEMO_TSV)
    assert {sample.path for sample in mix} == {s.path for s in read_samples(SAMPLES)} | {
        f"{REAL_DIR}/{s.path}" for s in read_samples(SAMPLES / REAL_DIR)}
    real = len(read_samples(SAMPLES / REAL_DIR))
    assert [sample.source for sample in mix[: 2 * real]] == [SYNTHETIC_SOURCE, REAL_SOURCE] * real


def test_shipped_files_stay_small() -> None:
    shipped = [path for path in MODELS.rglob("*") if path.is_file()]
    assert sum(path.stat().st_size for path in shipped) < 20 * 2**20
    assert sum(path.stat().st_size for path in SAMPLES.rglob("*") if path.is_file()) < 8 * 2**20


@pytest.mark.slow
@pytest.mark.parametrize("folder", ["samples/", "samples/real_8k/"])
def test_wer_on_held_out_samples_is_within_the_model_card_bound(folder: str) -> None:
    greedy_bound, lm_bound = wer_bounds(MODELS, folder)
    parameters = json.loads(DECODER_JSON.read_text())
    engine = served_engine(MODEL, batch_size=16)
    beam = BeamDecoder(
        engine.model.vocabulary,
        BeamSearchOptions(parameters["beam_width"], parameters["alpha"], parameters["beta"]),
        LanguageModelFiles(MODELS / parameters["kenlm_model"], MODELS / parameters["unigrams"]),
    )
    score = score_manifest(engine, MODELS / folder / SAMPLES_TSV, beam)
    assert score.utterances == len(read_samples(MODELS / folder))
    assert score.greedy_wer <= greedy_bound
    assert score.lm_wer is not None and score.lm_wer <= lm_bound

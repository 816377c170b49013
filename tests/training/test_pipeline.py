"""The whole training path on a tiny generated corpus, with real espeak-ng, flite, festival, sox,
the real prompts, NeMo and KenLM: `train reproduce` (corpus TSV + MP3 -> WAV + manifests, real
prompts, augmented copies -> two short training stages -> .nemo -> n-gram tuned on dev ->
samples -> evaluation per test set), then the pieces it shipped, used one by one."""

import json
import math
from pathlib import Path

import pytest

from recognizer.decoding import BeamDecoder, BeamSearchOptions, LanguageModelFiles
from recognizer.model import AcousticModel
from tooling.cli import main
from training.commonvoice import read_split
from training.errors import TrainingError
from training.evaluate import load_utterances, served_engine
from training.fit import fit, initialise_from, load_config
from training.prepare import read_manifest
from training.reproduce import ReproduceReport, reproduce
from training.settings import FitSettings, LanguageModelSettings, ReproduceSettings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[ReproduceSettings, ReproduceReport]:
    """6 fortune sentences (+1 espeak-ng rendition each), 2 phrases, 1 real prompt per split; one
    epoch per training stage."""
    root = tmp_path_factory.mktemp("pipeline")
    settings = ReproduceSettings(
        work_dir=root / "work", ship_dir=root / "ship", max_sentences=6, phrases=2, max_prompts=1,
        espeak_renditions=1, max_epochs=1, refine_epochs=1, seed=3,
    )
    return settings, reproduce(settings)


def manifest(settings: ReproduceSettings, split: str) -> Path:
    return settings.work_dir / "prepared" / f"{split}.json"


def test_corpus_has_the_common_voice_layout(run: tuple[ReproduceSettings, ReproduceReport]) -> None:
    settings, report = run
    rows = read_split(settings.work_dir / "corpus", "train")
    assert report.clips == {"train": len(rows), "dev": 1, "test": 3} and len(rows) >= 6
    engines = {split: [row["client_id"].split("_")[0] for row in read_split(settings.work_dir / "corpus", split)]
               for split in ("test_espeak-ng", "test_flite", "test_festival")}
    assert engines["test_flite"] == ["flite"] and engines["test_festival"] == ["festival"]
    assert engines["test_espeak-ng"][0].startswith("en")
    assert {"client_id", "path", "sentence", "up_votes", "down_votes", "age", "gender", "accent"} <= set(rows[0])
    assert all((settings.work_dir / "corpus" / row["path"]).stat().st_size > 1000 for row in rows)


def test_manifests_hold_normalised_text(run: tuple[ReproduceSettings, ReproduceReport]) -> None:
    settings, _ = run
    entries = read_manifest(manifest(settings, "train"))
    assert len(entries) == len(read_split(settings.work_dir / "corpus", "train"))
    assert all(entry.text == entry.text.lower() and "." not in entry.text for entry in entries)
    assert all(len(read_manifest(manifest(settings, f"real_{split}"))) == 1 for split in ("train", "dev", "test"))
    augmented = read_manifest(manifest(settings, "augmented"))
    assert sum(not Path(e.audio_filepath).name.startswith("common_voice") for e in augmented) == 6  # real x6
    espeak = read_manifest(settings.work_dir / "prepared_espeak" / "train.json")
    assert espeak and [e.text for e in espeak] == [e.text for e in entries[: len(espeak)]]  # the fortunes come first
    assert all(row["client_id"].startswith("en") for row in read_split(settings.work_dir / "corpus_espeak", "train"))
    assert len(read_manifest(manifest(settings, "train_all"))) == len(entries) + 1 + len(augmented) + len(espeak)


def test_every_artefact_is_shipped_and_measured(run: tuple[ReproduceSettings, ReproduceReport]) -> None:
    settings, report = run
    ship = settings.ship_dir
    names = {path.name for path in ship.iterdir()}
    assert names == {
        "streamscribe-small.nemo", "streamscribe-small.fit.json", "streamscribe-small.arpa.bin",
        "streamscribe-small.unigrams.txt", "streamscribe-small.decoder.json",
        "streamscribe-small.metrics.json", "samples",
    }
    batches = math.ceil(len(read_manifest(manifest(settings, "train_all"))) / 16)
    assert (report.fit.epochs, report.fit.steps) == (2, 2 * batches)
    assert 500_000 < report.fit.parameters < 1_500_000
    decoder = json.loads((ship / "streamscribe-small.decoder.json").read_text())
    assert decoder["alpha"] in LanguageModelSettings().alphas and decoder["dev_wer_lm"] is not None
    metrics = json.loads((ship / "streamscribe-small.metrics.json").read_text())
    assert [Path(score["manifest"]).name for score in metrics["scores"]] == [
        "dev.json", "dev_all.json", "test.json", "test_espeak-ng.json", "test_flite.json", "test_festival.json",
        "real_dev.json", "real_test.json", "real_test_8k.json", "samples.tsv",
    ]
    assert (ship / "samples" / "sample_00.flac").is_file()


def test_the_model_loads_and_transcribes(run: tuple[ReproduceSettings, ReproduceReport]) -> None:
    settings, _ = run
    model = AcousticModel.load(settings.ship_dir / "streamscribe-small.nemo", device="cpu")
    assert model.vocabulary.tokens == (" ", *"abcdefghijklmnopqrstuvwxyz", "'")
    wavs = [entry.audio_filepath for entry in read_manifest(manifest(settings, "test"))]
    hypotheses = model.module.transcribe(wavs, batch_size=1, verbose=False)
    assert len(hypotheses) == len(wavs) == 3  # the test sentence, once per engine
    assert all(isinstance(getattr(h, "text", h), str) for h in hypotheses)


def test_the_ngram_decodes_the_model_output(run: tuple[ReproduceSettings, ReproduceReport]) -> None:
    settings, report = run
    engine = served_engine(settings.ship_dir / "streamscribe-small.nemo", batch_size=1)
    engine.decoder = BeamDecoder(engine.model.vocabulary, BeamSearchOptions(8, 0.5, 1.0),
                                 LanguageModelFiles(report.ngram.binary, report.ngram.unigrams))
    [decoded] = engine.transcribe(load_utterances(engine, read_manifest(manifest(settings, "dev"))))
    assert isinstance(decoded.text, str)


def test_fit_resumes_from_the_last_checkpoint(run: tuple[ReproduceSettings, ReproduceReport]) -> None:
    settings, _ = run
    resumed = fit(FitSettings(
        train_manifest=manifest(settings, "train_all"), dev_manifest=manifest(settings, "dev"),
        output=settings.work_dir / "resumed.nemo", work_dir=settings.work_dir / "run", max_epochs=2,
    ))
    batches = math.ceil(len(read_manifest(manifest(settings, "train_all"))) / 16)
    assert (resumed.epochs, resumed.steps) == (2, 2 * batches)  # epoch 1 came from the first stage's checkpoint


def test_initialising_copies_weights_and_refuses_other_labels(run: tuple[ReproduceSettings, ReproduceReport]) -> None:
    from nemo.collections.asr.models import EncDecCTCModel

    settings, _ = run
    shipped = settings.ship_dir / "streamscribe-small.nemo"
    fresh_settings = FitSettings(train_manifest=manifest(settings, "train"), dev_manifest=manifest(settings, "dev"))
    fresh = EncDecCTCModel(cfg=load_config(fresh_settings).model)
    initialise_from(fresh, shipped)
    source = AcousticModel.load(shipped, device="cpu").module.state_dict()
    assert all(value.equal(source[name]) for name, value in fresh.state_dict().items())
    spanish = EncDecCTCModel(cfg=load_config(fresh_settings.model_copy(update={"language": "es"})).model)
    with pytest.raises(TrainingError, match="other labels"):
        initialise_from(spanish, shipped)


def test_evaluate_command_reports_both_decodings(
    run: tuple[ReproduceSettings, ReproduceReport], capsys: pytest.CaptureFixture[str]
) -> None:
    settings, report = run
    assert main([
        "train", "evaluate", "--model", str(settings.ship_dir / "streamscribe-small.nemo"),
        "--manifests", str(manifest(settings, "dev")), "--kenlm-model", str(report.ngram.binary),
        "--unigrams", str(report.ngram.unigrams), "--beam-width", "8",
    ]) == 0
    assert "dev.json: 1 utterances" in capsys.readouterr().out

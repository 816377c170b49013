"""`train reproduce`: the whole pipeline that made the shipped model, in one command.

Every step keeps its own settings (and env vars); this only points them at one work folder
and one ship folder, then records every figure in `<ship_dir>/streamscribe-small.metrics.json`.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from training.augment_data import augment_manifests
from training.corpus import generate_corpus, test_split_of
from training.evaluate import ManifestScore, evaluate
from training.fit import FitResult, fit
from training.language_model import DecoderParameters, train_language_model
from training.ngram import NgramFiles
from training.prepare import prepare_corpus
from training.real_prompts import manifest_hours, prepare_real_prompts
from training.samples import SAMPLES_TSV, export_samples
from training.settings import (
    AugmentSettings,
    CorpusSettings,
    EvaluateSettings,
    FitSettings,
    LanguageModelSettings,
    PrepareSettings,
    RealPromptsSettings,
    ReproduceSettings,
    SamplesSettings,
)

log = logging.getLogger(__name__)

MODEL_NAME = "streamscribe-small"


@dataclass(frozen=True)
class ReproduceReport:
    """Every figure of a reproduction run."""

    clips: dict[str, int]
    hours: dict[str, float]
    vocabulary: int
    fit: FitResult
    ngram: NgramFiles
    decoder: DecoderParameters
    scores: list[ManifestScore]
    seconds: float

    def summary(self) -> str:
        lines = [
            f"clips {self.clips}, hours {self.hours}, vocabulary {self.vocabulary} words",
            f"model {self.fit.model_path}: {self.fit.parameters} parameters, "
            f"{self.fit.epochs} epochs in {self.fit.seconds:.0f} s",
            f"n-gram {self.ngram.binary} built in {self.ngram.seconds:.1f} s, "
            f"alpha {self.decoder.alpha} beta {self.decoder.beta}",
        ]
        lines += [
            f"{Path(s.manifest).name}: WER greedy {s.greedy_wer:.4f}, with LM {s.lm_wer:.4f}"
            for s in self.scores if s.lm_wer is not None
        ]
        lines.append(f"total {self.seconds:.0f} s")
        return "\n".join(lines)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2, default=str) + "\n", encoding="utf-8")


def train_in_stages(settings: ReproduceSettings, train: Path, dev: Path, output: Path) -> FitResult:
    """A first run from scratch, then (refine_epochs > 0) a second run from its weights with a
    fresh, lower cosine schedule: each run stays short on a shared CPU, and a warm restart
    helps a model that is still improving. The result reports both stages' time together."""
    stage_output = output.with_name(output.stem + ".stage1.nemo") if settings.refine_epochs else output
    first_stage = FitSettings(
        config=settings.config, train_manifest=train, dev_manifest=dev, output=stage_output,
        work_dir=settings.work_dir / "run", max_epochs=settings.max_epochs, threads=settings.threads,
        seed=settings.seed, init_from=settings.init_from, learning_rate=settings.learning_rate,
        max_steps=settings.max_steps, max_minutes=settings.max_minutes,
    )
    first = fit(first_stage)
    if not settings.refine_epochs:
        return first
    second = fit(first_stage.model_copy(update={
        "output": output, "work_dir": settings.work_dir / "run-refine", "max_epochs": settings.refine_epochs,
        "learning_rate": settings.refine_learning_rate, "init_from": stage_output, "max_steps": None,
        "max_minutes": None,
    }))
    stage_output.unlink()
    stage_output.with_suffix(".fit.json").unlink(missing_ok=True)
    return FitResult(
        model_path=second.model_path, parameters=second.parameters, epochs=first.epochs + second.epochs,
        steps=first.steps + second.steps, seconds=round(first.seconds + second.seconds, 1),
        val_wer=second.val_wer,
    )


def concatenate_manifests(sources: list[Path], destination: Path) -> Path:
    """One manifest with every line of `sources` (NeMo reads one training manifest)."""
    destination.write_text("".join(source.read_text(encoding="utf-8") for source in sources), encoding="utf-8")
    return destination


def espeak_renditions(settings: ReproduceSettings, corpus: CorpusSettings) -> Path:
    """More espeak-ng renditions of the fortune train sentences (the same split: same seed and
    sentences), in a corpus of their own; its prepared train manifest. They keep the model's
    ear for espeak-ng while the mix adds other engines and real speech."""
    espeak = corpus.model_copy(update={
        "output_dir": settings.work_dir / "corpus_espeak", "engines": ("espeak-ng",),
        "train_renditions": settings.espeak_renditions, "phrases": 0, "max_prompt_texts": 0,
    })
    generate_corpus(espeak)
    (prepared,) = prepare_corpus(PrepareSettings(
        corpus_dir=espeak.output_dir, output_dir=settings.work_dir / "prepared_espeak", splits=("train",)))
    return prepared.manifest


def prepare_data(settings: ReproduceSettings) -> tuple[dict[str, int], dict[str, Path]]:
    """Corpus, WAVs, real prompts and augmented copies; clip counts and every manifest by name.

    Manifests: `train`/`dev`/`test` (synthetic), `test_<engine>`, `real_train`/`real_dev`/
    `real_test`/`real_test_8k`, `augmented`, `espeak_train` (with `espeak_renditions`), and
    `train_all`/`dev_all` (what fitting reads).
    """
    work = settings.work_dir
    corpus = CorpusSettings(
        output_dir=work / "corpus", seed=settings.seed, max_sentences=settings.max_sentences,
        phrases=settings.phrases, max_prompt_texts=settings.max_prompts,
    )
    prepared = work / "prepared"
    clips = generate_corpus(corpus)
    splits = ("train", "dev", "test", *(test_split_of(engine) for engine in corpus.engines))
    manifests = {split.split: split.manifest for split in prepare_corpus(
        PrepareSettings(corpus_dir=corpus.output_dir, output_dir=prepared, splits=splits))}
    manifests.update({f"real_{name}": path for name, path in prepare_real_prompts(
        RealPromptsSettings(output_dir=prepared, per_split=settings.max_prompts)).items()})
    augment = AugmentSettings(
        manifests=(manifests["train"], manifests["real_train"]), output_dir=prepared / "augmented",
        output_manifest=prepared / "augmented.json", seed=settings.seed,
    )
    augment_manifests(augment)
    manifests["augmented"] = augment.output_manifest
    training = [manifests["train"], manifests["real_train"], manifests["augmented"]]
    if settings.espeak_renditions:
        manifests["espeak_train"] = espeak_renditions(settings, corpus)
        training.append(manifests["espeak_train"])
    manifests["train_all"] = concatenate_manifests(training, prepared / "train_all.json")
    manifests["dev_all"] = concatenate_manifests([manifests["dev"], manifests["real_dev"]], prepared / "dev_all.json")
    return clips, manifests


def reproduce(settings: ReproduceSettings) -> ReproduceReport:
    """Run every step; return (and write) the report."""
    started = time.monotonic()
    ship = settings.ship_dir
    clips, manifests = prepare_data(settings)
    fitted = train_in_stages(settings, manifests["train_all"], manifests["dev_all"], ship / f"{MODEL_NAME}.nemo")
    ngram, decoder = train_language_model(LanguageModelSettings(
        text_manifests=(manifests["train"], manifests["real_train"]), output_prefix=ship / MODEL_NAME,
        model=Path(fitted.model_path), dev_manifest=manifests["dev_all"],
    ))
    samples = SamplesSettings(corpus_dir=settings.work_dir / "corpus", test_manifest=manifests["test"],
                              real_test_manifest=manifests["real_test"], output_dir=ship / "samples",
                              seed=settings.seed)
    export_samples(samples)
    evaluated = ["dev", "dev_all", *(name for name in manifests if name.startswith("test")), "real_dev",
                 "real_test", "real_test_8k"]
    scores = evaluate(EvaluateSettings(
        model=Path(fitted.model_path),
        manifests=(*(manifests[name] for name in evaluated), samples.output_dir / SAMPLES_TSV),
        kenlm_model=ngram.binary, unigrams=ngram.unigrams, alpha=decoder.alpha, beta=decoder.beta,
        beam_width=decoder.beam_width,
    ))
    report = ReproduceReport(
        clips=clips, hours={name: round(manifest_hours(path), 3) for name, path in manifests.items()},
        vocabulary=ngram.words, fit=fitted, ngram=ngram, decoder=decoder, scores=scores,
        seconds=round(time.monotonic() - started, 1),
    )
    report.write(ship / f"{MODEL_NAME}.metrics.json")
    return report

"""`streamscribe train corpus|prepare|fit|lm|evaluate|samples|export|reproduce`.

Each step has one settings object (training/settings.py); its fields are the step's flags.
Heavy libraries (torch, NeMo, pyctcdecode) are imported only when a step runs.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from streamscribe.cli_settings import add_settings_command, settings_from_args
from training import settings as config  # one settings class per step

log = logging.getLogger("training")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `train` and its steps."""
    train = subparsers.add_parser("train", help="training pipeline: corpus, data, model, n-gram")
    steps = train.add_subparsers(dest="step", required=True, metavar="STEP")
    add_settings_command(steps, "corpus", config.CorpusSettings, run_corpus, "synthesise a Common Voice style corpus")
    add_settings_command(steps, "prepare", config.PrepareSettings, run_prepare, "MP3 -> WAV, normalised NeMo manifests")
    add_settings_command(steps, "prompts", config.RealPromptsSettings, run_prompts,
                         "real Asterisk prompts -> WAV, fixed-split manifests")
    add_settings_command(steps, "augment", config.AugmentSettings, run_augment,
                         "augmented copies: speed, VTLP, rooms, noise, phone")
    add_settings_command(steps, "fit", config.FitSettings, run_fit, "train a NeMo CTC model, export .nemo")
    add_settings_command(steps, "lm", config.LanguageModelSettings, run_lm, "KenLM n-gram + alpha/beta tuning")
    add_settings_command(steps, "punctuation", config.PunctuationSettings, run_punctuation,
                         "hidden-event n-gram for punctuation and casing")
    add_settings_command(steps, "evaluate", config.EvaluateSettings, run_evaluate, "WER, greedy and with the n-gram")
    add_settings_command(steps, "samples", config.SamplesSettings, run_samples, "export held-out sample speech")
    add_settings_command(steps, "reproduce", config.ReproduceSettings, run_reproduce, "every step, end to end")
    export = steps.add_parser("export", help="a run's checkpoint -> .nemo")
    export.add_argument("checkpoint", type=Path)
    export.add_argument("output", type=Path)
    export.set_defaults(func=run_export)


def run_corpus(args: argparse.Namespace) -> int:
    from training.corpus import generate_corpus  # noqa: PLC0415

    settings = settings_from_args(config.CorpusSettings, args)
    counts = generate_corpus(settings)
    print(f"corpus in {settings.output_dir}: " + ", ".join(f"{k} {v} clips" for k, v in counts.items()))
    return 0


def run_prepare(args: argparse.Namespace) -> int:
    from training.prepare import prepare_corpus  # noqa: PLC0415

    for split in prepare_corpus(settings_from_args(config.PrepareSettings, args)):
        print(f"{split.split}: {len(split.entries)} utterances, {split.hours:.2f} h, "
              f"{len(split.skipped)} left out -> {split.manifest}")
    return 0


def run_prompts(args: argparse.Namespace) -> int:
    from training.real_prompts import manifest_hours, prepare_real_prompts  # noqa: PLC0415

    for name, path in prepare_real_prompts(settings_from_args(config.RealPromptsSettings, args)).items():
        count = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
        print(f"real {name}: {count} prompts, {manifest_hours(path):.3f} h -> {path}")
    return 0


def run_augment(args: argparse.Namespace) -> int:
    from training.augment_data import augment_manifests  # noqa: PLC0415

    settings = settings_from_args(config.AugmentSettings, args)
    entries = augment_manifests(settings)
    print(f"{len(entries)} augmented utterances -> {settings.output_manifest}")
    return 0


def run_fit(args: argparse.Namespace) -> int:
    from training.fit import fit  # noqa: PLC0415

    result = fit(settings_from_args(config.FitSettings, args))
    print(f"{result.model_path}: {result.parameters} parameters, {result.epochs} epochs, "
          f"{result.seconds:.0f} s, dev WER {result.val_wer}")
    return 0


def run_lm(args: argparse.Namespace) -> int:
    from training.language_model import train_language_model  # noqa: PLC0415

    files, parameters = train_language_model(settings_from_args(config.LanguageModelSettings, args))
    print(f"{files.binary} ({files.binary.stat().st_size} bytes, {files.words} words, "
          f"{files.seconds:.1f} s); alpha {parameters.alpha} beta {parameters.beta}; "
          f"dev WER greedy {parameters.dev_wer_greedy} with LM {parameters.dev_wer_lm}")
    return 0


def run_punctuation(args: argparse.Namespace) -> int:
    from training.punctuation_model import train_punctuation  # noqa: PLC0415

    files, scores = train_punctuation(settings_from_args(config.PunctuationSettings, args))
    print(f"{files.model} ({files.model.stat().st_size} bytes) and {files.tables}: {files.lines} texts, "
          f"{files.words} words, {files.seconds:.1f} s")
    for name, figures in scores.items():
        print(f"{name:42} " + "  ".join(f"{mark} F1 {value:.3f}" for mark, value in figures.items()))
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from training.evaluate import evaluate  # noqa: PLC0415

    for score in evaluate(settings_from_args(config.EvaluateSettings, args)):
        lm = "-" if score.lm_wer is None else f"{score.lm_wer:.4f}"
        print(f"{score.manifest}: {score.utterances} utterances, {score.words} words, "
              f"WER greedy {score.greedy_wer:.4f}, with LM {lm}")
    return 0


def run_samples(args: argparse.Namespace) -> int:
    from training.samples import export_samples  # noqa: PLC0415

    settings = settings_from_args(config.SamplesSettings, args)
    print(f"{len(export_samples(settings))} samples in {settings.output_dir}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from training.fit import export_checkpoint  # noqa: PLC0415

    print(export_checkpoint(args.checkpoint, args.output))
    return 0


def run_reproduce(args: argparse.Namespace) -> int:
    from training.reproduce import reproduce  # noqa: PLC0415

    report = reproduce(settings_from_args(config.ReproduceSettings, args))
    print(report.summary())
    return 0

"""`train evaluate`: WER of a model on manifests, greedy and with the KenLM beam search.

Recognition goes through the recognizer's own core (`RecognitionEngine`: short-audio padding,
silence gate, batching, the served decoders), so the figures are what the service does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from recognizer.audio_files import read_mono
from recognizer.decoding import BeamDecoder, BeamSearchOptions, LanguageModelFiles
from recognizer.engine import GreedyDecoder, RecognitionEngine
from recognizer.model import AcousticModel
from streamscribe.wer import word_error_rate
from training.prepare import ManifestEntry, read_manifest
from training.real_prompts import resample_as_served
from training.samples import read_samples
from training.settings import EvaluateSettings


@dataclass(frozen=True)
class ManifestScore:
    """WER of one manifest, greedy and (when an LM was given) with the LM."""

    manifest: str
    utterances: int
    words: int
    greedy_wer: float
    lm_wer: float | None


def read_references(path: Path) -> list[ManifestEntry]:
    """Utterances of a NeMo manifest (`.json`) or of a shipped `samples.tsv`."""
    if path.suffix != ".tsv":
        return read_manifest(path)
    return [
        ManifestEntry(str(path.parent / sample.path), 0.0, sample.sentence)
        for sample in read_samples(path.parent, path.name)
    ]


def served_engine(model_source: str | Path, batch_size: int) -> RecognitionEngine:
    """The recognizer's engine on the CPU with its default gate and padding, greedy decoding."""
    model = AcousticModel.load(model_source, device="cpu")
    return RecognitionEngine(model, GreedyDecoder(model.vocabulary), max_batch=batch_size)


def load_utterances(engine: RecognitionEngine, entries: list[ManifestEntry]) -> list[np.ndarray]:
    """The entries' audio files as the model reads them; files at another rate (8 kHz telephone
    samples) resampled as the stream app does for a stream at that rate."""
    return [read_served(entry.audio_filepath, engine.model.sample_rate) for entry in entries]


def read_served(path: str, model_rate: int) -> np.ndarray:
    """One file as mono float32 at the model's rate, resampled by the stream app's resampler."""
    rate = soundfile.info(path).samplerate
    if rate == model_rate:
        return read_mono(path, model_rate)
    samples, _ = soundfile.read(path, dtype="float32", always_2d=True)
    return resample_as_served(samples.mean(axis=1), rate)


def score_manifest(
    engine: RecognitionEngine, manifest: Path, beam: BeamDecoder | None = None
) -> ManifestScore:
    """Recognise every utterance of a manifest (or samples.tsv) once; score greedy and beam decoding."""
    entries = read_references(manifest)
    references = [entry.text for entry in entries]
    utterances = engine.forward(load_utterances(engine, entries))
    greedy = [d.text for d in engine.decode(utterances)]
    with_lm = None if beam is None else [d.text for d in engine.decode(utterances, beam)]
    return ManifestScore(
        manifest=str(manifest), utterances=len(entries),
        words=sum(len(reference.split()) for reference in references),
        greedy_wer=word_error_rate(references, greedy),
        lm_wer=None if with_lm is None else word_error_rate(references, with_lm),
    )


def evaluate(settings: EvaluateSettings) -> list[ManifestScore]:
    """Score the model on every manifest of the settings."""
    engine = served_engine(settings.model, settings.batch_size)
    beam = None
    if settings.kenlm_model is not None:
        beam = BeamDecoder(
            engine.model.vocabulary,
            BeamSearchOptions(settings.beam_width, settings.alpha, settings.beta),
            LanguageModelFiles(settings.kenlm_model, settings.unigrams),
        )
    return [score_manifest(engine, manifest, beam) for manifest in settings.manifests]

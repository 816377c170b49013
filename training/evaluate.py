"""`train evaluate`: WER of a `.nemo` model on manifests, greedy and with the KenLM beam search."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.acoustic import ctc_log_probs, greedy_decode, load_ctc_model, model_labels
from training.lm_decoding import beam_decode, build_beam_decoder
from training.prepare import ManifestEntry, read_manifest
from training.samples import read_samples
from training.settings import EvaluateSettings
from training.wer import word_error_rate

log = logging.getLogger(__name__)


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
        for sample in read_samples(path.parent)
    ]


def score_manifest(model: Any, manifest: Path, decoder: Any | None, settings: EvaluateSettings) -> ManifestScore:
    """Transcribe every utterance of a manifest (or samples.tsv) and score both decodings."""
    entries = read_references(manifest)
    references = [entry.text for entry in entries]
    log_probs = ctc_log_probs(model, [entry.audio_filepath for entry in entries], settings.batch_size)
    labels = model_labels(model)
    greedy = [greedy_decode(lp, labels) for lp in log_probs]
    with_lm = beam_decode(decoder, log_probs, settings.beam_width) if decoder is not None else None
    return ManifestScore(
        manifest=str(manifest), utterances=len(entries),
        words=sum(len(reference.split()) for reference in references),
        greedy_wer=word_error_rate(references, greedy),
        lm_wer=None if with_lm is None else word_error_rate(references, with_lm),
    )


def evaluate(settings: EvaluateSettings) -> list[ManifestScore]:
    """Score the model on every manifest of the settings."""
    model = load_ctc_model(settings.model)
    decoder = None
    if settings.kenlm_model is not None and settings.unigrams is not None:
        decoder = build_beam_decoder(
            model_labels(model), settings.kenlm_model, settings.unigrams, settings.alpha, settings.beta
        )
    return [score_manifest(model, manifest, decoder, settings) for manifest in settings.manifests]

"""`train lm`: build the KenLM n-gram and tune the beam search's alpha/beta on dev.

The tuned values are written next to the LM as `<prefix>.decoder.json`, which is what a
recognizer reads to decode with the same settings.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from training.acoustic import ctc_log_probs, greedy_decode, load_ctc_model, model_labels
from training.lm_decoding import TuningResult, build_beam_decoder, tune_alpha_beta
from training.ngram import NgramFiles, build_ngram, corpus_sentences
from training.prepare import read_manifest
from training.settings import LanguageModelSettings
from training.wer import word_error_rate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DecoderParameters:
    """What a recognizer needs to decode like the tuning did (file names relative to this file)."""

    kenlm_model: str
    unigrams: str
    order: int
    alpha: float
    beta: float
    beam_width: int
    dev_wer_greedy: float | None = None
    dev_wer_lm: float | None = None

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def decoder_parameters_path(output_prefix: Path) -> Path:
    """`<prefix>.decoder.json`."""
    return output_prefix.with_name(output_prefix.name + ".decoder.json")


def tune_on_dev(
    files: NgramFiles, model_path: Path, settings: LanguageModelSettings
) -> tuple[float, TuningResult]:
    """Dev WER of greedy decoding, and the best alpha/beta of the beam search with the LM."""
    model = load_ctc_model(model_path)
    entries = read_manifest(settings.dev_manifest)
    references = [entry.text for entry in entries]
    log_probs = ctc_log_probs(model, [entry.audio_filepath for entry in entries])
    labels = model_labels(model)
    greedy_wer = word_error_rate(references, [greedy_decode(lp, labels) for lp in log_probs])
    decoder = build_beam_decoder(labels, files.binary, files.unigrams, settings.alphas[0], settings.betas[0])
    tuning = tune_alpha_beta(decoder, log_probs, references, settings.alphas, settings.betas, settings.beam_width)
    return greedy_wer, tuning


def train_language_model(settings: LanguageModelSettings) -> tuple[NgramFiles, DecoderParameters]:
    """Build the n-gram; tune alpha/beta when a model is given; write the decoder parameters."""
    files = build_ngram(corpus_sentences(settings.text_manifests), settings.output_prefix, settings.order, settings.prune)
    parameters = DecoderParameters(
        kenlm_model=files.binary.name, unigrams=files.unigrams.name, order=settings.order,
        alpha=settings.alphas[0], beta=settings.betas[0], beam_width=settings.beam_width,
    )
    if settings.model is not None and settings.model.is_file():
        greedy_wer, tuning = tune_on_dev(files, settings.model, settings)
        parameters = DecoderParameters(
            **{**asdict(parameters), "alpha": tuning.alpha, "beta": tuning.beta,
               "dev_wer_greedy": round(greedy_wer, 4), "dev_wer_lm": round(tuning.wer, 4)},
        )
    else:
        log.warning("no model at %s: alpha/beta left untuned", settings.model)
    parameters.write(decoder_parameters_path(settings.output_prefix))
    return files, parameters

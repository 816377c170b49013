"""`train lm`: build the KenLM n-gram and tune the beam search's alpha/beta on dev.

The tuned values are written next to the LM as `<prefix>.decoder.json`, which is what a
recognizer reads to decode with the same settings.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from recognizer.decoding import BeamDecoder, BeamSearchOptions, LanguageModelFiles
from streamscribe.wer import word_error_rate
from training.evaluate import load_utterances, served_engine
from training.lm_decoding import TuningResult, tune_alpha_beta
from training.ngram import NgramFiles, build_ngram, corpus_sentences
from training.prepare import read_manifest
from training.settings import LanguageModelSettings

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
    """Dev WER of greedy decoding, and the best alpha/beta of the beam search with the LM,
    both on the recognizer's served path (the model runs once; each grid point decodes again)."""
    engine = served_engine(model_path, batch_size=16)
    entries = read_manifest(settings.dev_manifest)
    references = [entry.text for entry in entries]
    utterances = engine.forward(load_utterances(engine, entries))
    greedy_wer = word_error_rate(references, [d.text for d in engine.decode(utterances)])
    beam = BeamDecoder(
        engine.model.vocabulary,
        BeamSearchOptions(settings.beam_width, settings.alphas[0], settings.betas[0]),
        LanguageModelFiles(files.binary, files.unigrams),
    )
    tuning = tune_alpha_beta(beam, utterances, references, settings.alphas, settings.betas)
    return greedy_wer, tuning


def train_language_model(settings: LanguageModelSettings) -> tuple[NgramFiles, DecoderParameters]:
    """Build the n-gram; tune alpha/beta when a model is given; write the decoder parameters."""
    sentences = corpus_sentences(settings.text_manifests)
    files = build_ngram(sentences, settings.output_prefix, settings.order, settings.prune)
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

"""CTC beam search with a KenLM n-gram (pyctcdecode), and alpha/beta tuning on dev data."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from training.ngram import read_unigrams
from training.wer import word_error_rate

log = logging.getLogger(__name__)


def build_beam_decoder(
    labels: Sequence[str], kenlm_model: Path, unigrams: Path, alpha: float, beta: float
) -> Any:
    """A pyctcdecode decoder for a NeMo char model (its blank, the last output, is "")."""
    from pyctcdecode import build_ctcdecoder  # noqa: PLC0415 - loads kenlm

    return build_ctcdecoder(
        [*labels, ""], kenlm_model_path=str(kenlm_model), unigrams=read_unigrams(unigrams),
        alpha=alpha, beta=beta,
    )


def beam_decode(decoder: Any, log_probs: Sequence[np.ndarray], beam_width: int) -> list[str]:
    """The best beam's text for each utterance."""
    return [" ".join(decoder.decode(lp, beam_width=beam_width).split()) for lp in log_probs]


@dataclass(frozen=True)
class TuningResult:
    """Best LM weight (alpha) and word insertion bonus (beta) found on dev, with the grid."""

    alpha: float
    beta: float
    wer: float
    grid: list[tuple[float, float, float]] = field(default_factory=list)


def tune_alpha_beta(
    decoder: Any,
    log_probs: Sequence[np.ndarray],
    references: Sequence[str],
    alphas: Sequence[float],
    betas: Sequence[float],
    beam_width: int,
) -> TuningResult:
    """Grid search over (alpha, beta) for the lowest WER; ties go to the earlier grid point."""
    grid: list[tuple[float, float, float]] = []
    for alpha, beta in itertools.product(alphas, betas):
        decoder.reset_params(alpha=alpha, beta=beta)
        wer = word_error_rate(references, beam_decode(decoder, log_probs, beam_width))
        log.info("alpha %.2f beta %.2f: dev WER %.4f", alpha, beta, wer)
        grid.append((alpha, beta, wer))
    alpha, beta, wer = min(grid, key=lambda point: point[2])
    decoder.reset_params(alpha=alpha, beta=beta)
    return TuningResult(alpha, beta, wer, grid)

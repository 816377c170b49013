"""Tuning the beam search's alpha/beta on dev data, with the recognizer's own beam decoder."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from recognizer.decoding import BeamDecoder
from recognizer.engine import Utterance
from streamscribe.wer import word_error_rate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TuningResult:
    """Best LM weight (alpha) and word insertion bonus (beta) found on dev, with the grid."""

    alpha: float
    beta: float
    wer: float
    grid: list[tuple[float, float, float]] = field(default_factory=list)


def tune_alpha_beta(
    decoder: BeamDecoder,
    utterances: Sequence[Utterance],
    references: Sequence[str],
    alphas: Sequence[float],
    betas: Sequence[float],
) -> TuningResult:
    """Grid search over (alpha, beta) for the lowest WER; ties go to the earlier grid point.

    `utterances` come from `RecognitionEngine.forward` (the served path), so the model runs once and each
    grid point only decodes again. The decoder is left at the best point.
    """
    grid: list[tuple[float, float, float]] = []
    for alpha, beta in itertools.product(alphas, betas):
        decoder.reweight(alpha, beta)
        wer = word_error_rate(references, [u.decode(decoder).text for u in utterances])
        log.info("alpha %.2f beta %.2f: dev WER %.4f", alpha, beta, wer)
        grid.append((alpha, beta, wer))
    alpha, beta, wer = min(grid, key=lambda point: point[2])
    decoder.reweight(alpha, beta)
    return TuningResult(alpha, beta, wer, grid)

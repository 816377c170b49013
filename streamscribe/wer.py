"""Word error rate, defined once for the demo, the benchmarks, `train evaluate` and LM tuning.

Both sides are normalised the same way (lower case, punctuation out, apostrophes kept, single
spaces) and the errors of all utterances are summed before dividing by all reference words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import jiwer

_NOT_WORD = re.compile(r"[^\w' ]+")


def normalize_text(text: str) -> str:
    """Lower case, punctuation out (apostrophes kept), single spaces: how WER compares words."""
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


def word_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus WER: (substitutions + deletions + insertions) over all utterances / reference words.

    Utterances with an empty reference are left out; NaN when no reference has a word.
    Raises ValueError when the two sequences differ in length.
    """
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    pairs = [(normalize_text(r), normalize_text(h)) for r, h in zip(references, hypotheses, strict=True)]
    pairs = [(r, h) for r, h in pairs if r]
    if not pairs:
        return math.nan
    return float(jiwer.wer([r for r, _ in pairs], [h for _, h in pairs]))

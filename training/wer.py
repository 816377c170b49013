"""Word error rate over a whole set of utterances (errors / reference words)."""

from __future__ import annotations

from collections.abc import Sequence

import jiwer


def word_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus-level WER: total substitutions + deletions + insertions over reference words."""
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    if not references:
        raise ValueError("no utterances to score")
    return float(jiwer.wer(list(references), list(hypotheses)))

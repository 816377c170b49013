"""The ITN prefilter: finals that NeMo's grammars would return unchanged skip them."""

from __future__ import annotations

import csv

import pytest

from recognizer.formatting.itn import NemoInverseNormalizer, itn_triggers, may_rewrite, written_tokens
from recognizer.settings import SHIPPED_MODELS


@pytest.mark.parametrize("spoken", [
    "your balance is twenty five dollars forty", "back in the nineties", "on the twentieth", "call me at five",
    "john dot smith at example dot com", "the c p u is hot", "one hundredth", "a million thanks",
])
def test_what_itn_may_rewrite(spoken: str) -> None:
    assert may_rewrite(spoken.split())


@pytest.mark.parametrize("spoken", ["thank you for calling", "is there anything else", "a cat and a dog", "i see"])
def test_what_passes_unchanged(spoken: str) -> None:
    assert not may_rewrite(spoken.split())


def test_triggers_come_from_the_wheel() -> None:
    words, phrases = itn_triggers()
    assert {"one", "twenty", "hundred", "thousand", "first", "zero", "dot"} <= words
    assert frozenset({"c", "p", "u"}) in phrases["c"]


@pytest.mark.slow
def test_skipped_sentences_are_what_nemo_would_write() -> None:
    """Every sample sentence the prefilter skips comes back from NeMo's own grammars unchanged."""
    normalizer = NemoInverseNormalizer().load()._normalizer
    rows = csv.DictReader((SHIPPED_MODELS / "samples" / "demo.tsv").open(encoding="utf-8"), delimiter="\t")
    sentences = [row["sentence"] for row in rows]
    skipped = [s for s in sentences if not may_rewrite(s.split())]
    assert len(skipped) > len(sentences) / 2
    assert [s for s in skipped if written_tokens(normalizer.inverse_normalize(s, verbose=False)) != s.split()] == []

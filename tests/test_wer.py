"""WER as the demo, the benchmarks and training all compute it."""

from __future__ import annotations

import math

import pytest

from streamscribe.wer import normalize_text, word_error_rate


def test_normalize_text_drops_case_and_punctuation_but_keeps_apostrophes() -> None:
    assert normalize_text("  Don't PANIC,  said   the Guide! ") == "don't panic said the guide"


def test_word_error_rate_counts_errors_over_all_reference_words() -> None:
    # one substitution in 4 words + one deletion in 2 words = 2 errors / 6 words
    wer = word_error_rate(["the cat sat down", "hello world"], ["the cat sat town", "Hello"])
    assert wer == pytest.approx(2 / 6)


def test_word_error_rate_is_nan_without_references() -> None:
    assert math.isnan(word_error_rate([""], ["anything"]))


def test_word_error_rate_refuses_unpaired_lists() -> None:
    with pytest.raises(ValueError, match="2 references but 1 hypotheses"):
        word_error_rate(["a", "b"], ["a"])

"""The shipped hidden-event punctuator: marks and casing on written tokens, spans kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from recognizer.formatting.hidden_event import (
    HiddenEventPunctuator,
    context_tokens,
    default_punctuator,
    lm_word,
    model_files,
)
from recognizer.formatting.punctuation import BaselinePunctuator
from recognizer.formatting.tokens import Span


@pytest.fixture(scope="module")
def punctuator() -> HiddenEventPunctuator:
    shipped = default_punctuator()
    assert isinstance(shipped, HiddenEventPunctuator), "the model files ship in recognizer/models"
    return shipped


def text(punctuator: HiddenEventPunctuator, words: str) -> str:
    return " ".join(s.text for s in punctuator.punctuate([Span(w, i, i) for i, w in enumerate(words.split())]))


def test_a_question_gets_a_question_mark(punctuator: HiddenEventPunctuator) -> None:
    assert text(punctuator, "how are you doing") == "How are you doing?"


def test_a_statement_gets_a_period_and_i_its_capital(punctuator: HiddenEventPunctuator) -> None:
    out = text(punctuator, "i think so")
    assert out.startswith("I ") and out.endswith(".")


def test_spans_stay_and_written_marks_are_not_doubled(punctuator: HiddenEventPunctuator) -> None:
    tokens = [Span("see", 0, 0), Span("you", 1, 1), Span("at", 2, 2), Span("5:00", 3, 4), Span("p.m.", 5, 6)]
    out = punctuator.punctuate(tokens)
    assert [(s.first, s.last) for s in out] == [(s.first, s.last) for s in tokens]
    assert out[0].text == "See" and out[-1].text == "p.m."


def test_empty_and_one_word_results(punctuator: HiddenEventPunctuator) -> None:
    assert punctuator.punctuate([]) == ()
    (only,) = punctuator.punctuate([Span("hello", 0, 0)])
    assert only.text[0] == "H" and only.text[-1] in ".?"


def test_left_context_is_accepted(punctuator: HiddenEventPunctuator) -> None:
    context = punctuator.context_of(["thank", "you."])
    assert context == ("thank", "you", "_period_")
    assert text(punctuator, "how are you") == " ".join(
        s.text for s in punctuator.punctuate([Span(w, i, i) for i, w in enumerate("how are you".split())], context))


def test_lm_words() -> None:
    assert lm_word("Hello,") == "hello"
    assert lm_word("$25.40") == "<num>"
    assert lm_word("[CARD]") == "[card]"
    assert list(context_tokens(["balance", "$25.40."])) == ["balance", "<num>", "_period_"]


def test_without_model_files_the_baseline_punctuates(tmp_path: Path) -> None:
    assert isinstance(default_punctuator(tmp_path / "missing"), BaselinePunctuator)
    model, tables = model_files(tmp_path / "x")
    assert (model.name, tables.name) == ("x.punct.bin", "x.punct.json")

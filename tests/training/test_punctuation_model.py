"""Training text and scoring for the hidden-event punctuator (no n-gram built here)."""

from __future__ import annotations

from training.punctuation_model import (
    Marked,
    Scores,
    add_aligned,
    casing_table,
    finals_of,
    parse,
    prose,
    question_starts,
    training_line,
    usable,
)


def test_parse_marks_words_and_capitals() -> None:
    marked = parse('"Hello, Mr. Smith!" she said. Is it 5 o\'clock? -- Yes; it is.')
    assert marked.words == ["hello", "mr", "smith", "she", "said", "is", "it", "<num>", "o'clock", "yes", "it", "is"]
    assert marked.marks == [",", "", ".", "", ".", "", "", "", "?", ",", "", "."]
    assert marked.capitalised[:3] == [True, True, True] and not marked.capitalised[3]


def test_training_line_puts_each_mark_after_its_word() -> None:
    assert training_line(parse("Well, is it?")) == "well _comma_ is it _question_"


def test_casing_table_keeps_names_and_i_not_sentence_starts() -> None:
    texts = [parse("Then I met Alice. The end."), parse("So I told Alice and I left."), parse("The cat sat.")]
    table = casing_table(texts, min_count=2)
    assert table == {"i": "I", "alice": "Alice"}


def test_question_odds_by_sentence_start() -> None:
    odds = question_starts([parse("Can you help? Can you see? Can you go? It is fine. It is. It is.")], min_count=3)
    assert odds["can you"] > 0 > odds["it is"]


def test_finals_cut_texts_into_sentence_pairs() -> None:
    assert finals_of("One. Two? Three!\n Four.") == ["One. Two?", "Three! Four."]


def test_filters() -> None:
    assert usable("A plain sentence of some length.")
    assert not usable("THIS IS ALL SHOUTING, ISN'T IT?") and not usable("x = {a | b} and more text")
    assert prose("Can I help you with anything?")
    assert not prose("hi") and not prose("can you build a REST API?") and not prose("Run `ls` please.")


def test_scores_and_alignment() -> None:
    scores = Scores()
    reference = parse("Hello, how are you?")
    add_aligned(scores, reference, parse("Hello how are you?"))
    add_aligned(scores, parse("It is fine."), parse("It is very fine."))
    summary = scores.summary()
    assert summary["question"] == 1.0 and summary["comma"] == 0.0 and summary["period"] == 1.0
    empty = Scores()
    add_aligned(empty, parse("Yes."), Marked())
    assert empty.summary()["period"] == 0.0 and empty.counts["period_ref"] == 1

"""Written tokens traced back to the spoken words they came from (pure)."""

from __future__ import annotations

import pytest

from recognizer.formatting.align import align


def traced(spoken: str, written: str) -> list[tuple[str, str]]:
    words, tokens = spoken.split(), written.split()
    return [(token, " ".join(words[a:b + 1])) for token, (a, b) in zip(tokens, align(words, tokens), strict=True)]


def test_rewritten_stretch_spans_its_words() -> None:
    assert traced("your balance is twenty five dollars forty is that right",
                  "your balance is $25.40 is that right") == [
        ("your", "your"), ("balance", "balance"), ("is", "is"), ("$25.40", "twenty five dollars forty"),
        ("is", "is"), ("that", "that"), ("right", "right"),
    ]


def test_digits_read_one_by_one_are_dealt_out() -> None:
    spoken = "four one one one one two two two three three three three four four four four"
    assert traced(spoken, "4111 1222 3333 4444") == [
        ("4111", "four one one one"), ("1222", "one two two two"), ("3333", "three three three three"),
        ("4444", "four four four four"),
    ]


def test_several_tokens_from_one_stretch_share_it() -> None:
    assert traced("at three p m", "at 03:00 p.m.") == [
        ("at", "at"), ("03:00", "three p m"), ("p.m.", "three p m"),
    ]


def test_words_that_left_no_token_join_the_token_before() -> None:
    assert traced("two million dollars", "$2 million") == [("$2", "two"), ("million", "million dollars")]


def test_words_before_any_token_join_the_first() -> None:
    assert traced("the nineteen nineties", "1990s") == [("1990s", "the nineteen nineties")]
    assert traced("uh hello", "hello") == [("hello", "uh hello")]


def test_a_token_with_no_word_takes_its_neighbours() -> None:
    assert traced("fifty percent", "50 %") == [("50", "fifty percent"), ("%", "fifty percent")]
    assert traced("hello there", "hello there !") == [("hello", "hello"), ("there", "there"), ("!", "there")]


def test_every_token_gets_a_span_in_order() -> None:
    spans = align("a b c d".split(), "x b y z w".split())
    assert len(spans) == 5 and all(first <= last for first, last in spans)
    assert [first for first, _ in spans] == sorted(first for first, _ in spans)


def test_no_words_no_tokens() -> None:
    assert align([], []) == []
    with pytest.raises(ValueError):
        align([], ["x"])

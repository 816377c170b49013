"""Redaction of personal data in spoken words (pure)."""

from __future__ import annotations

import pytest

from recognizer.formatting.pii import digits_tag, email_spans, redact
from recognizer.formatting.spoken_digits import digit_runs, luhn_valid

CARD_WORDS = "four one one one one one one one one one one one one one one one"  # 4111 1111 1111 1111


def tags(text: str) -> list[tuple[str, str]]:
    words = text.split()
    return [(s.text, " ".join(words[s.first:s.last + 1])) for s in redact(words) if s.text.startswith("[")]


@pytest.mark.parametrize(("words", "digits"), [
    ("four one one one", "4111"),
    ("oh two zero", "020"),
    ("five fifty five", "555"),
    ("one eight hundred", "1800"),
    ("double seven triple two", "77222"),
    ("twelve thirty", "1230"),
])
def test_digit_words_read_as_people_say_them(words: str, digits: str) -> None:
    assert [run.digits for run in digit_runs(words.split())] == [digits]


def test_each_digit_knows_its_word() -> None:
    (run,) = digit_runs("call fifty five two now".split())
    assert run.digits == "552" and run.word_of_digit == (1, 2, 3) and (run.first, run.last) == (1, 3)


def test_luhn() -> None:
    assert luhn_valid("4111111111111111") and luhn_valid("79927398713")
    assert not luhn_valid("4111111111111112")


@pytest.mark.parametrize(("digits", "tag"), [
    ("4111111111111111", "[CARD]"), ("4111111111111112", None), ("123456789", "[SSN]"), ("666123456", None),
    ("923456789", None), ("123006789", None), ("5551234567", "[PHONE]"), ("5551234", "[PHONE]"),
    ("18005551212", "[PHONE]"), ("28005551212", None), ("2024", None),
])
def test_digit_runs_tagged(digits: str, tag: str | None) -> None:
    assert digits_tag(digits) == tag


def test_card_number_hidden_with_the_span_of_its_words() -> None:
    spans = redact(f"my card is {CARD_WORDS} thanks".split())
    assert [s.text for s in spans] == ["my", "card", "is", "[CARD]", "thanks"]
    assert (spans[3].first, spans[3].last, spans[4].first) == (3, 18, 19)


def test_card_number_failing_luhn_is_kept() -> None:
    assert tags(CARD_WORDS.replace("one one one one one", "one one one one two", 1)) == []


def test_phone_ssn_and_email_in_one_result() -> None:
    text = ("call five five five one two three four five six seven my social is one two three four five six "
            "seven eight nine and mail john dot smith at example dot co dot uk please")
    assert tags(text) == [
        ("[PHONE]", "five five five one two three four five six seven"),
        ("[SSN]", "one two three four five six seven eight nine"),
        ("[EMAIL]", "john dot smith at example dot co dot uk"),
    ]


@pytest.mark.parametrize("text", [
    "meet me at the office", "they met at nine", "we arrived at example dot", "twenty twenty four",
    "i have one two three reasons",
])
def test_ordinary_speech_is_left_alone(text: str) -> None:
    assert tags(text) == [] and [s.text for s in redact(text.split())] == text.split()


def test_email_needs_a_known_top_level_domain() -> None:
    assert email_spans("john at example dot zzz".split()) == []
    assert email_spans("john at example dot com".split()) == [(0, 4)]

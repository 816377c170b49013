"""Punctuation and casing of written tokens, behind one small interface.

`BaselinePunctuator` is the baseline the issue measures models against: capitalise the first
word, end each final result with a period; it also capitalises "I" and the names of months and
weekdays (the ITN writes dates in lower case: "january 1 2020"; "may" and "march" only next to
a number). The trained punctuator (recognizer/formatting/hidden_event.py, a KenLM hidden-event
n-gram) implements the same `Punctuator` protocol; docs/formatting.md compares the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from recognizer.formatting.tokens import Span

SENTENCE_ENDS = (".", "?", "!")
FIRST_PERSON = {"i", "i'm", "i'll", "i've", "i'd"}
MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"}
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
ALWAYS_CAPITALISED = FIRST_PERSON | WEEKDAYS | (MONTHS - {"may", "march"})


class Punctuator(Protocol):
    """Adds punctuation and casing to a result's written tokens; spans stay as they were."""

    def punctuate(self, tokens: Sequence[Span]) -> tuple[Span, ...]: ...


def capitalised(text: str) -> str:
    """`text` with its first character in upper case."""
    return text[:1].upper() + text[1:]


def _has_digit(tokens: Sequence[Span], i: int) -> bool:
    return 0 <= i < len(tokens) and any(char.isdigit() for char in tokens[i].text)


def is_proper_noun(tokens: Sequence[Span], i: int) -> bool:
    """Whether token `i` is a name that is always written capitalised here."""
    text = tokens[i].text
    if text in ALWAYS_CAPITALISED:
        return True
    return text in MONTHS and (_has_digit(tokens, i - 1) or _has_digit(tokens, i + 1))


class BaselinePunctuator:
    """First word capitalised, a period at the end unless the last token ends a sentence (and names
    capitalised: see the module's docstring)."""

    def punctuate(self, tokens: Sequence[Span]) -> tuple[Span, ...]:
        out = [Span(capitalised(t.text), t.first, t.last) if is_proper_noun(tokens, i) else t
               for i, t in enumerate(tokens)]
        if not out:
            return ()
        first = out[0]
        out[0] = Span(capitalised(first.text), first.first, first.last)
        last = out[-1]
        if not last.text.endswith(SENTENCE_ENDS):
            out[-1] = Span(last.text + ".", last.first, last.last)
        return tuple(out)

"""The formatting steps together, with a stand-in for NeMo's ITN (pure; the real one: test_itn_table.py)."""

from __future__ import annotations

import pytest

from recognizer.formatting import Formatted, Formatter, FormattingOptions
from recognizer.formatting.itn import written_tokens
from recognizer.formatting.punctuation import BaselinePunctuator
from recognizer.formatting.tokens import Span

REWRITES = {"twenty five dollars forty": "$25.40", "january first twenty twenty": "january 1 2020",
            "fifty percent": "50 %"}


class FakeItn:
    """Rewrites the phrases it knows, leaves the rest (as NeMo's grammars do with ordinary words)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def normalize(self, spoken: str) -> list[str]:
        self.calls.append(spoken)
        for phrase, written in REWRITES.items():
            spoken = spoken.replace(phrase, written)
        return written_tokens(spoken)


def fmt(text: str, formatting: str = "full", redact: str = "none", itn: FakeItn | None = None) -> Formatted:
    options = FormattingOptions(formatting, redact)  # type: ignore[arg-type]
    return Formatter(itn or FakeItn()).format(text.split(), options)


def sources(result: Formatted) -> list[tuple[str, str]]:
    words = [s.text for s in result.spoken]
    return [(t.text, " ".join(words[t.first:t.last + 1])) for t in result.written]


def test_full_writes_numbers_punctuates_and_traces() -> None:
    result = fmt("thank you your balance is twenty five dollars forty")
    assert result.text == "Thank you your balance is $25.40."
    assert sources(result)[-1] == ("$25.40.", "twenty five dollars forty")


def test_levels() -> None:
    text = "i paid fifty percent on january first twenty twenty"
    assert fmt(text, "raw").text == text
    assert fmt(text, "punctuated").text == "I paid fifty percent on January first twenty twenty."
    assert fmt(text, "full").text == "I paid 50% on January 1 2020."


def test_raw_needs_no_itn_and_changes_nothing() -> None:
    result = Formatter().format(["hello", "there"], FormattingOptions("raw"))
    assert result == Formatted.unformatted(["hello", "there"])
    assert not FormattingOptions("raw").changes_anything and FormattingOptions("raw", "pii").changes_anything


def test_full_without_an_itn_says_so() -> None:
    with pytest.raises(ValueError, match="inverse normalizer"):
        Formatter().format(["five"], FormattingOptions("full"))


def test_redaction_hides_before_itn_sees_it() -> None:
    itn = FakeItn()
    result = fmt("call five five five one two three four five six seven about twenty five dollars forty",
                 redact="pii", itn=itn)
    assert result.text == "Call [PHONE] about $25.40."
    assert itn.calls == ["call", "about twenty five dollars forty"]
    assert [(s.text, s.first, s.last) for s in result.spoken][:2] == [("call", 0, 0), ("[PHONE]", 1, 10)]
    assert sources(result)[1] == ("[PHONE]", "[PHONE]")


def test_raw_with_redaction() -> None:
    assert fmt("mail me at john at example dot com", "raw", "pii").text == "mail me at [EMAIL]"


def test_empty_result() -> None:
    assert fmt("").text == "" and fmt("").written == ()


@pytest.mark.parametrize(("formatting", "redact"), [("pretty", "none"), ("full", "all")])
def test_unknown_option_values_are_refused(formatting: str, redact: str) -> None:
    with pytest.raises(ValueError, match="must be one of"):
        FormattingOptions(formatting, redact)  # type: ignore[arg-type]


@pytest.mark.parametrize(("tokens", "written"), [
    ("hello there", "Hello there."),
    ("i think i'm right", "I think I'm right."),
    ("see you on monday", "See you on Monday."),
    ("may i come on may 3", "May I come on May 3."),
    ("we may march", "We may march."),
    ("at 03:30 p.m.", "At 03:30 p.m."),
])
def test_baseline_punctuation_and_casing(tokens: str, written: str) -> None:
    spans = [Span(word, i, i) for i, word in enumerate(tokens.split())]
    out = BaselinePunctuator().punctuate(spans)
    assert " ".join(t.text for t in out) == written
    assert [(t.first, t.last) for t in out] == [(t.first, t.last) for t in spans]


def test_span_must_be_ordered() -> None:
    with pytest.raises(ValueError):
        Span("x", 2, 1)

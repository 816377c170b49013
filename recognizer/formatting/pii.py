"""Redaction of personal data in spoken words: card, social security and phone numbers, e-mail addresses.

Works on the spoken tokens (before numbers are written as digits), so what it hides never
reaches the written text: each hidden span becomes one tag (`[CARD]`, `[SSN]`, `[PHONE]`,
`[EMAIL]`) that keeps the hidden words' span, hence their times.

Rules (docs/formatting.md):
- a run of digit words (recognizer.formatting.spoken_digits) of 13 to 19 digits that passes the
  Luhn check is a card number;
- 9 digits that form a valid US social security number (area not 000, 666 or 9xx, group not 00,
  serial not 0000) are one;
- 7 or 10 digits, or 11 starting with 1, are a phone number;
- "<name> at <label> dot <label> [dot <label>...]" ending in a known top-level domain is an
  e-mail address; the name may be several words joined by "dot", "underscore", "dash" or "hyphen".
"""

from __future__ import annotations

import re

from recognizer.formatting.spoken_digits import digit_runs, luhn_valid
from recognizer.formatting.tokens import Span

CARD, SSN, PHONE, EMAIL = "[CARD]", "[SSN]", "[PHONE]", "[EMAIL]"
TAGS = (CARD, SSN, PHONE, EMAIL)
NAME_JOINERS = {"dot", "underscore", "dash", "hyphen"}
TOP_LEVEL_DOMAINS = {
    "com", "org", "net", "edu", "gov", "mil", "int", "io", "co", "us", "uk", "ca", "de", "fr", "es", "it",
    "nl", "au", "in", "jp", "info", "biz", "me", "tv", "ai", "app", "dev",
}
SSN_PATTERN = re.compile(r"(?!000|666|9)\d{3}(?!00)\d{2}(?!0000)\d{4}")


def digits_tag(digits: str) -> str | None:
    """The tag for a run of spoken digits, or None if it is none of ours."""
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return CARD
    if len(digits) == 9 and SSN_PATTERN.fullmatch(digits):
        return SSN
    if len(digits) in (7, 10) or (len(digits) == 11 and digits[0] == "1"):
        return PHONE
    return None


def _label(word: str) -> bool:
    return word.isalnum() and word not in NAME_JOINERS and word != "at"


def email_spans(words: list[str]) -> list[tuple[int, int]]:
    """(first, last) word of each spoken e-mail address."""
    found: list[tuple[int, int]] = []
    for at, word in enumerate(words):
        if word != "at" or at == 0 or not _label(words[at - 1]):
            continue
        first = at - 1
        while first >= 2 and words[first - 1] in NAME_JOINERS and _label(words[first - 2]):
            first -= 2
        last = at  # the last word of the address: a known top-level domain after a "dot"
        label = at + 1
        while label < len(words) and _label(words[label]):
            if words[label] in TOP_LEVEL_DOMAINS and label > at + 1:
                last = label
            if label + 2 < len(words) and words[label + 1] == "dot":
                label += 2
            else:
                break
        if last > at and (not found or first > found[-1][1]):
            found.append((first, last))
    return found


def redact(words: list[str]) -> tuple[Span, ...]:
    """The spoken words with each piece of personal data replaced by its tag, spanning the words it hides."""
    hidden: list[tuple[int, int, str]] = [(first, last, EMAIL) for first, last in email_spans(words)]
    for run in digit_runs(words):
        tag = digits_tag(run.digits)
        if tag is not None and not any(f <= run.last and run.first <= l for f, l, _ in hidden):
            hidden.append((run.first, run.last, tag))
    hidden.sort()
    spoken: list[Span] = []
    i = 0
    for first, last, tag in hidden:
        spoken += [Span(words[j], j, j) for j in range(i, first)]
        spoken.append(Span(tag, first, last))
        i = last + 1
    spoken += [Span(words[j], j, j) for j in range(i, len(words))]
    return tuple(spoken)

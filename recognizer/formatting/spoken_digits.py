"""Digit strings as people say them: "four one one one", "oh two", "five fifty five", "eight hundred".

Card, social security and phone numbers reach us as number *words*, so redaction reads them
here before it checks lengths and the Luhn sum. Only what is said digit by digit, in pairs or as
"N hundred" counts: general numbers ("two thousand and five") are not digit strings.
"""

from __future__ import annotations

from dataclasses import dataclass

DIGITS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
TEENS = {
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15",
    "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}
TENS = {
    "twenty": "2", "thirty": "3", "forty": "4", "fifty": "5", "sixty": "6", "seventy": "7", "eighty": "8",
    "ninety": "9",
}
REPEATS = {"double": 2, "triple": 3}


@dataclass(frozen=True, slots=True)
class DigitRun:
    """Consecutive words that spell digits: `digits`, and for each digit the index of its word."""

    digits: str
    word_of_digit: tuple[int, ...]

    @property
    def first(self) -> int:
        return self.word_of_digit[0]

    @property
    def last(self) -> int:
        return self.word_of_digit[-1]


def _read_one(words: list[str], i: int) -> tuple[str, int] | None:
    """The digits spelled by the words from `i` on, and how many words that took (None: no digits)."""
    word = words[i]
    following = words[i + 1] if i + 1 < len(words) else ""
    if word.isdigit():
        return word, 1
    if word in REPEATS and following in DIGITS:
        return DIGITS[following] * REPEATS[word], 2
    if word in DIGITS:
        if following == "hundred" and word not in ("zero", "oh", "o"):
            return DIGITS[word] + "00", 2
        return DIGITS[word], 1
    if word in TEENS:
        return TEENS[word], 1
    if word in TENS:
        if following in DIGITS and following not in ("zero", "oh", "o"):
            return TENS[word] + DIGITS[following], 2
        return TENS[word] + "0", 1
    return None


def digit_runs(words: list[str]) -> list[DigitRun]:
    """Every maximal run of digit-spelling words, in order."""
    runs: list[DigitRun] = []
    digits, owners = "", []
    i = 0
    while i < len(words):
        read = _read_one(words, i)
        if read is None:
            if digits:
                runs.append(DigitRun(digits, tuple(owners)))
            digits, owners = "", []
            i += 1
            continue
        text, taken = read
        digits += text
        # a word pair ("fifty five", "double two") gives its first digits to its first word
        owners += [i] * (len(text) - 1) + [i + taken - 1]
        i += taken
    if digits:
        runs.append(DigitRun(digits, tuple(owners)))
    return runs


def luhn_valid(digits: str) -> bool:
    """The Luhn check every payment card number passes."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0

"""English number words: how a speaker reads the digits of a prompt ("press 1" -> "press one").

Integers are read as cardinals ("500" -> "five hundred"), decimals digit by digit after
"point" ("28.8" -> "twenty eight point eight"), ordinals as ordinals ("2nd" -> "second"), and
digits glued to letters split off ("3D" -> "three d"). No hyphens: the model writes words.
"""

from __future__ import annotations

import re

ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred"))
ORDINAL_WORDS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}
THOUSANDS_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
NUMBER = re.compile(r"(?<![\d.])(\d+)(?:\.(\d+))?(st|nd|rd|th)?(?=([a-zA-Z]?))")


def cardinal(number: int) -> str:
    """`number` (>= 0) in words: 1234 -> "one thousand two hundred thirty four"."""
    if number < 0:
        raise ValueError(f"no words for negative {number}")
    if number < 20:
        return ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return TENS[tens] + ("" if ones == 0 else " " + ONES[ones])
    for scale, name in SCALES:
        if number >= scale:
            high, rest = divmod(number, scale)
            return f"{cardinal(high)} {name}" + ("" if rest == 0 else " " + cardinal(rest))
    raise AssertionError("unreachable")


def ordinal(number: int) -> str:
    """`number` as an ordinal: 1 -> "first", 21 -> "twenty first", 40 -> "fortieth"."""
    *head, last = cardinal(number).split()
    if last in ORDINAL_WORDS:
        last = ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return " ".join([*head, last])


def _spoken(match: re.Match[str]) -> str:
    integer, decimals, suffix, glued_letter = match.groups()
    words = ordinal(int(integer)) if suffix else cardinal(int(integer))
    if decimals:
        words += " point " + " ".join(ONES[int(digit)] for digit in decimals)
    return f" {words} " if glued_letter else f" {words}"


def spell_numbers(text: str) -> str:
    """Every number in `text` replaced by its English words (spaced off from glued letters)."""
    return NUMBER.sub(_spoken, THOUSANDS_COMMA.sub("", text))

"""Transcript normalisation per language: lowercase, no punctuation, the model's characters only.

Each language is one small table: its letters (the CTC vocabulary besides the space), whether
apostrophes inside words are kept, the words spoken for symbols ("#" -> "pound") and whether
numbers are spelled out (English: "press 1" -> "press one"). Bracketed notes ("[beep tone]")
are not speech and go. Letters outside the table lose their accents when that makes them fit
(English "café" -> "cafe"); everything else becomes a word break. Training (every corpus) and
evaluation (references and hypotheses) use this one function.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from training.errors import TrainingError
from training.number_words import spell_numbers


@dataclass(frozen=True)
class Alphabet:
    """The characters a language's model writes."""

    letters: str
    keeps_apostrophe: bool
    symbol_words: Mapping[str, str] = field(default_factory=dict)
    spell_numbers: Callable[[str], str] | None = None

    def labels(self) -> list[str]:
        """CTC vocabulary, space first (NeMo's char-model convention)."""
        return [" ", *self.letters, *(["'"] if self.keeps_apostrophe else [])]


ALPHABETS: dict[str, Alphabet] = {
    "en": Alphabet(
        letters="abcdefghijklmnopqrstuvwxyz", keeps_apostrophe=True,
        symbol_words={"#": "pound", "*": "star", "%": "percent", "&": "and", "@": "at", "+": "plus",
                      "=": "equals"},
        spell_numbers=spell_numbers,
    ),
    "es": Alphabet(letters="abcdefghijklmnopqrstuvwxyzáéíóúüñ", keeps_apostrophe=False),
}
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
STRAY_APOSTROPHE = re.compile(r"(?<![^\W\d_])'|'(?![^\W\d_])")  # not between two letters
BRACKETED_NOTE = re.compile(r"\[[^\]]*\]")


def alphabet_for(language: str) -> Alphabet:
    """The alphabet of a language code (`en`, `es`, or `en-US` style)."""
    try:
        return ALPHABETS[language.split("-")[0].lower()]
    except KeyError:
        raise TrainingError(
            f"no text normalisation for language {language!r}; known: {', '.join(ALPHABETS)}"
        ) from None


def spells_numbers(language: str) -> bool:
    """Whether the language's normalisation turns digits into words (else they are left out)."""
    return alphabet_for(language).spell_numbers is not None


def fold_char(char: str, alphabet: Alphabet) -> str:
    """One lowercase character mapped into the alphabet: kept, de-accented, or a space."""
    if char in alphabet.letters or (char == "'" and alphabet.keeps_apostrophe):
        return char
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return base if base and all(c in alphabet.letters for c in base) else " "


def normalize_text(text: str, language: str) -> str:
    """Lowercase, punctuation-free text in the language's model characters, single-spaced."""
    alphabet = alphabet_for(language)
    text = BRACKETED_NOTE.sub(" ", unicodedata.normalize("NFC", text))
    for symbol, word in alphabet.symbol_words.items():
        text = text.replace(symbol, f" {word} ")
    if alphabet.spell_numbers is not None:
        text = alphabet.spell_numbers(text)
    text = text.lower().translate(APOSTROPHES)
    if alphabet.keeps_apostrophe:
        text = STRAY_APOSTROPHE.sub(" ", text)
    folded = "".join(fold_char(char, alphabet) for char in text)
    return " ".join(folded.split())

"""Transcript normalisation per language: lowercase, no punctuation, the model's characters only.

Each language is one small table: its letters (the CTC vocabulary besides the space) and
whether apostrophes inside words are kept. Letters outside the table lose their accents when
that makes them fit (English "café" -> "cafe"); everything else becomes a word break.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from training.errors import TrainingError


@dataclass(frozen=True)
class Alphabet:
    """The characters a language's model writes."""

    letters: str
    keeps_apostrophe: bool

    def labels(self) -> list[str]:
        """CTC vocabulary, space first (NeMo's char-model convention)."""
        return [" ", *self.letters, *(["'"] if self.keeps_apostrophe else [])]


ALPHABETS: dict[str, Alphabet] = {
    "en": Alphabet(letters="abcdefghijklmnopqrstuvwxyz", keeps_apostrophe=True),
    "es": Alphabet(letters="abcdefghijklmnopqrstuvwxyzáéíóúüñ", keeps_apostrophe=False),
}
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
STRAY_APOSTROPHE = re.compile(r"(?<![^\W\d_])'|'(?![^\W\d_])")  # not between two letters


def alphabet_for(language: str) -> Alphabet:
    """The alphabet of a language code (`en`, `es`, or `en-US` style)."""
    try:
        return ALPHABETS[language.split("-")[0].lower()]
    except KeyError:
        raise TrainingError(
            f"no text normalisation for language {language!r}; known: {', '.join(ALPHABETS)}"
        ) from None


def fold_char(char: str, alphabet: Alphabet) -> str:
    """One lowercase character mapped into the alphabet: kept, de-accented, or a space."""
    if char in alphabet.letters or (char == "'" and alphabet.keeps_apostrophe):
        return char
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return base if base and all(c in alphabet.letters for c in base) else " "


def normalize_text(text: str, language: str) -> str:
    """Lowercase, punctuation-free text in the language's model characters, single-spaced."""
    alphabet = alphabet_for(language)
    text = unicodedata.normalize("NFC", text).lower().translate(APOSTROPHES)
    if alphabet.keeps_apostrophe:
        text = STRAY_APOSTROPHE.sub(" ", text)
    folded = "".join(fold_char(char, alphabet) for char in text)
    return " ".join(folded.split())

"""Inverse text normalization with NVIDIA's grammars (`nemo_text_processing`): "twenty five dollars
forty" -> "$25.40".

The grammars are pynini FSTs compiled from data inside the wheel on first use (about 15-30 s),
then kept as one `.far` file under the project's cache (`streamscribe.paths.cache_home()`,
a folder per nemo_text_processing version), from which a process loads them in a few seconds.
A first compile writes to a private folder and moves the file into place, so processes that
start together never read a half-written cache. Loading is lazy: nothing is read until the
first `normalize`.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from streamscribe.paths import cache_home

FAR_NAME = "en_itn_lower_cased.far"  # what nemo_text_processing names the English lower-cased grammar
GLUED_TO_PREVIOUS = {"%"}  # NeMo writes "25 %"; we write "25%"


def grammar_cache() -> Path:
    """Where the compiled grammar lives (per nemo_text_processing version)."""
    return cache_home() / "itn" / f"nemo_text_processing-{version('nemo_text_processing')}"


def _quiet_nemo_logging() -> None:
    for name in ("NeMo-text-processing", "nemo_text_processing"):
        logging.getLogger(name).setLevel(logging.WARNING)


def load_inverse_normalizer(cache: Path | None = None) -> Any:
    """NeMo's English InverseNormalizer, compiling its grammar into `cache` only if it is not there yet."""
    from nemo_text_processing.inverse_text_normalization.inverse_normalize import InverseNormalizer

    _quiet_nemo_logging()
    cache = cache or grammar_cache()
    if not (cache / FAR_NAME).is_file():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache, prefix=".compiling-") as private:
            InverseNormalizer(lang="en", input_case="lower_cased", cache_dir=private)
            os.replace(Path(private) / FAR_NAME, cache / FAR_NAME)
    return InverseNormalizer(lang="en", input_case="lower_cased", cache_dir=str(cache))


def written_tokens(text: str) -> list[str]:
    """ITN output split into tokens, with a lone "%" glued to the number before it."""
    tokens: list[str] = []
    for token in text.split():
        if token in GLUED_TO_PREVIOUS and tokens:
            tokens[-1] += token
        else:
            tokens.append(token)
    return tokens


ELECTRONIC_WORDS = frozenset({"dot"})  # an e-mail address or URL has a "dot" (electronic.py)


def _spoken_column(path: Path, column: int) -> list[str]:
    rows = (line.rstrip("\n").split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return [row[column].lower() for row in rows if len(row) > column]


@lru_cache(maxsize=1)
def itn_triggers() -> tuple[frozenset[str], dict[str, tuple[frozenset[str], ...]]]:
    """What a spoken text must contain for NeMo's English ITN to change it, read from the wheel's own
    data: number words (cardinals, ordinals, magnitudes, "twenties", "twentieth"...), "dot", and the
    whitelist's phrases ("c p u" -> "CPU": all of a phrase's words must be there, indexed by its first
    word). Money, measures, dates, times and telephone numbers all hold number words."""
    import nemo_text_processing  # noqa: PLC0415

    data = Path(nemo_text_processing.__file__).parent / "inverse_text_normalization" / "en" / "data"
    words: set[str] = set(ELECTRONIC_WORDS)
    for path in [*(data / "numbers").glob("*.tsv"), *(data / "ordinals").glob("*.tsv")]:
        words.update(word for entry in _spoken_column(path, 0) for word in entry.split())
    words.update(word for entry in _spoken_column(data / "magnitudes.tsv", 1) for word in entry.split())
    words |= {w[:-1] + suffix for w in words if w.endswith("y") for suffix in ("ies", "ieth")}
    words |= {w + suffix for w in set(words) for suffix in ("s", "th", "ths")}
    phrases: dict[str, list[frozenset[str]]] = {}
    for name in ("whitelist.tsv", "whitelist_tech.tsv"):
        for entry in _spoken_column(data / name, 1):
            parts = entry.split()
            if parts:
                phrases.setdefault(parts[0], []).append(frozenset(parts))
    return frozenset(words), {first: tuple(sets) for first, sets in phrases.items()}


def may_rewrite(words: list[str]) -> bool:
    """Whether ITN could change these spoken words (False: it would return them as they are, so a
    caller may skip it: most finals hold no number; tests/recognizer/formatting check it against NeMo)."""
    triggers, phrases = itn_triggers()
    present = set(words)
    if not present.isdisjoint(triggers):
        return True
    return any(phrase <= present for word in present for phrase in phrases.get(word, ()))


class NemoInverseNormalizer:
    """Lower-cased spoken English in, written English out (thread-safe; loads on first use)."""

    def __init__(self, cache: Path | None = None) -> None:
        self._cache = cache
        self._normalizer: Any = None
        self._lock = threading.Lock()

    def load(self) -> NemoInverseNormalizer:
        """Load (compiling if needed) now rather than on the first call; returns self."""
        with self._lock:
            if self._normalizer is None:
                self._normalizer = load_inverse_normalizer(self._cache)
        return self

    def normalize(self, spoken: str) -> list[str]:
        """The written tokens for `spoken` (words separated by spaces)."""
        if not spoken.strip():
            return []
        words = spoken.split()
        if not may_rewrite(words):
            return words
        normalizer = self.load()._normalizer
        with self._lock:  # NeMo's normalizer keeps per-call state in the object
            return written_tokens(normalizer.inverse_normalize(spoken, verbose=False))

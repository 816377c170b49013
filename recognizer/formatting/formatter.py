"""The formatting steps in order: redact, rewrite numbers (ITN), punctuate and case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, get_args

from recognizer.formatting.align import align
from recognizer.formatting.pii import TAGS, redact
from recognizer.formatting.punctuation import BaselinePunctuator, Punctuator
from recognizer.formatting.tokens import Formatted, Span

Level = Literal["raw", "punctuated", "full"]
Redaction = Literal["none", "pii"]
LEVELS: tuple[str, ...] = get_args(Level)
REDACTIONS: tuple[str, ...] = get_args(Redaction)


class Rewriter(Protocol):
    """Spoken text in, written tokens out (recognizer.formatting.itn.NemoInverseNormalizer)."""

    def normalize(self, spoken: str) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class FormattingOptions:
    """`formatting`: raw (the spoken words), punctuated (punctuation and casing) or full (numbers,
    dates, money... written too); `redact`: none or pii (personal data hidden behind tags)."""

    formatting: Level = "full"
    redact: Redaction = "none"

    def __post_init__(self) -> None:
        if self.formatting not in LEVELS:
            raise ValueError(f"formatting must be one of {', '.join(LEVELS)}, not {self.formatting!r}")
        if self.redact not in REDACTIONS:
            raise ValueError(f"redact must be one of {', '.join(REDACTIONS)}, not {self.redact!r}")

    @property
    def changes_anything(self) -> bool:
        return self.formatting != "raw" or self.redact != "none"


class Formatter:
    """Formats results; `itn` is needed only for `full` (loaded by its own first use)."""

    def __init__(self, itn: Rewriter | None = None, punctuator: Punctuator | None = None) -> None:
        self.itn = itn
        self.punctuator = punctuator or BaselinePunctuator()

    def format(self, words: Sequence[str], options: FormattingOptions) -> Formatted:
        words = list(words)
        spoken = redact(words) if options.redact == "pii" else tuple(Span(w, i, i) for i, w in enumerate(words))
        if options.formatting == "full":
            written = self._rewritten(spoken)
        else:
            written = tuple(Span(s.text, i, i) for i, s in enumerate(spoken))
        if options.formatting != "raw":
            written = self.punctuator.punctuate(written)
        return Formatted(spoken, written)

    def _rewritten(self, spoken: Sequence[Span]) -> tuple[Span, ...]:
        """ITN on each stretch between redaction tags (a tag is kept as it is)."""
        if self.itn is None:
            raise ValueError("formatting 'full' needs an inverse normalizer")
        written: list[Span] = []
        stretch: list[int] = []  # indices into `spoken` of the current stretch

        def flush() -> None:
            words = [spoken[i].text for i in stretch]
            tokens = self.itn.normalize(" ".join(words)) if words else []  # type: ignore[union-attr]
            for token, (first, last) in zip(tokens, align(words, tokens), strict=True):
                written.append(Span(token, stretch[first], stretch[last]))
            stretch.clear()

        for i, token in enumerate(spoken):
            if token.text in TAGS:
                flush()
                written.append(Span(token.text, i, i))
            else:
                stretch.append(i)
        flush()
        return tuple(written)

"""The formatter's output: written tokens that each say which spoken words they came from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A token and the spoken words it stands for: indices `first`..`last` (both included)."""

    text: str
    first: int
    last: int

    def __post_init__(self) -> None:
        if not 0 <= self.first <= self.last:
            raise ValueError(f"bad word span {self.first}..{self.last} for {self.text!r}")


WrittenToken = Span  # a written token's span indexes `Formatted.spoken`


@dataclass(frozen=True, slots=True)
class Formatted:
    """One result formatted.

    `spoken`: the spoken words after redaction, each spanning the input words it replaced (one
    input word each, except a redaction tag such as `[CARD]`, which spans the words it hides).
    `written`: the written tokens, each spanning indices of `spoken`; `text` joins them.
    """

    spoken: tuple[Span, ...]
    written: tuple[WrittenToken, ...]

    @property
    def text(self) -> str:
        return " ".join(token.text for token in self.written)

    @classmethod
    def unformatted(cls, words: list[str] | tuple[str, ...]) -> Formatted:
        """The words as they are: one written token per spoken word."""
        spans = tuple(Span(word, i, i) for i, word in enumerate(words))
        return cls(spans, spans)

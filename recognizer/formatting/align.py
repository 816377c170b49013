"""Which spoken words each written token came from, when a rewriter (ITN) gives back only text.

The written text is compared with the spoken words (difflib: the longest common runs). A word
left as it was maps to itself; a rewritten stretch ("twenty five dollars forty" -> "$25.40") maps
every token in it to the whole stretch, except digits read one by one ("four one one one ..."
-> "4111 ..."), which are dealt out to the tokens digit by digit. Spoken words that left no
token ("and" in "one hundred and five" may) join the token before them; a token with no spoken
word (a unit split off) takes the word of the token before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from recognizer.formatting.spoken_digits import DIGITS

Spans = list[tuple[int, int]]


def _dealt_digits(spoken: Sequence[str], written: Sequence[str], first: int) -> Spans | None:
    """Spans for written digit groups read one spoken digit at a time, else None."""
    counts = [sum(char.isdigit() for char in token) for token in written]
    if not all(word in DIGITS for word in spoken) or 0 in counts or sum(counts) != len(spoken):
        return None
    spans, start = [], first
    for count in counts:
        spans.append((start, start + count - 1))
        start += count
    return spans


def align(spoken: Sequence[str], written: Sequence[str]) -> Spans:
    """For each written token, the (first, last) index of the spoken words it stands for."""
    if not written:
        return []
    if not spoken:
        raise ValueError("written tokens without spoken words")
    matcher = SequenceMatcher(None, [w.lower() for w in spoken], [w.lower() for w in written], autojunk=False)
    spans: list[tuple[int, int] | None] = [None] * len(written)
    unclaimed_from: int | None = None  # spoken words before any token: the first token takes them
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for offset in range(i2 - i1):
                spans[j1 + offset] = (i1 + offset, i1 + offset)
        elif op == "replace":
            dealt = _dealt_digits(spoken[i1:i2], written[j1:j2], i1)
            for j, span in zip(range(j1, j2), dealt or [(i1, i2 - 1)] * (j2 - j1), strict=True):
                spans[j] = span
        elif op == "delete":
            if j1 > 0:
                previous = spans[j1 - 1]
                assert previous is not None
                spans[j1 - 1] = (previous[0], i2 - 1)
            else:
                unclaimed_from = i1
        else:  # insert: tokens with no word of their own
            for j in range(j1, j2):
                spans[j] = spans[j - 1] if j > 0 else (min(i1, len(spoken) - 1),) * 2  # type: ignore[assignment]
    result = [span for span in spans if span is not None]
    assert len(result) == len(written)
    if unclaimed_from is not None:
        result[0] = (unclaimed_from, result[0][1])
    return result

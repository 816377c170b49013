"""Word latency, stability and accuracy of live results against offline recognition (pure).

The reference of a stream is the offline recognition of its whole audio file with the same
model and decoder: its words and their CTC times say what each word is and when it was spoken.
A reference word *appears* with the first result (interim or final, in arrival order) holding
the same word at an overlapping time (within `TIME_SLACK` seconds), or, for the `any` figures,
any word at an overlapping time (what a caption reader sees appear); its latency is that
result's arrival minus the moment the word's last audio was spoken (the stream's start on the
sender's clock plus the word's end). Reference words no result ever shows are counted as
missed, not timed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from streamscribe.contracts import Transcript, Word
from tooling.demo.summary import percentile

TIME_SLACK = 0.1  # seconds: word times of two recognitions of the same audio differ by a frame or two


@dataclass(frozen=True, slots=True)
class Arrival:
    """A result and when it was read (monotonic seconds)."""

    transcript: Transcript
    arrived_at: float


def _overlaps(word: Word, other: Word) -> bool:
    return other.start < word.end + TIME_SLACK and other.end > word.start - TIME_SLACK


def _same_word(word: Word, other: Word) -> bool:
    return word.word == other.word and _overlaps(word, other)


def word_latencies(reference: Sequence[Word], arrivals: Iterable[Arrival], spoken_at_zero: float,
                   exact: bool = True) -> list[float | None]:
    """Per reference word: first appearance − the moment its end was spoken (None: never shown).

    `arrivals` are one stream's results in arrival order; `spoken_at_zero` is when the stream's
    audio time 0 was spoken (sender's clock). `exact`: the shown word must be spelled as the
    reference; otherwise any word at an overlapping time counts (what a caption reader sees
    appear, right or not).
    """
    matches = _same_word if exact else _overlaps
    first: list[float | None] = [None] * len(reference)
    waiting = set(range(len(reference)))
    for arrival in arrivals:
        for word in arrival.transcript.words:
            for index in [i for i in waiting if matches(reference[i], word)]:
                first[index] = arrival.arrived_at
                waiting.discard(index)
        if not waiting:
            break
    return [None if seen is None else seen - (spoken_at_zero + ref.end) for ref, seen in zip(reference, first,
                                                                                           strict=True)]


@dataclass(frozen=True, slots=True)
class StabilityCount:
    """Interim words by flag, and how many of them the final results kept."""

    stable: int = 0
    stable_kept: int = 0
    unstable: int = 0
    unstable_kept: int = 0

    def __add__(self, other: StabilityCount) -> StabilityCount:
        return StabilityCount(self.stable + other.stable, self.stable_kept + other.stable_kept,
                              self.unstable + other.unstable, self.unstable_kept + other.unstable_kept)


def stability(arrivals: Sequence[Arrival], final_words: Sequence[Word]) -> StabilityCount:
    """How often interim words flagged stable (and unstable) survive into the final words."""
    counts = [0, 0, 0, 0]
    for arrival in arrivals:
        if arrival.transcript.final:
            continue
        for word in arrival.transcript.words:
            kept = any(_same_word(word, final) for final in final_words)
            slot = 0 if word.stable else 2
            counts[slot] += 1
            counts[slot + 1] += kept
    return StabilityCount(*counts)


def summarize_latencies(latencies: Sequence[float | None]) -> dict[str, float | int]:
    """p50/p95/p99/max in milliseconds over the words shown, plus how many never were."""
    shown = [value * 1000 for value in latencies if value is not None]

    def ms(q: float) -> float:
        value = percentile(shown, q)
        return value if math.isnan(value) else round(value)

    return {"words": len(latencies), "missed": len(latencies) - len(shown), "p50_ms": ms(50), "p95_ms": ms(95),
            "p99_ms": ms(99), "max_ms": ms(100)}

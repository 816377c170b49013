"""Which recognised words a segment owns, which preview words are stable, which previews to skip (pure).

The stream app sends audio that overlaps: around a forced cut both segments hold the same
stretch, and a preview holds some audio before its new audio as left context. The segment
headers say how much of each end is context (`lead_samples`, `tail_samples`); a word belongs to
the segment whose owned stretch holds its centre, so every word of the stream is reported
once, by the segment that heard it with context on both sides. That is the whole merge: it
needs no state across segments, so any worker may recognise any segment, and a replay gives
the same words.

Stability: a preview's word is marked stable when at least `stable_after` seconds of audio
follow it in the preview, so the acoustic context that decides it is (mostly) there already;
words nearer the preview's end are still being spoken or may be cut off. The flag is an
estimate, measured by `streamscribe bench latency` (how often a stable word was changed by the
final result); final results carry no flag.
"""

from __future__ import annotations

from collections.abc import Sequence

from streamscribe.contracts import Segment, Word


def owned_words(words: Sequence[Word], owned_start: float, owned_end: float, last: bool) -> list[Word]:
    """The words centred in [owned_start, owned_end) (up to and including the end when `last`)."""
    def owned(word: Word) -> bool:
        centre = (word.start + word.end) / 2
        return owned_start <= centre and (centre < owned_end or (last and centre <= owned_end))

    return [word for word in words if owned(word)]


def with_stability(words: Sequence[Word], audio_end: float, stable_after: float) -> list[Word]:
    """Preview words flagged stable when `stable_after` seconds of audio follow them."""
    return [word.model_copy(update={"stable": audio_end - word.end >= stable_after}) for word in words]


SUPERSEDED = "superseded"  # a later segment of the same stream is in the batch
STALE = "stale"  # its newest audio is older than the lag allowed


def previews_to_skip(segments: Sequence[Segment], now_ms: float, max_lag_ms: float) -> dict[int, str]:
    """Positions of previews not worth recognising, with why: a later segment of the same stream
    in the same batch replaces them (SUPERSEDED), or their newest audio is older than `max_lag_ms`
    (STALE: the recognizer is behind; a newer preview or the final is on its way). This bounds
    what previews cost to the capacity the finals leave: under overload only finals are recognised."""
    last = {segment.stream_id: position for position, segment in enumerate(segments)}
    skipped = {}
    for position, segment in enumerate(segments):
        if segment.headers.final:
            continue
        if last[segment.stream_id] != position:
            skipped[position] = SUPERSEDED
        elif segment.headers.produced_at_ms > 0 and now_ms - segment.headers.produced_at_ms > max_lag_ms:
            skipped[position] = STALE
    return skipped

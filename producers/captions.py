"""Captions from recognised words: cues cut by the usual subtitle conventions, as SRT or WebVTT (pure).

A cue holds at most `max_lines` lines of about `max_chars` characters and lasts from
`min_seconds` to `max_seconds`. Words are taken in time order and a new cue starts when the next
word would not fit, when the speaker pauses for `pause_seconds`, or after a sentence ends (`.`,
`?`, `!`) once the cue has lasted `min_seconds`. A cue shorter than `min_seconds` is held on
screen longer when the next cue leaves room. Times are the words' own, so captions line up with
the audio whatever the segmentation was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from streamscribe.contracts import Transcript, Word

CaptionFormat = Literal["srt", "vtt"]
SENTENCE_END = (".", "?", "!")


@dataclass(frozen=True)
class CaptionRules:
    """How cues are cut (defaults: the common broadcast and streaming guidelines)."""

    max_chars: int = 42
    max_lines: int = 2
    min_seconds: float = 1.0
    max_seconds: float = 7.0
    pause_seconds: float = 0.7


@dataclass(frozen=True)
class Cue:
    """One caption on screen: its time span and its lines."""

    start: float
    end: float
    lines: tuple[str, ...]


def wrap(words: Sequence[str], max_chars: int) -> list[str]:
    """Words as lines of at most `max_chars` characters (a longer word gets a line of its own)."""
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= max_chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def balanced(words: Sequence[str], rules: CaptionRules) -> tuple[str, ...]:
    """The cue's lines: as few as fit, with two lines split where their lengths are most even."""
    lines = wrap(words, rules.max_chars)
    if len(lines) != 2:
        return tuple(lines)
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    fitting = [pair for pair in splits if max(map(len, pair)) <= rules.max_chars]
    if not fitting:  # a word longer than a line: keep the plain wrap
        return tuple(lines)
    return min(fitting, key=lambda pair: abs(len(pair[0]) - len(pair[1])))


def _fits(words: Sequence[str], rules: CaptionRules) -> bool:
    return len(wrap(words, rules.max_chars)) <= rules.max_lines


def cues(words: Iterable[Word], rules: CaptionRules = CaptionRules()) -> list[Cue]:
    """The words (any order; sorted by start) cut into cues."""
    ordered = sorted(words, key=lambda word: word.start)
    groups: list[list[Word]] = []
    for word in ordered:
        current = groups[-1] if groups else None
        if current is None or _starts_new_cue(current, word, rules):
            groups.append([word])
        else:
            current.append(word)
    spans = [(group[0].start, group[-1].end) for group in groups]
    result = []
    for index, group in enumerate(groups):
        start, end = spans[index]
        room = spans[index + 1][0] if index + 1 < len(spans) else float("inf")
        end = max(end, min(start + rules.min_seconds, room))
        result.append(Cue(start, end, balanced([word.word for word in group], rules)))
    return result


def _starts_new_cue(current: list[Word], word: Word, rules: CaptionRules) -> bool:
    previous = current[-1]
    lasted = previous.end - current[0].start
    return (
        not _fits([w.word for w in current] + [word.word], rules)
        or word.end - current[0].start > rules.max_seconds
        or word.start - previous.end >= rules.pause_seconds
        or (previous.word.endswith(SENTENCE_END) and lasted >= rules.min_seconds)
    )


def result_words(results: Iterable[Transcript]) -> list[Word]:
    """The words of a stream's final results, written ones where the result was formatted (each timed by the
    spoken words it came from); a final without word times counts as one timed phrase."""
    words: list[Word] = []
    for result in results:
        if not result.final:
            continue
        if result.words and result.written:
            words.extend(Word(word=t.text, start=result.words[t.first_word].start, end=result.words[t.last_word].end,
                              confidence=min(w.confidence for w in result.words[t.first_word:t.last_word + 1]))
                         for t in result.written)
        elif result.words:
            words.extend(result.words)
        elif result.text:
            words.append(Word(word=result.text, start=result.start, end=result.end, confidence=1.0))
    return words


def timestamp(seconds: float, separator: str) -> str:
    """`HH:MM:SS<separator>mmm` (SRT uses `,`, WebVTT `.`)."""
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def srt_block(number: int, cue: Cue) -> str:
    """One numbered SRT cue, blank line included."""
    times = f"{timestamp(cue.start, ',')} --> {timestamp(cue.end, ',')}"
    return f"{number}\n{times}\n" + "\n".join(cue.lines) + "\n\n"


def vtt_block(cue: Cue) -> str:
    """One WebVTT cue, blank line included."""
    times = f"{timestamp(cue.start, '.')} --> {timestamp(cue.end, '.')}"
    return f"{times}\n" + "\n".join(cue.lines) + "\n\n"


VTT_HEADER = "WEBVTT\n\n"


def header(fmt: CaptionFormat) -> str:
    """What a document of this format starts with (WebVTT's signature; nothing for SRT)."""
    return VTT_HEADER if fmt == "vtt" else ""


def block(fmt: CaptionFormat, number: int, cue: Cue) -> str:
    """One cue in the format (`number`: its 1-based place, which SRT writes)."""
    return srt_block(number, cue) if fmt == "srt" else vtt_block(cue)


def render(caption_cues: Sequence[Cue], fmt: CaptionFormat) -> str:
    """The cues as a whole SRT or WebVTT document."""
    return header(fmt) + "".join(block(fmt, number, cue) for number, cue in enumerate(caption_cues, 1))


class CaptionStream:
    """One stream's captions written as its final results arrive: `header()` once, then `add(result)`
    for each result (the cues of its words; SRT numbering continues across results)."""

    def __init__(self, fmt: CaptionFormat, rules: CaptionRules = CaptionRules()) -> None:
        self.fmt = fmt
        self.rules = rules
        self.written = 0

    def header(self) -> str:
        """The document's start."""
        return header(self.fmt)

    def add(self, result: Transcript) -> str:
        """The cues of one result (nothing for an interim result or one without words)."""
        text = ""
        for cue in cues(result_words([result]), self.rules):
            self.written += 1
            text += block(self.fmt, self.written, cue)
        return text

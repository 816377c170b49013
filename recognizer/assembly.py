"""Deduplicating transcript results and reassembling each stream's text (pure, no Kafka).

Identity of a result is `(stream_id, segment, final)` as the contract says; for interim results
the end time is added, because a segment may get several interim previews of growing audio (a
redelivered copy still has the same end). An interim result for a segment whose final result
was already seen is stale and dropped too.

Live captions (`StreamText.caption`): the final text so far, then the previews of the segment
still open merged by word time (`recognizer.windows.PreviewCaption`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from recognizer.windows import PreviewCaption
from streamscribe.contracts import Transcript, Word


def result_identity(transcript: Transcript) -> tuple[str, int, bool, float | None]:
    """What makes two results copies of each other."""
    stream_id, segment, final = transcript.dedupe_key
    return (stream_id, segment, final, None if final else transcript.end)


@dataclass
class StreamText:
    """The final results of one stream collected so far."""

    stream_id: str
    finals: dict[int, Transcript] = field(default_factory=dict)
    last_segment: int | None = None  # index of the eos result, once seen
    seen: set[tuple[str, int, bool, float | None]] = field(default_factory=set)
    preview: PreviewCaption = field(default_factory=PreviewCaption)  # the open segment's previews

    def add(self, transcript: Transcript) -> bool:
        """Record a result of this stream; False when it is a copy or a stale preview.

        Final results are kept for the text; interim ones are previews and not part of it.
        """
        identity = result_identity(transcript)
        if identity in self.seen or (not transcript.final and transcript.segment in self.finals):
            return False
        self.seen.add(identity)
        if transcript.final:
            self.finals[transcript.segment] = transcript
            if transcript.eos:
                self.last_segment = transcript.segment
            self.preview.finalised(transcript.segment)
        else:
            self.preview.add(transcript)
        return True

    @property
    def caption(self) -> str:
        """What a live caption shows: the final text, then the open segment's preview words."""
        return " ".join(part for part in (self.text, self.preview.text) if part)

    @property
    def complete(self) -> bool:
        """True once the eos result and every final result before it have arrived."""
        return self.last_segment is not None and all(i in self.finals for i in range(self.last_segment + 1))

    @property
    def missing_segments(self) -> list[int]:
        """Final results not yet seen below the highest segment index seen."""
        highest = max(self.finals, default=-1)
        return [i for i in range(highest + 1) if i not in self.finals]

    @property
    def segments(self) -> list[Transcript]:
        """The final results in segment order."""
        return [self.finals[i] for i in sorted(self.finals)]

    @property
    def text(self) -> str:
        """The stream's text so far: its final results in segment order."""
        return " ".join(t.text for t in self.segments if t.text)

    @property
    def words(self) -> list[Word]:
        """All timed words of the final results, in order."""
        return [word for t in self.segments for word in t.words]


class TranscriptAssembler:
    """Feed it results in arrival order; it drops copies and keeps each stream's text."""

    def __init__(self) -> None:
        self.streams: dict[str, StreamText] = {}

    def accept(self, transcript: Transcript) -> bool:
        """Record a result; False when it is a copy of one already seen (or a stale preview)."""
        stream = self.streams.setdefault(transcript.stream_id, StreamText(transcript.stream_id))
        return stream.add(transcript)

    def forget(self, stream_id: str) -> None:
        """Drop a finished stream's state to bound memory (its later copies would pass again)."""
        self.streams.pop(stream_id, None)

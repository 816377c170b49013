"""Deduplicating transcript results and reassembling each stream's text (pure, no Kafka).

Identity of a result is `(stream_id, segment, final)` as the contract says; for interim results
the end time is added, because a segment may get several interim previews of growing audio (a
redelivered copy still has the same end). An interim result for a segment whose final result
was already seen is stale and dropped too.

Live captions (`StreamText.caption`): the final text so far, then the previews of the segment
still open merged by word time (`PreviewCaption`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from streamscribe.contracts import Transcript, Word


@dataclass
class PreviewCaption:
    """The open segment's preview words, merged by word time: each preview owns its words from
    its `start` on and replaces what earlier previews showed there (a live caption's tail)."""

    segment: int | None = None
    words: list[Word] = field(default_factory=list)

    def add(self, preview: Transcript) -> None:
        """Merge a preview (late previews of an older segment are ignored)."""
        if preview.segment != self.segment:
            if self.segment is not None and preview.segment < self.segment:
                return
            self.segment, self.words = preview.segment, []
        kept = [word for word in self.words if (word.start + word.end) / 2 < preview.start]
        self.words = kept + list(preview.words)

    def finalised(self, segment: int) -> None:
        """The final result of `segment` arrived: previews up to it are replaced by it."""
        if self.segment is not None and self.segment <= segment:
            self.segment, self.words = None, []

    @property
    def text(self) -> str:
        """The merged preview words."""
        return " ".join(word.word for word in self.words)


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
    def spoken_text(self) -> str:
        """The spoken words of the final results (formatted ones included), what WER is scored on; a
        final without word times gives its text."""
        parts = [" ".join(w.word for w in t.words) if t.words else t.text for t in self.segments]
        return " ".join(part for part in parts if part)

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

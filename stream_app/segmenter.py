"""One stream's buffer of normalised audio, cut into segments by bytes, time, pause and end.

Pure and deterministic: decisions depend only on the audio (on a fixed frame grid) and on the
chunks' event timestamps, never on a wall clock, so replaying the same chunks cuts the same
segments. Rules, checked after every frame (in this order):

- bytes: the buffer holds `max_frames` frames → cut at a quiet point among its last
  `cut_search_frames` frames (`endpointing.quiet_cut`), so no segment exceeds the limit;
- pause: the buffer holds speech and ends with `min_silence_frames` silent frames → cut there;

and after every chunk:

- time: the newest chunk timestamp minus the oldest timestamp of a chunk with audio still
  buffered reaches `max_age_ms` → cut at a quiet point among the last `cut_search_frames`.

`finish` emits the rest (partial frame included) as the last segment, marked eos. Every cut
re-checks the rules on what remains.

A forced cut (bytes, time) lands in continuous speech more often than not, and a word split
there is lost on both sides. So such a cut keeps the last `cut_overlap_frames` of the segment
in the buffer: the next segment starts that much earlier, and the shared audio is context for
both. Each side owns the words centred on its half of the overlap (the headers `tail_samples`
and `lead_samples`: the recogniser drops words centred in them), so a word near the cut is
recognised whole by the segment that owns it. Pause, eos and idle cuts share no audio. Each
final segment starts where the previous one stopped consuming (`start_sample` of the next =
`end_sample - tail overlap`), so their consumed parts cover the stream's audio exactly once.

Interim previews (`final=False`) consume nothing and bound their cost: each holds only the
audio new since the previous preview plus `interim_context_frames` before it (not the whole
buffer), and owns the words centred after the middle of that context; the words before were
owned by the previous preview. A preview is not sent when its new audio holds no speech frame
(nothing new to recognise: in a two-party call each side is silent about half the time), nor
when the caller says previews are not wanted now (`push(previews=False)`: the chunk is too old
for the recognizer to show a preview of it); either way the next preview starts after it.

Each pushed chunk carries an opaque `ref` (the caller's resume point for that chunk);
`resume_ref` names the earliest chunk whose audio is not yet emitted. The trigger rules only
ever get weaker when the buffer loses its older audio, which is why a segmenter restored at
`start_sample` and fed the chunks from `resume_ref` on reproduces the same cuts.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

from stream_app.endpointing import frame_energies, quiet_cut
from streamscribe.contracts.recognition import RecognitionOptions
from streamscribe.contracts.segment import SEGMENT_SAMPLE_RATE, EmitReason, Segment, SegmentHeaders
from streamscribe.pcm import S16_WIDTH

Ref = TypeVar("Ref")
NO_TIMESTAMP = -(2**63)


@dataclass(frozen=True, slots=True)
class SegmentingRules:
    """When to cut, in 16 kHz frames and event-time milliseconds."""

    frame_samples: int
    max_frames: int
    max_age_ms: int
    min_silence_frames: int
    cut_search_frames: int
    silent_below: int
    interim_interval_samples: int = 0
    interim_context_frames: int = 0
    cut_overlap_frames: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.cut_search_frames < self.max_frames:
            raise ValueError("cut_search_frames must be between 1 and max_frames - 1")
        if self.cut_overlap_frames < 0 or self.interim_context_frames < 0:
            raise ValueError("cut_overlap_frames and interim_context_frames must not be negative")
        if self.min_silence_frames < 1 or self.frame_samples < 1:
            raise ValueError("min_silence_frames and frame_samples must be positive")

    @property
    def overlap_frames(self) -> int:
        """The cut overlap that fits in what the byte and time limits leave behind the quiet-cut
        search (a per-stream time limit may be short)."""
        frame_ms = max(1, self.frame_samples * 1000 // SEGMENT_SAMPLE_RATE)
        room = min(self.max_frames, self.max_age_ms // frame_ms) - self.cut_search_frames - 1
        return max(0, min(self.cut_overlap_frames, room))

    @property
    def frame_bytes(self) -> int:
        """Bytes of one frame of 16 kHz s16le."""
        return self.frame_samples * S16_WIDTH


# a pushed chunk with audio, as a plain tuple (the hot path makes one per chunk):
# (sample where its audio ends, its timestamp, its resume point)
_END, _TIMESTAMP, _REF = 0, 1, 2


class Segmenter(Generic[Ref]):
    """Buffer of one stream from `start_sample` on; `push` chunks, `finish` at the end. What it
    cuts are the stream's `audio.segments` messages, as the contract writes them."""

    __slots__ = ("_rules", "_stream_id", "_recognition", "_start", "_index", "_pieces", "_nbytes", "_partial",
                 "_energies", "_silent_run", "_has_speech", "_marks", "_oldest_ms", "_latest_ms", "_interim_end",
                 "_lead", "_speech_end")

    def __init__(
        self, rules: SegmentingRules, stream_id: str, start_sample: int = 0, next_index: int = 0,
        latest_timestamp_ms: int = NO_TIMESTAMP, overlapped: bool = False,
        recognition: RecognitionOptions = RecognitionOptions(),
    ) -> None:
        self._rules = rules
        self._stream_id = stream_id
        self._recognition = recognition  # written on every segment
        self._start = start_sample
        # samples at the start of the buffer that the previous segment owns (after a forced cut)
        self._lead = self.overlap_lead(rules) if overlapped else 0
        self._index = next_index
        # the buffered audio as the chunks brought it (no copying per chunk), and the tail of it
        # that does not fill a frame yet
        self._pieces: deque[bytes] = deque()
        self._nbytes = 0
        self._partial = b""
        self._energies: list[int] = []
        self._silent_run = 0
        self._has_speech = False
        self._marks: deque[tuple[int, int, Ref]] = deque()
        self._oldest_ms = NO_TIMESTAMP
        self._latest_ms = latest_timestamp_ms
        self._interim_end = start_sample
        self._speech_end = start_sample  # one past the newest speech frame (a preview needs speech after its start)

    @staticmethod
    def overlap_lead(rules: SegmentingRules) -> int:
        """Samples of a forced cut's overlap owned by the earlier segment (half of it)."""
        return rules.overlap_frames * rules.frame_samples // 2

    @property
    def start_sample(self) -> int:
        """First sample of the current segment (the previous one may hold it too, as context)."""
        return self._start

    @property
    def overlapped(self) -> bool:
        """True when the current segment starts with the previous one's overlap (a forced cut)."""
        return self._lead > 0

    @property
    def end_sample(self) -> int:
        """One past the last buffered sample."""
        return self._start + self._nbytes // S16_WIDTH

    @property
    def next_index(self) -> int:
        """Index the next final segment gets."""
        return self._index

    @property
    def latest_timestamp_ms(self) -> int:
        """Newest chunk timestamp seen (the event-time 'now' of this stream)."""
        return self._latest_ms

    @property
    def buffered_bytes(self) -> int:
        """Bytes of audio waiting to be emitted."""
        return self._nbytes

    @property
    def resume_ref(self) -> Ref | None:
        """Resume point of the earliest chunk with audio not yet emitted (None: nothing buffered)."""
        return self._marks[0][_REF] if self._marks else None

    def push(self, pcm: bytes, first_sample: int, timestamp_ms: int, ref: Ref, previews: bool = True) -> list[Segment]:
        """Add a chunk's normalised audio (which starts at `first_sample` of the stream).

        Audio before `start_sample` (already emitted, seen again when replaying) is skipped.
        Returns the segments this chunk completes, in order; with `previews` False a preview due now
        is skipped (previews consume nothing: the final segments are the same either way).
        """
        self._latest_ms = max(self._latest_ms, timestamp_ms)
        skip = (self.end_sample - first_sample) * S16_WIDTH
        if skip > 0:
            pcm = pcm[skip:]
        cuts: list[Segment] = []
        if pcm:
            self._add_audio(pcm, timestamp_ms, ref, cuts)
        self._check_age(cuts)
        self._maybe_interim(cuts, previews)
        return cuts

    def finish(self, reason: EmitReason) -> Segment:
        """The last segment of the stream: everything still buffered (possibly nothing)."""
        segment = self._cut(self._nbytes, reason, eos=True)
        self._energies.clear()
        return segment

    def _add_audio(self, pcm: bytes, timestamp_ms: int, ref: Ref, cuts: list[Segment]) -> None:
        rules = self._rules
        self._pieces.append(pcm)
        self._nbytes += len(pcm)
        self._marks.append((self._start + self._nbytes // S16_WIDTH, timestamp_ms, ref))
        self._oldest_ms = timestamp_ms if self._oldest_ms == NO_TIMESTAMP else min(self._oldest_ms, timestamp_ms)
        framed = self._partial + pcm if self._partial else pcm
        complete = len(framed) - len(framed) % rules.frame_bytes
        self._partial = framed[complete:]
        if not complete:
            return
        new_frames = frame_energies(memoryview(framed)[:complete], rules.frame_samples)
        silent_below, min_silence, max_frames = rules.silent_below, rules.min_silence_frames, rules.max_frames
        energies = self._energies
        for energy in new_frames:
            energies.append(energy)
            if energy < silent_below:
                self._silent_run += 1
                if self._has_speech and self._silent_run >= min_silence:
                    self._check_frame_rules(cuts)
            else:
                self._silent_run = 0
                self._has_speech = True
                self._speech_end = self._start + len(energies) * rules.frame_samples
            if len(energies) >= max_frames:
                self._check_frame_rules(cuts)

    def _check_frame_rules(self, cuts: list[Segment]) -> None:
        rules = self._rules
        while True:
            frames = len(self._energies)
            if frames >= rules.max_frames:
                lo = rules.max_frames - rules.cut_search_frames
                boundary = quiet_cut(self._energies, lo, rules.max_frames, rules.silent_below)
                keep = self._overlap(boundary)
                cuts.append(self._cut(boundary * rules.frame_bytes, EmitReason.BYTES, keep_frames=keep))
            elif self._has_speech and self._silent_run >= rules.min_silence_frames:
                cuts.append(self._cut(frames * rules.frame_bytes, EmitReason.PAUSE))
            else:
                return

    def _check_age(self, cuts: list[Segment]) -> None:
        rules = self._rules
        while self._energies and self._latest_ms - self._oldest_ms >= rules.max_age_ms:
            frames = len(self._energies)
            lo = max(0, frames - rules.cut_search_frames)
            boundary = quiet_cut(self._energies, lo, frames, rules.silent_below)
            keep = self._overlap(boundary)
            cuts.append(self._cut(boundary * rules.frame_bytes, EmitReason.TIME, keep_frames=keep))
            self._check_frame_rules(cuts)

    def _overlap(self, boundary: int) -> int:
        """Frames a forced cut at frame `boundary` keeps for the next segment (none when the
        segment would own nothing beyond its own lead)."""
        overlap = self._rules.overlap_frames
        return overlap if boundary * self._rules.frame_samples > self._lead + overlap * self._rules.frame_samples else 0

    def _maybe_interim(self, cuts: list[Segment], wanted: bool) -> None:
        rules = self._rules
        interval, end = rules.interim_interval_samples, self.end_sample
        if not (interval and self._nbytes and end - self._interim_end >= interval):
            return
        new_from = max(self._interim_end, self._start + self._lead)
        if not wanted or self._speech_end <= new_from:  # unwanted, or no speech in its new audio
            self._interim_end = end
            return
        context = rules.interim_context_frames * rules.frame_samples
        window_start = max(self._start, new_from - context)
        owned_from = max(self._start + self._lead, new_from - context // 2)
        self._interim_end = end
        pcm = self._peek((window_start - self._start) * S16_WIDTH, self._nbytes)
        headers = SegmentHeaders(self._index, window_start, EmitReason.INTERIM, False, False, self._latest_ms,
                                 lead_samples=owned_from - window_start, recognition=self._recognition)
        cuts.append(Segment(self._stream_id, headers, pcm))

    def _peek(self, begin: int, end: int) -> bytes:
        """Bytes [begin, end) of the buffered audio, leaving the buffer as it is."""
        out, position = [], 0
        for piece in self._pieces:
            stop = position + len(piece)
            if stop > begin and position < end:
                out.append(piece[max(0, begin - position): end - position])
            if stop >= end:
                break
            position = stop
        return b"".join(out)

    def _cut(self, nbytes: int, reason: EmitReason, eos: bool = False, keep_frames: int = 0) -> Segment:
        """Emit the first `nbytes` as a final segment; consume all of them but the last `keep_frames`."""
        keep = keep_frames * self._rules.frame_bytes
        end_sample = self._start + nbytes // S16_WIDTH
        half = self.overlap_lead(self._rules) if keep else 0
        pcm = self._peek(0, nbytes)
        produced_at_ms = self._newest_timestamp_until(end_sample)
        headers = SegmentHeaders(self._index, self._start, reason, True, eos, produced_at_ms,
                                 lead_samples=self._lead, tail_samples=keep // S16_WIDTH - half,
                                 recognition=self._recognition)
        self._take(nbytes - keep)
        consumed = (nbytes - keep) // S16_WIDTH
        del self._energies[: (nbytes - keep) // self._rules.frame_bytes]
        self._start += consumed
        self._lead = half
        self._interim_end = max(self._interim_end, end_sample)
        self._index += 1
        marks = self._marks
        while marks and marks[0][_END] <= self._start:
            marks.popleft()
        self._oldest_ms = min((mark[_TIMESTAMP] for mark in marks), default=NO_TIMESTAMP)
        self._recount_silence()
        return Segment(self._stream_id, headers, pcm)

    def _take(self, nbytes: int) -> None:
        """Remove the first `nbytes` of buffered audio."""
        pieces, missing = self._pieces, nbytes
        while missing:
            piece = pieces.popleft()
            if len(piece) > missing:
                pieces.appendleft(piece[missing:])
                piece = piece[:missing]
            missing -= len(piece)
        self._nbytes -= nbytes
        if not pieces:
            self._partial = b""

    def _newest_timestamp_until(self, end_sample: int) -> int:
        newest, mark_start = NO_TIMESTAMP, self._start
        for mark in self._marks:
            if mark_start >= end_sample:
                break
            newest = max(newest, mark[_TIMESTAMP])
            mark_start = mark[_END]
        return newest if newest != NO_TIMESTAMP else self._latest_ms

    def _recount_silence(self) -> None:
        silent_below, run = self._rules.silent_below, 0
        for energy in reversed(self._energies):
            if energy >= silent_below:
                break
            run += 1
        self._silent_run = run
        self._has_speech = run < len(self._energies)

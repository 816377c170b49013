"""What the demo knows about each live stream: audio sent, transcripts received, latencies.

Pure bookkeeping (no Kafka, no clock of its own): the sender records when each piece of audio
left, the transcript feed applies each new result with its arrival time and marks a stream
done with its text once the transcript SDK has all of its final results; the live view and the
summary read the states. Copies of results are already dropped by the SDK.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field
from enum import StrEnum

from producers.assembly import PreviewCaption
from streamscribe.contracts import Transcript

# A transcript's `end` and the sender's audio offsets are computed separately; allow rounding.
END_TOLERANCE_SECONDS = 0.005


class StreamStatus(StrEnum):
    """Where a stream is in its life."""

    WAITING = "waiting"
    STREAMING = "streaming"
    SENT = "sent"
    DONE = "done"


@dataclass
class DemoStream:
    """One demo stream: its reference text, the audio sent so far, the results received, and
    where its recording comes from (`source`, for a WER per source)."""

    stream_id: str
    reference: str
    audio_seconds: float
    status: StreamStatus = StreamStatus.WAITING
    sent_audio_ends: list[float] = field(default_factory=list)
    sent_wall_times: list[float] = field(default_factory=list)
    latest_text: str = ""
    latencies: list[float] = field(default_factory=list)
    final_results: int = 0
    hypothesis: str = ""
    preview: PreviewCaption = field(default_factory=PreviewCaption)  # previews hold only their new audio
    source: str = ""

    @property
    def last_latency(self) -> float | None:
        return self.latencies[-1] if self.latencies else None

    def record_sent(self, audio_end: float, wall_time: float) -> None:
        """The audio up to `audio_end` seconds left the producer at `wall_time`."""
        self.sent_audio_ends.append(audio_end)
        self.sent_wall_times.append(wall_time)
        if self.status is StreamStatus.WAITING:
            self.status = StreamStatus.STREAMING

    def sent_time_of(self, audio_end: float) -> float | None:
        """When the audio up to `audio_end` had been sent (None if it has not been yet)."""
        index = bisect.bisect_left(self.sent_audio_ends, audio_end - END_TOLERANCE_SECONDS)
        if index == len(self.sent_audio_ends):
            return None
        return self.sent_wall_times[index]

    def apply(self, transcript: Transcript, arrived_at: float) -> None:
        """Take one new result: its text for the view, its latency when it is final."""
        if transcript.final:
            self.preview.finalised(transcript.segment)
            shown = transcript.text
        else:
            self.preview.add(transcript)
            shown = self.preview.text or transcript.text
        self.latest_text = shown or self.latest_text
        if transcript.final:
            self.final_results += 1
            sent_at = self.sent_time_of(transcript.end)
            if sent_at is not None:
                self.latencies.append(max(0.0, arrived_at - sent_at))

    def complete(self, text: str) -> None:
        """Every final result has arrived; `text` is the stream's whole transcript."""
        self.hypothesis = text
        self.status = StreamStatus.DONE


class Board:
    """Every demo stream's state, shared between the sender, the reader and the view."""

    def __init__(self, states: list[DemoStream]) -> None:
        self._lock = threading.Lock()
        self._states = {state.stream_id: state for state in states}

    def states(self) -> list[DemoStream]:
        """The streams in the order they were added."""
        with self._lock:
            return list(self._states.values())

    def record_sent(self, stream_id: str, audio_end: float, wall_time: float) -> None:
        with self._lock:
            self._states[stream_id].record_sent(audio_end, wall_time)

    def mark_sent(self, stream_id: str) -> None:
        """The stream's last chunk (eos) has been written."""
        with self._lock:
            state = self._states[stream_id]
            if state.status is not StreamStatus.DONE:
                state.status = StreamStatus.SENT

    def apply(self, transcript: Transcript, arrived_at: float) -> DemoStream | None:
        """Apply a result of one of our streams; None for other streams' results."""
        with self._lock:
            state = self._states.get(transcript.stream_id)
            if state is not None:
                state.apply(transcript, arrived_at)
            return state

    def complete(self, stream_id: str, text: str) -> DemoStream:
        """Mark a stream done with its whole transcript."""
        with self._lock:
            state = self._states[stream_id]
            state.complete(text)
            return state

    def all_done(self) -> bool:
        """True when every stream has received its end-of-stream result."""
        with self._lock:
            return all(state.status is StreamStatus.DONE for state in self._states.values())

    def count(self, status: StreamStatus) -> int:
        with self._lock:
            return sum(state.status is status for state in self._states.values())

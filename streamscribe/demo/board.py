"""What the demo knows about each live stream: audio sent, transcripts received, latencies.

Pure bookkeeping (no Kafka, no clock of its own): the sender records when each piece of audio
left, the transcript reader applies each result with its arrival time, and the live view and
the summary read the states. Results are deduplicated on the contract's (stream, segment, final).
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field
from enum import StrEnum

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
class StreamState:
    """One demo stream: its reference text, the audio sent so far and the results received."""

    stream_id: str
    reference: str
    audio_seconds: float
    status: StreamStatus = StreamStatus.WAITING
    sent_audio_ends: list[float] = field(default_factory=list)
    sent_wall_times: list[float] = field(default_factory=list)
    final_texts: dict[int, str] = field(default_factory=dict)
    latest_text: str = ""
    latencies: list[float] = field(default_factory=list)
    seen: set[tuple[int, bool]] = field(default_factory=set)

    @property
    def hypothesis(self) -> str:
        """The final results' texts in segment order."""
        return " ".join(text for _, text in sorted(self.final_texts.items()) if text).strip()

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

    def apply(self, transcript: Transcript, arrived_at: float) -> bool:
        """Take one result; False when it is a redelivered copy already seen."""
        key = (transcript.segment, transcript.final)
        if key in self.seen:
            return False
        self.seen.add(key)
        self.latest_text = transcript.text or self.latest_text
        if transcript.final:
            self.final_texts[transcript.segment] = transcript.text
            sent_at = self.sent_time_of(transcript.end)
            if sent_at is not None:
                self.latencies.append(max(0.0, arrived_at - sent_at))
        if transcript.eos:
            self.status = StreamStatus.DONE
        return True


class Board:
    """Every demo stream's state, shared between the sender, the reader and the view."""

    def __init__(self, states: list[StreamState]) -> None:
        self._lock = threading.Lock()
        self._states = {state.stream_id: state for state in states}

    def states(self) -> list[StreamState]:
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

    def apply(self, transcript: Transcript, arrived_at: float) -> StreamState | None:
        """Apply a result of one of our streams; None for other streams' results or copies."""
        with self._lock:
            state = self._states.get(transcript.stream_id)
            if state is None or not state.apply(transcript, arrived_at):
                return None
            return state

    def all_done(self) -> bool:
        """True when every stream has received its end-of-stream result."""
        with self._lock:
            return all(state.status is StreamStatus.DONE for state in self._states.values())

    def count(self, status: StreamStatus) -> int:
        with self._lock:
            return sum(state.status is status for state in self._states.values())

"""Stream sample speech as many concurrent live streams, paced in real time.

One thread drives every stream: each tick (one chunk of audio long) it writes the next chunk of
every stream that has started, so N streams cost one thread, not N. Start times are spread over
a short ramp, as real callers do not all dial in the same millisecond. Audio is cut into chunks
and ticks are paced by the producer SDK's own helpers (`cut_chunks`, `RealtimeSchedule`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from producers.pacing import RealtimeSchedule
from producers.sources import cut_chunks, frames_per_chunk
from streamscribe.pcm import S16_WIDTH
from tooling.demo.board import Board
from tooling.demo.samples import SpeechSample

log = logging.getLogger(__name__)

TICKS_PER_SECOND = 1000  # the tick schedule counts milliseconds


class LiveStream(Protocol):
    """What the producer SDK's open stream offers."""

    def write(self, pcm: bytes) -> None: ...

    def close(self) -> None: ...


StreamOpener = Callable[[str, int], LiveStream]


@dataclass(frozen=True)
class PlannedStream:
    """A demo stream: which sample it plays and when it starts (seconds after the first)."""

    stream_id: str
    sample: SpeechSample
    start_delay: float


def plan_streams(
    samples: Sequence[SpeechSample], count: int, ramp_seconds: float, run_id: str
) -> list[PlannedStream]:
    """`count` streams cycling through `samples`, starts spread evenly over `ramp_seconds`."""
    step = ramp_seconds / count if count else 0.0
    return [
        PlannedStream(f"demo-{run_id}-{index:03d}", samples[index % len(samples)], index * step)
        for index in range(count)
    ]


class _Playback:
    """One stream being played: its chunks and how far it got."""

    def __init__(self, planned: PlannedStream, stream: LiveStream, chunk_ms: int) -> None:
        self.planned = planned
        self.stream = stream
        chunk_bytes = frames_per_chunk(planned.sample.sample_rate, chunk_ms) * S16_WIDTH
        self.chunks = list(cut_chunks(planned.sample.pcm, chunk_bytes))
        self.next_chunk = 0
        self.sent_bytes = 0

    @property
    def finished(self) -> bool:
        return self.next_chunk >= len(self.chunks)

    def write_next(self, board: Board) -> None:
        """Write the next chunk and record when it left."""
        chunk = self.chunks[self.next_chunk]
        self.stream.write(chunk)
        self.next_chunk += 1
        self.sent_bytes += len(chunk)
        audio_end = self.sent_bytes / S16_WIDTH / self.planned.sample.sample_rate
        board.record_sent(self.planned.stream_id, audio_end, time.monotonic())


class RealtimeSender(threading.Thread):
    """Plays the planned streams through `open_stream` in real time, recording send times."""

    def __init__(
        self,
        planned: Sequence[PlannedStream],
        open_stream: StreamOpener,
        board: Board,
        chunk_seconds: float = 0.1,
    ) -> None:
        super().__init__(name="demo-sender", daemon=True)
        self.planned = sorted(planned, key=lambda p: p.start_delay)
        self.open_stream = open_stream
        self.board = board
        self.chunk_ms = round(chunk_seconds * 1000)
        self.stop_requested = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._play()
        except Exception as exc:  # noqa: BLE001 - handed to the demo, which reports it
            log.debug("sender failed", exc_info=True)
            self.error = exc

    def _play(self) -> None:
        schedule = RealtimeSchedule.starting_now(TICKS_PER_SECOND)
        tick = 0
        waiting = list(self.planned)
        playing: list[_Playback] = []
        while (waiting or playing) and not self.stop_requested.is_set():
            elapsed = time.monotonic() - schedule.start
            while waiting and waiting[0].start_delay <= elapsed:
                planned = waiting.pop(0)
                stream = self.open_stream(planned.stream_id, planned.sample.sample_rate)
                playing.append(_Playback(planned, stream, self.chunk_ms))
            for playback in playing:
                playback.write_next(self.board)
                if playback.finished:
                    self._finish(playback)
            playing = [p for p in playing if not p.finished]
            tick += 1
            pause = schedule.delay(tick * self.chunk_ms)
            if pause > 0:
                self.stop_requested.wait(pause)  # real-time pacing, not synchronisation

    def _finish(self, playback: _Playback) -> None:
        playback.stream.close()
        self.board.mark_sent(playback.planned.stream_id)

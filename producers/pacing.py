"""Real-time pacing: send each chunk when a live source would have it, not as fast as possible.

A live source (a microphone, a phone call) has a chunk only once its audio has been captured,
so the chunk ending at frame `f` is due at `start + f / sample_rate`. Due times are computed
from the stream's start and the frame count, never by adding up sleeps, so late wake-ups do
not accumulate into drift.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass
class RealtimeSchedule:
    """When each piece of one stream's audio is due, on a monotonic clock (frames: samples, or any
    unit sent at a fixed rate, e.g. a load generator's messages)."""

    sample_rate: float
    start: float
    clock: Clock = time.monotonic

    @classmethod
    def starting_now(cls, sample_rate: float, clock: Clock = time.monotonic) -> RealtimeSchedule:
        """A schedule whose frame 0 is captured at the clock's current time."""
        return cls(sample_rate, clock(), clock)

    def due(self, end_frame: int) -> float:
        """Clock time at which the audio up to `end_frame` has been captured."""
        return self.start + end_frame / self.sample_rate

    def delay(self, end_frame: int) -> float:
        """Seconds to wait before sending audio up to `end_frame` (0 when already due)."""
        return max(0.0, self.due(end_frame) - self.clock())

    def lag(self, end_frame: int) -> float:
        """Seconds the sender is behind the schedule for `end_frame` (0 when on time)."""
        return max(0.0, self.clock() - self.due(end_frame))

    def wait(self, end_frame: int, sleep: Callable[[float], None] = time.sleep) -> None:
        """Block until the audio up to `end_frame` is due."""
        pause = self.delay(end_frame)
        if pause > 0:
            sleep(pause)

    async def wait_async(self, end_frame: int) -> None:
        """Await until the audio up to `end_frame` is due."""
        pause = self.delay(end_frame)
        if pause > 0:
            await asyncio.sleep(pause)

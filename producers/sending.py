"""Stream a whole prepared source as one live stream, optionally paced in real time."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from producers.async_producer import AsyncAudioProducer
from producers.pacing import RealtimeSchedule
from producers.sources import ContractAudio

Progress = Callable[[float], None]


@dataclass(frozen=True)
class SendResult:
    """What one stream sent: for the per-stream summary line."""

    stream_id: str
    chunks: int
    audio_seconds: float
    wall_seconds: float
    max_lag_seconds: float | None

    def describe(self) -> str:
        """One line for the user."""
        line = (
            f"{self.stream_id}: {self.chunks} chunks + eos, {self.audio_seconds:.1f}s of audio "
            f"sent in {self.wall_seconds:.1f}s"
        )
        if self.max_lag_seconds is None:
            return line
        return f"{line}, real time (max lag behind the audio {self.max_lag_seconds * 1000:.0f} ms)"


async def send_audio(
    producer: AsyncAudioProducer,
    stream_id: str,
    audio: ContractAudio,
    *,
    chunk_ms: int,
    realtime: bool = False,
    on_progress: Progress | None = None,
) -> SendResult:
    """Write `audio` as chunks of `chunk_ms`, then eos; with `realtime`, each chunk leaves
    when a live source would have captured it. `on_progress` gets seconds of audio sent."""
    began = time.monotonic()
    fmt = audio.format
    schedule = RealtimeSchedule(fmt.sample_rate, began)
    stream = producer.open_stream(stream_id, fmt.sample_rate, fmt.channels, fmt.encoding.value)
    end_frame = chunks = 0
    max_lag = 0.0
    for chunk in audio.chunks(chunk_ms):
        end_frame += len(chunk) // fmt.frame_bytes
        if realtime:
            await schedule.wait_async(end_frame)
            max_lag = max(max_lag, schedule.lag(end_frame))
        await stream.write(chunk)
        chunks += 1
        if on_progress is not None:
            on_progress(end_frame / fmt.sample_rate)
    await stream.close()
    await stream.wait_delivered()
    wall = time.monotonic() - began
    return SendResult(stream_id, chunks, audio.duration, wall, max_lag if realtime else None)

"""`AsyncAudioProducer`: the producer SDK for asyncio, for many concurrent streams in one loop.

    async with AsyncAudioProducer(kafka_settings) as producer:
        stream = producer.open_stream("call-1", sample_rate=16000)
        await stream.write(pcm_bytes)
        await stream.close()

All Kafka calls run on the event loop's thread and never block it: delivery reports are served
by `poll(0)` after each send, and waiting (a full local queue, `flush`, `wait_delivered`) is
an awaited pause between non-blocking polls. So delivery callbacks run on the loop's thread
and need no locks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import TracebackType

from producers.client import ProducerCore, ProducerHandle, StreamHandle, WriteData
from streamscribe.contracts.chunk import StreamOptions
from streamscribe.contracts.headers import KafkaHeaders


class AsyncAudioStream(StreamHandle):
    """One live stream of an `AsyncAudioProducer`."""

    __slots__ = ()

    async def write(self, data: WriteData) -> None:
        """Send PCM bytes (in the stream's format) or numpy samples as the next chunk."""
        ledger = self._ledger
        for payload in self._core.pieces(ledger, data):
            await self._send(payload, ledger.headers())

    async def close(self) -> None:
        """Send the eos message (empty payload); raise failures this stream has had."""
        if not self._ledger.closed:
            await self._send(b"", self._ledger.eos_headers())
            self._ledger.close()

    async def wait_delivered(self, timeout: float | None = None) -> None:
        """Wait until Kafka acknowledged every chunk sent so far; raise this stream's failures.

        `timeout` defaults to the delivery timeout, after which librdkafka reports failures.
        """
        timeout = self._core.flush_limit(timeout)
        ledger = self._ledger
        await _poll_until(self._core, lambda: ledger.in_flight == 0, timeout)
        ledger.check_delivered(timeout)

    async def _send(self, payload: bytes, headers: KafkaHeaders) -> None:
        core = self._core
        if core.try_send(self._ledger, payload, headers):
            return
        deadline = core.backpressure_deadline()
        while True:  # backpressure: pause this writer, not the loop, until the queue has room
            core.check_backpressure_deadline(deadline)
            core.client.poll(0)
            await asyncio.sleep(core.settings.poll_interval_s)
            if core.try_send(self._ledger, payload, headers):
                return


async def _poll_until(core: ProducerCore, condition: Callable[[], bool], timeout: float) -> None:
    """Serve delivery reports until `condition` holds or `timeout` passes, yielding to the loop."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        core.client.poll(0)
        if condition():
            return
        await asyncio.sleep(core.settings.poll_interval_s)


class AsyncAudioProducer(ProducerHandle):
    """asyncio producer SDK for `audio.chunks` (idempotent, acks=all)."""

    def open_stream(
        self, stream_id: str, sample_rate: int, channels: int = 1, encoding: str = "pcm_s16le",
        options: StreamOptions = StreamOptions(),
    ) -> AsyncAudioStream:
        """Start a stream (no I/O); its format and options (chunk headers that override the stream
        app's segmenting defaults) are checked against the contract here."""
        return AsyncAudioStream(self._core, self._core.open(stream_id, sample_rate, channels, encoding, options))

    async def flush(self, timeout: float | None = None) -> None:
        """Wait until every chunk is acknowledged; raise any failure not raised yet."""
        limit = self._core.flush_limit(timeout)
        client = self._core.client
        await _poll_until(self._core, lambda: len(client) == 0, limit)
        self._core.ledger.check_flushed(len(client), limit)

    async def close(self, timeout: float | None = None) -> None:
        """Flush; streams never closed get no eos (their end is unknown) and are logged."""
        self._core.warn_unclosed()
        try:
            await self.flush(timeout)
        finally:
            self._core.stop_watching()

    async def __aenter__(self) -> AsyncAudioProducer:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

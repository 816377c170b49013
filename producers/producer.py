"""`AudioProducer`: the synchronous producer SDK. Open a stream, write PCM, close it.

    with AudioProducer(KafkaSettings(bootstrap_servers="127.0.0.1:9092")) as producer:
        stream = producer.open_stream("call-1", sample_rate=16000)
        stream.write(pcm_bytes)          # or numpy samples
        stream.close()                   # sends the eos message

Each write is one chunk (`seq` 0,1,2,…, key = stream_id, so a stream stays in one partition).
Delivery failures are raised by the stream's next write or close, or by `flush`/`close`.
Use one producer from one thread; it serves any number of streams.
"""

from __future__ import annotations

import time
from types import TracebackType

from producers.client import ProducerHandle, StreamHandle, WriteData
from streamscribe.contracts.chunk import StreamOptions
from streamscribe.contracts.headers import KafkaHeaders

BACKPRESSURE_POLL_S = 0.05


class AudioStream(StreamHandle):
    """One live stream of an `AudioProducer`."""

    __slots__ = ()

    def write(self, data: WriteData) -> None:
        """Send PCM bytes (in the stream's format) or numpy samples as the next chunk."""
        ledger = self._ledger
        for payload in self._core.pieces(ledger, data):
            self._send(payload, ledger.headers())

    def close(self) -> None:
        """Send the eos message (empty payload); raise failures this stream has had."""
        if not self._ledger.closed:
            self._send(b"", self._ledger.eos_headers())
            self._ledger.close()

    def wait_delivered(self, timeout: float | None = None) -> None:
        """Block until Kafka acknowledged every chunk sent so far; raise this stream's failures.

        `timeout` defaults to the delivery timeout, after which librdkafka reports failures.
        """
        timeout = self._core.flush_limit(timeout)
        deadline = time.monotonic() + timeout
        while self._ledger.in_flight and time.monotonic() < deadline:
            self._core.client.poll(BACKPRESSURE_POLL_S)
        self._ledger.check_delivered(timeout)

    def _send(self, payload: bytes, headers: KafkaHeaders) -> None:
        core = self._core
        if core.try_send(self._ledger, payload, headers):
            return
        deadline = core.backpressure_deadline()
        while not core.try_send(self._ledger, payload, headers):
            core.check_backpressure_deadline(deadline)
            core.client.poll(BACKPRESSURE_POLL_S)  # serves delivery reports, which frees room


class AudioProducer(ProducerHandle):
    """Synchronous producer SDK for `audio.chunks` (idempotent, acks=all)."""

    def open_stream(
        self, stream_id: str, sample_rate: int, channels: int = 1, encoding: str = "pcm_s16le",
        options: StreamOptions = StreamOptions(),
    ) -> AudioStream:
        """Start a stream; its format and options (chunk headers that override the stream app's
        segmenting defaults) are checked against the contract here."""
        return AudioStream(self._core, self._core.open(stream_id, sample_rate, channels, encoding, options))

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every chunk is acknowledged; raise any failure not raised yet."""
        limit = self._core.flush_limit(timeout)
        self._core.ledger.check_flushed(self._core.client.flush(limit), limit)

    def close(self, timeout: float | None = None) -> None:
        """Flush; streams never closed get no eos (their end is unknown) and are logged."""
        self._core.warn_unclosed()
        try:
            self.flush(timeout)
        finally:
            self._core.stop_watching()

    def __enter__(self) -> AudioProducer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

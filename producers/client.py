"""The Kafka glue both producers share: one idempotent librdkafka producer and the ledger.

Discipline (confluent-kafka's): every send is followed by `poll(0)` so delivery reports are
served as we go; a full local queue (`BufferError`) is backpressure, waited out by the caller
(sync: `poll(timeout)`, async: an awaited pause) instead of growing memory; every delivery
report's error is checked first and kept until a write, flush or close raises it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np
from confluent_kafka import KafkaError, KafkaException, Producer

from producers.errors import DeliveryFailure, ProducerError
from producers.ledger import ProducerLedger, ProducerStats, StreamLedger
from producers.refusals import RefusalWatch
from producers.settings import ProducerSettings
from producers.sources import cut_chunks, to_payload
from streamscribe.contracts.chunk import StreamOptions
from streamscribe.contracts.headers import KafkaHeaders
from streamscribe.settings import KafkaSettings, TopicSettings

log = logging.getLogger(__name__)

WriteData = bytes | bytearray | memoryview | np.ndarray


class ProducerCore:
    """A librdkafka producer bound to the chunks topic, plus every stream's ledger."""

    def __init__(self, settings: ProducerSettings, kafka: KafkaSettings, topics: TopicSettings) -> None:
        self.settings = settings
        self.topic = topics.chunks
        self.ledger = ProducerLedger(settings.max_chunk_bytes)
        self.refusal_watch: RefusalWatch | None = None
        if settings.report_refusals:
            streams = self.ledger.streams
            self.refusal_watch = RefusalWatch(kafka, topics.rejected, topics.chunks, streams.__contains__).start()
            self.ledger.refusals = self.refusal_watch.drain
        config = settings.client_config(kafka)
        config.update(
            {"error_cb": self._on_client_error, "logger": logging.getLogger("producers.librdkafka")}
        )
        self.client = Producer(config)
        self._produce = self.client.produce
        self._poll = self.client.poll

    def open(
        self, stream_id: str, sample_rate: int, channels: int, encoding: str,
        options: StreamOptions = StreamOptions(),
    ) -> StreamLedger:
        """Register a new stream after checking its format and options against the contract."""
        return self.ledger.open(stream_id, sample_rate, channels, encoding, options)

    def pieces(self, stream: StreamLedger, data: WriteData) -> Sequence[bytes]:
        """The chunks one write becomes: one, or several when it exceeds the chunk size limit."""
        stream.check_writable()
        payload = to_payload(data, stream.format.channels, stream.format.encoding)
        if len(payload) <= stream.max_payload:
            return (payload,) if payload else ()
        return list(cut_chunks(payload, stream.max_payload))

    def try_send(self, stream: StreamLedger, payload: bytes, headers: KafkaHeaders) -> bool:
        """Hand one chunk to the client; False when its local queue is full (backpressure)."""
        try:
            self._produce(self.topic, payload, stream.key, on_delivery=stream.on_delivery, headers=headers)
        except BufferError:
            self.ledger.stats.backpressure_waits += 1
            return False
        except KafkaException as exc:
            raise ProducerError(
                f"stream {stream.stream_id!r} seq {stream.next_seq}: {exc.args[0].str()}"
            ) from None
        stream.record_sent(len(payload))
        self._poll(0)
        return True

    def backpressure_deadline(self) -> float:
        """Monotonic time after which a write gives up waiting for room in the queue."""
        return time.monotonic() + self.settings.backpressure_timeout_s

    def check_backpressure_deadline(self, deadline: float) -> None:
        """Raise when the local queue has stayed full past `deadline`."""
        if time.monotonic() > deadline:
            raise ProducerError(
                f"the producer's local queue stayed full for {self.settings.backpressure_timeout_s:.0f}s "
                f"({len(self.client)} chunks waiting): is the broker reachable?"
            )

    def flush_limit(self, timeout: float | None) -> float:
        """Seconds a flush may wait: as asked, else long enough for librdkafka to give up."""
        return self.settings.delivery_timeout_ms / 1000 + 5 if timeout is None else timeout

    def stop_watching(self) -> None:
        """Stop reading the stream app's refusals (the producer is closing)."""
        if self.refusal_watch is not None:
            self.refusal_watch.stop()

    def warn_unclosed(self) -> None:
        """Log streams that were opened but never closed: they get no eos, as their end is unknown."""
        unclosed = [stream.stream_id for stream in self.ledger.streams.values() if not stream.closed]
        if unclosed:
            log.warning(
                "producer closing with %d stream(s) never closed (no eos sent): %s",
                len(unclosed),
                ", ".join(unclosed[:10]),
            )

    def _on_client_error(self, error: KafkaError) -> None:
        """Client-level errors (broker down, …): librdkafka retries; fatal ones end the producer."""
        if error.fatal():
            log.error("fatal Kafka producer error on topic %s: %s", self.topic, error.str())
            self.ledger.fatal = DeliveryFailure(
                "(all streams)", None, f"{error.name()}: {error.str()}", fatal=True
            )
        else:
            log.warning("Kafka producer on topic %s: %s (retrying)", self.topic, error.str())


class StreamHandle:
    """What the sync and async stream objects share: their ledger's public state."""

    __slots__ = ("_core", "_ledger")

    def __init__(self, core: ProducerCore, ledger: StreamLedger) -> None:
        self._core = core
        self._ledger = ledger

    @property
    def stream_id(self) -> str:
        """The stream's id (its Kafka key)."""
        return self._ledger.stream_id

    @property
    def next_seq(self) -> int:
        """`seq` the next chunk will carry (= chunks sent so far)."""
        return self._ledger.next_seq

    @property
    def closed(self) -> bool:
        """True once `close` has sent the eos message."""
        return self._ledger.closed


class ProducerHandle:
    """What the sync and async producers share: settings, the core and its totals.

    `kafka` and `topics` default to those of `settings` (which default to the env vars).
    """

    def __init__(
        self,
        kafka: KafkaSettings | None = None,
        topics: TopicSettings | None = None,
        settings: ProducerSettings | None = None,
    ) -> None:
        settings = settings or ProducerSettings()
        self._core = ProducerCore(settings, kafka or settings.kafka, topics or settings.topics)

    @property
    def stats(self) -> ProducerStats:
        """Running totals: chunks and bytes sent, delivered, failed, backpressure waits."""
        return self._core.ledger.stats

    @property
    def topic(self) -> str:
        """The chunks topic this producer writes to."""
        return self._core.topic

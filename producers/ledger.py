"""Bookkeeping of the producer SDK, apart from any Kafka client: each stream's next `seq`,
its header template, how many of its chunks are still in flight, and the failures that
delivery reports brought back, until a write, flush or close raises them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from producers.errors import DeliveryError, DeliveryFailure, ProducerError, StreamStateError
from streamscribe.contracts import ChunkHeaders, Encoding, InvalidChunk, StreamOptions
from streamscribe.contracts.chunk import parse_chunk_headers
from streamscribe.contracts.headers import KafkaHeaders

if TYPE_CHECKING:
    from confluent_kafka import KafkaError, Message

    from producers.refusals import Refusal


@dataclass(slots=True)
class ProducerStats:
    """Running totals of one producer (plain ints: counting costs next to nothing per write)."""

    chunks_sent: int = 0
    bytes_sent: int = 0
    chunks_delivered: int = 0
    delivery_failures: int = 0
    backpressure_waits: int = 0
    streams_opened: int = 0
    streams_closed: int = 0


class StreamLedger:
    """One stream's position and delivery state. Its `on_delivery` is the Kafka callback."""

    __slots__ = (
        "_format_headers",
        "_producer",
        "closed",
        "failures",
        "format",
        "key",
        "max_payload",
        "next_seq",
        "on_delivery",
        "sent",
        "settled",
        "stream_id",
    )

    def __init__(
        self, producer: ProducerLedger, stream_id: str, format_: ChunkHeaders, max_chunk_bytes: int
    ) -> None:
        self.stream_id = stream_id
        self.key = stream_id.encode()
        self.format = format_
        self.max_payload = max_chunk_bytes - max_chunk_bytes % format_.frame_bytes
        self.next_seq = 0
        self.sent = 0
        self.settled = 0
        self.failures: list[DeliveryFailure] = []
        self.closed = False
        self.on_delivery = self._on_delivery  # bound once: no per-message method object
        self._format_headers = [header for header in format_.to_kafka() if header[0] != "seq"]
        self._producer = producer

    @property
    def in_flight(self) -> int:
        """Chunks handed to the client whose delivery report has not come back yet."""
        return self.sent - self.settled

    def headers(self) -> KafkaHeaders:
        """Headers of the next data chunk (the contract's, with this stream's format)."""
        return [("seq", b"%d" % self.next_seq), *self._format_headers]

    def eos_headers(self) -> KafkaHeaders:
        """Headers of the stream's last message."""
        return ChunkHeaders(
            self.next_seq, self.format.sample_rate, self.format.channels, self.format.encoding, eos=True
        ).to_kafka()

    def record_sent(self, payload_bytes: int) -> None:
        """A chunk was accepted by the client: advance `seq`."""
        self.next_seq += 1
        self.sent += 1
        stats = self._producer.stats
        stats.chunks_sent += 1
        stats.bytes_sent += payload_bytes

    def check_writable(self) -> None:
        """Raise what went wrong so far for this stream, or if it is closed."""
        self._producer.absorb_refusals()
        if self._producer.fatal is not None:
            raise DeliveryError([self._producer.fatal])
        if self.failures:
            raise DeliveryError(self.take_failures())
        if self.closed:
            raise StreamStateError(f"stream {self.stream_id!r} is closed")

    def take_failures(self) -> list[DeliveryFailure]:
        """The failures not raised yet (each is raised once)."""
        failures, self.failures = self.failures, []
        self._producer.forget_if_done(self)
        return failures

    def close(self) -> None:
        """Mark the stream closed (its eos has been handed to the client); raise its failures."""
        self._producer.absorb_refusals()
        self.closed = True
        self._producer.stats.streams_closed += 1
        self._producer.forget_if_done(self)
        if self.failures:
            raise DeliveryError(self.take_failures())

    def check_delivered(self, waited: float) -> None:
        """After waiting for acknowledgements: raise failures, or what is still unacknowledged."""
        self._producer.absorb_refusals()
        if self.failures:
            raise DeliveryError(self.take_failures())
        if self.in_flight:
            raise ProducerError(
                f"stream {self.stream_id!r}: {self.in_flight} chunks unacknowledged after {waited:.0f}s"
            )

    def _on_delivery(self, err: KafkaError | None, _msg: Message) -> None:
        """Kafka delivery report: check the error first, count the chunk as settled.

        Reports carry no headers, but a stream's chunks share one partition and the idempotent
        producer reports them in order, so the n-th report of a stream is the chunk with seq n.
        """
        seq = self.settled
        self.settled += 1
        if err is not None:
            self._producer.record_failure(self, err, seq)
        else:
            self._producer.stats.chunks_delivered += 1
        if self.closed:
            self._producer.forget_if_done(self)


@dataclass
class ProducerLedger:
    """Every stream of one producer that is open, in flight or holding unraised failures."""

    max_chunk_bytes: int
    stats: ProducerStats = field(default_factory=ProducerStats)
    streams: dict[str, StreamLedger] = field(default_factory=dict)
    fatal: DeliveryFailure | None = None
    refusals: Callable[[], list[Refusal]] | None = None  # the stream app's refusals read since the last call

    def absorb_refusals(self) -> None:
        """Keep the stream app's refusals of chunks of open streams as their failures (raised like Kafka's);
        a refused second copy of a chunk (`is_redelivery`) is no failure: its first copy was accepted."""
        if self.refusals is None:
            return
        for refusal in self.refusals():
            stream = self.streams.get(refusal.stream_id)
            if stream is not None and not refusal.is_redelivery:
                self.stats.delivery_failures += 1
                stream.failures.append(DeliveryFailure(refusal.stream_id, refusal.seq, str(refusal)))

    def open(
        self, stream_id: str, sample_rate: int, channels: int, encoding: Encoding | str,
        options: StreamOptions = StreamOptions(),
    ) -> StreamLedger:
        """A ledger for a new stream, after checking its format and options against the contract."""
        if not stream_id:
            raise StreamStateError("stream_id must not be empty (it is the message key)")
        current = self.streams.get(stream_id)
        if current is not None and not current.closed:
            raise StreamStateError(f"stream {stream_id!r} is already open in this producer")
        try:
            format_ = parse_chunk_headers(
                ChunkHeaders(0, sample_rate, channels, Encoding(encoding), options=options).to_kafka()
            )
        except (InvalidChunk, ValueError) as exc:
            raise StreamStateError(f"stream {stream_id!r}: {exc}") from None
        ledger = StreamLedger(self, stream_id, format_, self.max_chunk_bytes)
        self.streams[stream_id] = ledger
        self.stats.streams_opened += 1
        return ledger

    def record_failure(self, stream: StreamLedger, err: KafkaError, seq: int) -> None:
        """Keep a delivery failure until a write, flush or close raises it."""
        failure = DeliveryFailure(stream.stream_id, seq, f"{err.name()}: {err.str()}", err.fatal())
        self.stats.delivery_failures += 1
        stream.failures.append(failure)
        if failure.fatal:
            self.fatal = failure

    def forget_if_done(self, stream: StreamLedger) -> None:
        """Drop a closed stream once all its chunks are settled and its failures raised."""
        done = stream.closed and stream.in_flight == 0 and not stream.failures
        if done and self.streams.get(stream.stream_id) is stream:
            del self.streams[stream.stream_id]

    def check_flushed(self, unacknowledged: int, waited: float) -> None:
        """After a flush: raise every failure not raised yet, or what is still unacknowledged."""
        self.absorb_refusals()
        failures = [failure for stream in list(self.streams.values()) for failure in stream.take_failures()]
        if failures:
            raise DeliveryError(failures)
        if self.fatal is not None:
            raise DeliveryError([self.fatal])
        if unacknowledged:
            raise ProducerError(f"{unacknowledged} chunks still unacknowledged after {waited:.0f}s")

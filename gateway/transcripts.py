"""Results for the gateway's streams: a few `transcripts` partitions read by manual assignment.

One librdkafka consumer per gateway, in one thread (librdkafka's poll blocks; the event loop
must not), with no consumer group and no commits: the gateway is stateless. It reads its home
partitions (see gateway.partitions) from their end at start, and any other partition while a
stream with a client-supplied id needs it, from that partition's end at the time the stream
starts (fetched synchronously before the stream's first chunk is produced, so none of its
results can come before it). It reads through the SDK's own `TranscriptConsumer` (committed
results, one error policy, like the transcript reader); results are counted and handed to the
event loop in one call per fetched batch; there each stream's queue gets its own results, copies
dropped (producers.assembly).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass, field

from confluent_kafka import KafkaException

from gateway.metrics import GatewayMetrics
from gateway.partitions import PartitionRefs
from producers.assembly import StreamText
from producers.transcript_consumer import TranscriptConsumer, TranscriptSourceError
from streamscribe.contracts import Transcript
from streamscribe.contracts.transcript import transcript_partition
from streamscribe.settings import KafkaSettings

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
BATCH = 500
KAFKA_TIMEOUT_S = 10.0


@dataclass
class Subscription:
    """One stream's results as they arrive, each once."""

    stream_id: str
    partition: int
    queue: asyncio.Queue[Transcript] = field(default_factory=asyncio.Queue)
    seen: StreamText = field(init=False)

    def __post_init__(self) -> None:
        self.seen = StreamText(self.stream_id)

    def offer(self, transcript: Transcript) -> None:
        """Queue a result unless it is a copy (or a preview of a segment already final)."""
        if self.seen.add(transcript):
            self.queue.put_nowait(transcript)


@dataclass
class _Change:
    partition: int
    add: bool
    done: asyncio.Future[None] | None


class TranscriptRouter:
    """Reads the gateway's partitions of `transcripts` and routes each result to its stream."""

    def __init__(self, kafka: KafkaSettings, topic: str, partitions: int, home: frozenset[int],
                 metrics: GatewayMetrics) -> None:
        self.topic = topic
        self.metrics = metrics
        self.partitions = partitions
        self.refs = PartitionRefs(home)
        self.read = 0  # results read from Kafka (all streams of the partitions read)
        self.routed = 0  # results that belonged to a stream of this gateway
        self._subscriptions: dict[str, Subscription] = {}
        self._changes: queue.SimpleQueue[_Change] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._consumer = TranscriptConsumer(kafka, topic, **{"enable.auto.offset.store": False,
                                                              "fetch.wait.max.ms": 50})  # no group joined
        self._thread = threading.Thread(target=self._run, name="gateway-transcripts", daemon=True)
        self.error: BaseException | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Assign the home partitions at their end offsets and start reading."""
        self._loop = loop
        self._consumer.assign_at_end(sorted(self.refs.home))
        self.metrics.partitions_read.set(len(self.refs.reading))
        self._thread.start()

    def stop(self) -> None:
        """Stop reading and close the consumer."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(KAFKA_TIMEOUT_S)

    @property
    def healthy(self) -> bool:
        """True while the reading thread runs."""
        return self._thread.is_alive() and self.error is None

    async def subscribe(self, stream_id: str) -> Subscription:
        """Start routing `stream_id`'s results; returns once its partition is being read."""
        partition = transcript_partition(stream_id, self.partitions)
        subscription = Subscription(stream_id, partition)
        self._subscriptions[stream_id] = subscription
        if self.refs.acquire(partition):
            done = asyncio.get_running_loop().create_future()
            self._changes.put(_Change(partition, True, done))
            try:
                await asyncio.wait_for(done, KAFKA_TIMEOUT_S)
            except BaseException:
                self.unsubscribe(subscription)
                raise
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Stop routing a stream's results (its partition is dropped when nobody needs it)."""
        if self._subscriptions.get(subscription.stream_id) is subscription:
            del self._subscriptions[subscription.stream_id]
        if self.refs.release(subscription.partition):
            self._changes.put(_Change(subscription.partition, False, None))

    def is_streaming(self, stream_id: str) -> bool:
        """True while a stream of this id goes through this gateway."""
        return stream_id in self._subscriptions

    def _apply_changes(self) -> None:
        while True:
            try:
                change = self._changes.get_nowait()
            except queue.Empty:
                return
            try:
                if change.add:
                    self._consumer.assign_at_end([change.partition])
                else:
                    self._consumer.release(change.partition)
                outcome: BaseException | None = None
            except KafkaException as exc:
                outcome = TranscriptSourceError(f"cannot read {self.topic}[{change.partition}]: {exc}")
            self.metrics.partitions_read.set(len(self.refs.reading))
            if change.done is not None:
                self._call_soon(_settle, change.done, outcome)

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                self._apply_changes()
                batch = self._consumer.consume(BATCH, POLL_SECONDS)
                if batch:
                    self.read += len(batch)
                    self.metrics.transcripts_read.inc(len(batch))
                    self._call_soon(self._route, batch)
        except BaseException as exc:  # noqa: BLE001 - kept for readiness; logged once
            log.exception("the gateway's transcript reader failed")
            self.error = exc
        finally:
            self._consumer.close()

    def _call_soon(self, callback, *args) -> None:  # noqa: ANN001
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(callback, *args)

    def _route(self, batch: list[Transcript]) -> None:
        for transcript in batch:
            subscription = self._subscriptions.get(transcript.stream_id)
            if subscription is not None:
                self.routed += 1
                subscription.offer(transcript)


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


def topic_partitions(kafka: KafkaSettings, topic: str) -> int:
    """The partition count of `topic` (TranscriptSourceError when it does not exist)."""
    from infra.topics import partition_counts  # noqa: PLC0415

    counts = partition_counts(kafka, [topic])
    if not counts.get(topic):
        raise TranscriptSourceError(f"topic {topic!r} does not exist (start the stack or create the topics)")
    return counts[topic]

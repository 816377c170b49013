"""The recognizer worker: `audio.segments` → model → `transcripts`, exactly once, with Kafka transactions.

Each worker is one member of the recognizer consumer group and owns one transactional producer
(`transactional.id` = group + instance id). Per batch it runs consume → recognise → begin
transaction → produce transcripts (and refused messages) → `send_offsets_to_transaction` with
the consumer's positions and group metadata → commit. The input offsets are committed in the
same transaction as the output, so:

- a worker that dies mid-batch leaves an open transaction that the broker aborts (after
  `transaction.timeout.ms`); its partitions go to another member, which re-reads from the last
  committed offsets and writes the transcripts again, once;
- consumers reading `transcripts` with `isolation.level=read_committed` never see the dead
  worker's uncommitted (aborted) output, so every segment's transcript appears exactly once;
- the group metadata passed with the offsets lets the broker fence a worker that lost its
  partitions in a rebalance (its commit fails, it aborts and re-reads).

On any failure inside the transaction the worker aborts it and rewinds its consumer to the
first offset of the batch on each partition, then carries on. A producer in a fatal state (a
broker restart can leave it so, and a transactional call stuck past its bound counts as fatal)
is replaced by a new one under the same transactional.id, which fences the old one; fenced again
right after such a renewal means another live instance holds the id: the worker stops with
`RecognizerError`.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from confluent_kafka import (
    TIMESTAMP_NOT_AVAILABLE,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)

from recognizer.engine import RecognitionEngine
from recognizer.redelivery import WrittenFinals
from recognizer.settings import RecognizerSettings
from recognizer.windows import previews_to_skip
from streamscribe.contracts import SEGMENT_SAMPLE_RATE, Segment, rejection_headers
from streamscribe.contracts.segment import InvalidSegment, decode_segment
from streamscribe.contracts.transcript import TRANSCRIPT_PARTITIONER
from streamscribe.errors import StreamscribeError

log = logging.getLogger(__name__)
FENCED = frozenset({KafkaError._FENCED, KafkaError.PRODUCER_FENCED})
RENEWAL_GRACE_SECONDS = 30.0

KAFKA_CALL_TIMEOUT = 30.0
FIRST_RETRY_SECONDS = 0.2
MAX_RETRY_SECONDS = 5.0
IDLE_POLL_SECONDS = 0.2  # longest wait for a first message before the loop looks at stop() again
READ_AHEAD = 8  # a transaction reads up to this many times max_batch × batches_per_transaction messages


class RecognizerError(StreamscribeError):
    """The worker cannot go on (fenced by a newer instance, or a fatal Kafka error)."""


@dataclass(frozen=True, slots=True)
class Refused:
    """A message that broke the segment contract, and why."""

    message: Message
    error: InvalidSegment


@dataclass(frozen=True, slots=True)
class Accepted:
    """A message that holds a valid segment."""

    message: Message
    segment: Segment


@dataclass(frozen=True, slots=True)
class Batch:
    """One transaction's input: every message read, and those holding valid segments or refused."""

    messages: list[Message]
    accepted: list[Accepted]
    refused: list[Refused]
    skipped: dict[int, str]  # positions in `accepted` of the previews not worth recognising, with why
    read_at_ms: float  # when its first read returned


def _source(message: Message) -> tuple[str, int, int]:
    """(topic, partition, offset) of a message, as rejection headers and logs name it."""
    return (message.topic(), message.partition(), message.offset())


def triage(messages: Sequence[Message], max_segment_seconds: float) -> tuple[list[Accepted], list[Refused]]:
    """Split consumed messages into valid segments and refused ones (errors raise if fatal)."""
    accepted: list[Accepted] = []
    refused: list[Refused] = []
    for message in messages:
        error = message.error()
        if error is not None:
            if error.fatal():
                raise RecognizerError(f"fatal consumer error: {error}")
            log.warning("consumer error at %s/%s/%s: %s", *_source(message), error)
            continue
        try:
            segment = decode_segment(message.key(), message.value(), message.headers(), max_segment_seconds)
        except InvalidSegment as exc:
            log.warning("refusing segment at %s/%s/%s (key %r): %s", *_source(message), message.key(), exc)
            refused.append(Refused(message, exc))
            continue
        accepted.append(Accepted(message, segment))
    return accepted, refused


def backlog(positions: Sequence[TopicPartition], high_watermarks: Sequence[int]) -> int:
    """Messages not read yet: per partition, its high watermark minus the consumer's position
    (partitions whose position or watermark is not known yet count as none)."""
    return sum(max(0, high - tp.offset) for tp, high in zip(positions, high_watermarks, strict=True)
               if tp.offset >= 0 and high >= 0)


def first_offsets(messages: Sequence[Message]) -> list[TopicPartition]:
    """Per partition, the lowest offset among `messages`: where to rewind to re-read them."""
    lowest: dict[tuple[str, int], int] = {}
    for message in messages:
        key = (message.topic(), message.partition())
        lowest[key] = min(lowest.get(key, message.offset()), message.offset())
    return [TopicPartition(topic, partition, offset) for (topic, partition), offset in lowest.items()]


class RecognizerWorker:
    """One group member: consumes segments, recognises them in batches, writes transactionally."""

    def __init__(self, settings: RecognizerSettings, engine: RecognitionEngine) -> None:
        self.settings = settings
        self.engine = engine
        self.metrics = engine.metrics  # one metrics object per process: the engine's
        self._stopping = threading.Event()
        self._retry_seconds = FIRST_RETRY_SECONDS
        self._renewed_at = -math.inf  # when the producer was last replaced after a fatal error
        # a transactional call's own timeout, and when it is taken as stuck (`TransactionCalls`)
        self._call_timeout = settings.transaction_call_timeout_ms / 1000
        self._stuck_after = self._call_timeout + settings.stuck_call_grace_ms / 1000
        self._calls = TransactionCalls(f"kafka-transaction-call-{settings.instance_id}")
        self._written = WrittenFinals(settings.redelivery_memory)
        self.ready = threading.Event()  # set once subscribed and the producer's transactions are initialised

    def stop(self) -> None:
        """Ask the loop to finish its current batch and return."""
        self._stopping.set()

    def _consumer(self) -> Consumer:
        return Consumer(
            self.settings.kafka.client_config(
                **{
                    "group.id": self.settings.group_id,
                    "client.id": self.settings.transactional_id,
                    "enable.auto.commit": False,
                    "isolation.level": "read_committed",
                    "auto.offset.reset": "earliest",
                    "session.timeout.ms": self.settings.session_timeout_ms,
                    "max.poll.interval.ms": self.settings.max_poll_interval_ms,
                }
            )
        )

    def _producer(self) -> Producer:
        return Producer(
            self.settings.kafka.client_config(
                **{
                    "transactional.id": self.settings.transactional_id,
                    "partitioner": TRANSCRIPT_PARTITIONER,  # readers compute a stream's partition
                    "transaction.timeout.ms": self.settings.transaction_timeout_ms,
                    "linger.ms": 5,
                    "compression.type": "zstd",
                }
            )
        )

    def run(self) -> None:
        """Process batches until `stop()` (or a fatal error, raised as RecognizerError)."""
        if self.settings.torch_threads:
            self.engine.model.use_cpu_threads(self.settings.torch_threads)
        consumer, producer = self._consumer(), self._producer()
        try:
            self._init_transactions(producer)
            consumer.subscribe([self.settings.topics.segments])
            self.ready.set()
            self.metrics.ready.set(1)
            log.info(
                "recognizer %s reading %s (group %s), writing %s",
                self.settings.instance_id, self.settings.topics.segments, self.settings.group_id,
                self.settings.topics.transcripts,
            )
            while not self._stopping.is_set():
                batch = self._read(consumer)
                self.metrics.backlog.set(len(batch.messages) + self._unread(consumer))
                if batch.messages:
                    producer = self._process(consumer, producer, batch)
        except KafkaException as exc:
            raise RecognizerError(f"Kafka failed for recognizer {self.settings.instance_id}: {exc}") from None
        finally:
            self._calls.close()
            consumer.close()
            try:
                producer.flush(KAFKA_CALL_TIMEOUT)
            except KafkaException as exc:  # a producer in a fatal state: nothing left to deliver
                log.warning("recognizer %s: producer not flushed: %s", self.settings.instance_id, exc)

    def _read(self, consumer: Consumer) -> Batch:
        """One transaction's messages: the first one that arrives (none after IDLE_POLL_SECONDS), then
        up to `max_batch` × `batches_per_transaction` in all, waiting at most `max_wait_ms` more to
        fill them; then, while previews that will be skipped leave room for segments worth
        recognising, more of what is already fetched (no waiting), up to READ_AHEAD times as many
        messages. Under load the forward passes then hold finals and fresh previews instead of
        mostly stale previews, and skipping a preview costs only reading it. The batch carries the
        previews to skip as found after its last read, so they are not worked out again."""
        most = self.settings.max_batch * self.settings.batches_per_transaction
        messages = consumer.consume(num_messages=1, timeout=IDLE_POLL_SECONDS)
        if messages and most > 1:  # what came with it, and what comes within max_wait_ms
            messages += consumer.consume(num_messages=most - 1, timeout=self.settings.max_wait_ms / 1000)
        read_at_ms = time.time() * 1000
        accepted, refused = triage(messages, self.settings.max_segment_seconds)
        skipped = self._skipped(accepted)  # renewed as the batch grows: the read-ahead and `_process` go by it
        while len(messages) < READ_AHEAD * most and len(accepted) - len(skipped) < most:
            more = consumer.consume(num_messages=min(most, READ_AHEAD * most - len(messages)), timeout=0)
            if not more:
                break
            messages += more
            more_accepted, more_refused = triage(more, self.settings.max_segment_seconds)
            accepted += more_accepted
            refused += more_refused
            skipped = self._skipped(accepted)
        return Batch(messages, accepted, refused, skipped, read_at_ms)

    def _skipped(self, accepted: Sequence[Accepted]) -> dict[int, str]:
        """Positions of the previews not worth recognising, with why (recognizer.windows)."""
        return previews_to_skip([item.segment for item in accepted], time.time() * 1000,
                                self.settings.max_preview_lag_ms)

    def _process(self, consumer: Consumer, producer: Producer, batch: Batch) -> Producer:
        """Recognise one batch and write it in one transaction; returns the producer to use next
        (a new one after a fatal transactional error that a restarting broker can cause)."""
        messages, accepted, refused, skipped = batch.messages, batch.accepted, batch.refused, batch.skipped
        if skipped:  # previews give way to newer segments and, when behind, to finals (recognizer.windows)
            for reason, count in Counter(skipped.values()).items():
                self.metrics.previews_skipped.labels(reason=reason).inc(count)
            accepted = [item for position, item in enumerate(accepted) if position not in skipped]
        copies = self._written.copies([item.segment for item in accepted])
        if copies:  # a stream app's replay: these finals' results are written already (recognizer.redelivery)
            accepted = [item for position, item in enumerate(accepted) if position not in copies]
        try:
            transcripts = self.engine.recognize([item.segment for item in accepted])
        except Exception as exc:  # the model failed (e.g. out of memory): let another member retry
            self.metrics.errors.labels(kind="recognition_failed").inc()
            log.exception("recognition failed for %d segments from %s", len(accepted),
                          sorted({(m.topic(), m.partition()) for m in messages}))
            raise RecognizerError(f"recognition failed: {exc}") from exc
        try:
            producer.begin_transaction()
            for item in refused:
                headers = rejection_headers(item.message.headers(), item.error, _source(item.message))
                _produce(producer, self.settings.topics.rejected, item.message.key(), item.message.value(), headers)
            for item, transcript in zip(accepted, transcripts, strict=True):
                _produce(producer, self.settings.topics.transcripts, item.message.key(), transcript.to_json_bytes())
            positions = [tp for tp in consumer.position(consumer.assignment()) if tp.offset >= 0]
            group = consumer.consumer_group_metadata()
            self._calls.run(lambda: producer.send_offsets_to_transaction(positions, group, self._call_timeout),
                            self._stuck_after)
            self._calls.run(lambda: producer.commit_transaction(self._call_timeout), self._stuck_after)
        except KafkaException as exc:
            producer = self._abort_and_rewind(consumer, producer, messages, exc.args[0])
            self._stopping.wait(self._retry_seconds)  # back off: the cause may take a while to clear
            self._retry_seconds = min(2 * self._retry_seconds, MAX_RETRY_SECONDS)
            return producer
        self._retry_seconds = FIRST_RETRY_SECONDS
        self.metrics.transaction_messages.observe(len(messages))
        self.metrics.finals_redelivered.inc(len(copies))
        self._written.remember(item.segment for item in accepted)
        self._record_delivered(accepted, refused, batch.read_at_ms)
        return producer

    @staticmethod
    def _unread(consumer: Consumer) -> int:
        """Segments in the assigned partitions not consumed yet, from the latest fetches' watermarks
        (right after a rewind a partition's position is unknown until it is read again)."""
        positions = consumer.position(consumer.assignment())
        highs = [consumer.get_watermark_offsets(tp, cached=True)[1] for tp in positions]
        return backlog(positions, highs)

    def _abort_and_rewind(
        self, consumer: Consumer, producer: Producer, messages: list[Message], error: KafkaError
    ) -> Producer:
        """Abort the open transaction and seek back so the batch is read again; returns the producer.

        A fatal error (a broker restart can leave the producer's transaction state invalid, or
        have the coordinator report it fenced) is survived with a new producer under the same
        transactional.id: its `init_transactions` aborts what the old one left open, so nothing
        is written twice. Fenced again within RENEWAL_GRACE_SECONDS of a renewal means another
        live instance holds the id: this worker ends.
        """
        self.metrics.errors.labels(kind="transaction_aborted").inc()
        log.warning("aborting the transaction of %d messages, they will be read again: %s", len(messages), error)
        if not error.fatal():
            try:
                self._calls.run(lambda: producer.abort_transaction(self._call_timeout), self._stuck_after)
            except KafkaException as exc:  # the abort itself may find the producer in a fatal state
                error = exc.args[0]
                if not error.fatal():
                    raise RecognizerError(f"recognizer {self.settings.instance_id} could not abort: {exc}") from None
        if error.code() in FENCED and time.monotonic() - self._renewed_at < RENEWAL_GRACE_SECONDS:
            self.metrics.errors.labels(kind="fatal").inc()  # fenced again at once: another instance holds the id
            raise RecognizerError(f"recognizer {self.settings.instance_id} cannot continue: {error}")
        if error.fatal():
            producer = self._renewed_producer(producer)
            self._renewed_at = time.monotonic()
        self._rewind(consumer, messages)
        return producer

    def _renewed_producer(self, old: Producer) -> Producer:
        """A new transactional producer in place of one in a fatal state."""
        log.warning("recognizer %s: producer in a fatal state, starting a new one", self.settings.instance_id)
        old.purge()
        producer = self._producer()
        try:
            self._init_transactions(producer)
        except KafkaException as exc:
            raise RecognizerError(f"recognizer {self.settings.instance_id} could not restart its producer: {exc}") \
                from None
        return producer

    def _init_transactions(self, producer: Producer) -> None:
        """Register the transactional.id (fencing any older producer of it), bounded like every
        transactional call: a stuck one raises a fatal KafkaException instead of hanging the worker."""
        self._calls.run(lambda: producer.init_transactions(self._call_timeout), self._stuck_after)

    @staticmethod
    def _rewind(consumer: Consumer, messages: list[Message]) -> None:
        """Seek each still-assigned partition back to the batch's first offset."""
        assigned = {(tp.topic, tp.partition) for tp in consumer.assignment()}
        for position in first_offsets(messages):
            if (position.topic, position.partition) in assigned:
                consumer.seek(position)

    def _record_delivered(self, accepted: list[Accepted], refused: list[Refused], read_at_ms: float) -> None:
        now_ms = time.time() * 1000
        for item in accepted:
            segment = item.segment
            self.metrics.segments.labels(final=str(segment.headers.final).lower()).inc()
            self.metrics.audio_seconds.inc(segment.num_samples / SEGMENT_SAMPLE_RATE)
            if segment.headers.produced_at_ms > 0:
                self.metrics.end_to_end_latency.observe(max(0.0, now_ms - segment.headers.produced_at_ms) / 1000)
                kind, written_ms = item.message.timestamp()
                if kind != TIMESTAMP_NOT_AVAILABLE:
                    for stage, seconds in stage_seconds(segment.headers.produced_at_ms, written_ms, read_at_ms,
                                                        now_ms).items():
                        self.metrics.stage_seconds.labels(stage=stage).observe(seconds)
        if refused:
            self.metrics.errors.labels(kind="rejected").inc(len(refused))


def stage_seconds(produced_at_ms: float, written_ms: float, read_at_ms: float, committed_ms: float) -> dict[str, float]:
    """Where a segment's end-to-end time went: the stream app (newest chunk → segment written to
    Kafka), the queue (written → read by this worker, batch wait included) and the recognizer
    (read → its transcript committed: forward pass, decoding, transaction). Clock steps between
    the stream app's host and this one are clamped to 0."""
    moments = pairwise((produced_at_ms, written_ms, read_at_ms, committed_ms))
    return {stage: max(0.0, later - earlier) / 1000
            for stage, (earlier, later) in zip(("stream_app", "queue", "recognize"), moments, strict=True)}


class WorkerThread:
    """A worker running in a background thread (the CLI, benchmarks, tests).

    The `recognizer` command runs its worker this way too: on the 2-core development machine
    the model ran 2-3x faster in a second thread than in Python's main thread (measured with
    torch's CPU kernels under load from other processes).
    """

    def __init__(self, worker: RecognizerWorker) -> None:
        self.worker = worker
        self.error: BaseException | None = None  # what ended the worker, if it failed
        self._thread = threading.Thread(target=self._run, name=f"recognizer-{worker.settings.instance_id}",
                                        daemon=True)

    def _run(self) -> None:
        try:
            self.worker.run()
        except RecognizerError as exc:
            self.error = exc
        except BaseException as exc:  # noqa: BLE001 - kept for the owner of the thread to inspect
            log.exception("recognizer worker failed")
            self.error = exc

    def start(self, timeout: float = 60.0) -> None:
        """Start, and return once the worker has subscribed (RecognizerError if it did not)."""
        self._thread.start()
        if not self.worker.ready.wait(timeout):
            self.stop()
            raise RecognizerError(f"the recognizer did not start within {timeout:g}s: {self.error}")

    def stop(self, timeout: float = 60.0) -> None:
        """Ask the worker to stop and wait for it."""
        self.worker.stop()
        self._thread.join(timeout)

    def wait(self) -> None:
        """Block until the worker ends (signal handlers still run); re-raise what ended it."""
        while self._thread.is_alive():
            self._thread.join(0.5)
        if self.error is not None:
            raise self.error


class TransactionCalls:
    """Runs the producer's transactional calls in one persistent call thread, and gives up on a call
    that has not returned `stuck_after` seconds after it was handed over (its own timeout plus a
    grace): during a rolling broker restart librdkafka's send_offsets_to_transaction and
    abort_transaction have been seen blocking for minutes past their timeout (the consumer then
    leaves the group; cf. librdkafka issue 3779). A stuck call raises a fatal error, so the worker
    renews its producer under the same transactional.id, which fences the stuck one. The stuck
    thread is left to finish its call and then ends; the next call starts a new thread.

    Used from the worker's thread only; `close()` ends the call thread.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._thread: threading.Thread | None = None
        self._queue: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()  # the current call thread's

    def run(self, call: Callable[[], object], stuck_after: float) -> None:
        """Run `call` in the call thread; re-raise what it raised, or a fatal KafkaException
        (`_TIMED_OUT`) if it is still running after `stuck_after` seconds."""
        if self._thread is None:
            self._queue = queue.SimpleQueue()  # a new one: the old holds the end marker of the thread let go
            # a daemon: a call stuck at exit does not hold the process
            self._thread = threading.Thread(target=_serve, args=(self._queue,), name=self._name, daemon=True)
            self._thread.start()
        job = _Call(call)
        self._queue.put(job)
        if not job.finished.wait(stuck_after):
            self._let_go()
            raise KafkaException(KafkaError(KafkaError._TIMED_OUT, "transactional call stuck past its timeout",
                                            fatal=True))
        if job.error is not None:
            raise job.error

    def close(self, timeout: float = KAFKA_CALL_TIMEOUT) -> None:
        """End the call thread (it is idle: every call has returned or been given up)."""
        thread = self._let_go()
        if thread is not None:
            thread.join(timeout)

    def _let_go(self) -> threading.Thread | None:
        """Tell the current call thread to end once its call (if any) returns, and forget it."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
        return thread


class _Call:
    """One call handed to the call thread, and its outcome."""

    __slots__ = ("call", "error", "finished")

    def __init__(self, call: Callable[[], object]) -> None:
        self.call = call
        self.error: BaseException | None = None
        self.finished = threading.Event()


def _serve(calls: queue.SimpleQueue[_Call | None]) -> None:
    """The call thread: run the calls handed over until told to end (None)."""
    while (job := calls.get()) is not None:
        try:
            job.call()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            job.error = exc
        finally:
            job.finished.set()


def _produce(producer: Producer, topic: str, key: bytes | None, value: bytes | None,
             headers: list[tuple[str, bytes]] | None = None) -> None:
    """Produce one message, waiting for room when the local queue is full."""
    while True:
        try:
            producer.produce(topic, value=value, key=key, headers=headers)
            producer.poll(0)
            return
        except BufferError:
            producer.poll(0.1)

"""The stream app's refusals of this producer's chunks, read back from `audio.rejected`.

A chunk Kafka acknowledged can still be refused by the stream app: most often because the stream
was closed as idle (its producer sent nothing for the idle timeout while the stream app was
reading, e.g. a network cut on the producer's side only), after which every later chunk is
rejected as `after_eos`. The stream app cannot answer the producer directly, so the SDK reads
`audio.rejected` from its end in a daemon thread (`RefusalWatch`: no consumer group, partitions
assigned directly) and keeps the refusals of its own open streams; the next write, close, flush
or wait of that stream raises them as a `DeliveryError`, as it does for chunks Kafka refused.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from queue import Empty, SimpleQueue

from confluent_kafka import OFFSET_END, Consumer, KafkaException, TopicPartition

from streamscribe.contracts.rejection import RejectReason
from streamscribe.settings import KafkaSettings

log = logging.getLogger(__name__)

POLL_S = 0.5


@dataclass(frozen=True, slots=True)
class Refusal:
    """One chunk the stream app refused: which stream and seq, why (a RejectReason value) and its detail."""

    stream_id: str
    seq: int | None
    reason: str
    detail: str

    def __str__(self) -> str:
        return f"refused by the stream app ({self.reason}): {self.detail}"

    @property
    def is_redelivery(self) -> bool:
        """A second copy of a chunk the stream app had already accepted (`seq_repeat`): Kafka delivered it
        twice (an idempotent producer can, after losing its broker state in an outage), so no audio is
        missing. The SDK numbers each stream's chunks itself, so a repeat from it is always such a copy."""
        return self.reason == RejectReason.SEQ_REPEAT.value


def refusal_of(key: bytes | None, headers: list[tuple[str, bytes | None]] | None, chunks_topic: str) -> Refusal | None:
    """The refusal a record of `audio.rejected` stands for, if it is a chunk of `chunks_topic` (the topic
    also holds segments the recognizer refused, and other pipelines' chunks)."""
    values = {name: (value or b"").decode("utf-8", "replace") for name, value in headers or []}
    source = values.get("source", "")
    if key is None or "reject_reason" not in values or source.rsplit("/", 2)[0] != chunks_topic:
        return None
    seq = values.get("seq", "")
    return Refusal(key.decode("utf-8", "replace"), int(seq) if seq.isdigit() else None, values["reject_reason"],
                   values.get("reject_detail", ""))


class RefusalWatch:
    """Tails `rejected_topic` in a daemon thread and queues the refusals of streams `wanted` says are ours."""

    def __init__(self, kafka: KafkaSettings, rejected_topic: str, chunks_topic: str,
                 wanted: Callable[[str], bool]) -> None:
        self._kafka = kafka
        self._topic = rejected_topic
        self._chunks_topic = chunks_topic
        self._wanted = wanted
        self._queue: SimpleQueue[Refusal] = SimpleQueue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="producer-refusals", daemon=True)

    def start(self) -> RefusalWatch:
        """Start tailing (refusals from now on)."""
        self._thread.start()
        return self

    def drain(self) -> list[Refusal]:
        """The refusals read since the last drain (called from the producer's own thread)."""
        refusals = []
        while True:
            try:
                refusals.append(self._queue.get_nowait())
            except Empty:
                return refusals

    def stop(self, timeout: float = 1.0) -> None:
        """Stop tailing (the thread is a daemon: a consumer stuck on a dead broker does not hold the exit)."""
        self._stopping.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        consumer = Consumer(self._kafka.client_config(**{
            "group.id": f"streamscribe-producer-refusals-{uuid.uuid4().hex[:12]}",  # never joined: assign only
            "enable.auto.commit": False,
            "logger": logging.getLogger("producers.librdkafka"),
        }))
        try:
            if not self._assign_at_end(consumer):
                return
            while not self._stopping.is_set():
                message = consumer.poll(POLL_S)
                if message is None or message.error() is not None:
                    continue
                refusal = refusal_of(message.key(), message.headers(), self._chunks_topic)
                if refusal is not None and self._wanted(refusal.stream_id):
                    level = logging.INFO if refusal.is_redelivery else logging.ERROR
                    log.log(level, "stream %s seq %s: %s", refusal.stream_id, refusal.seq, refusal)
                    self._queue.put(refusal)
        except KafkaException as exc:
            log.warning("reading %s for refusals of this producer's chunks stopped: %s", self._topic, exc)
        finally:
            consumer.close()

    def _assign_at_end(self, consumer: Consumer) -> bool:
        """Read every partition of the topic from its end; False (logged) when it cannot be read."""
        while not self._stopping.is_set():
            try:
                topic = consumer.list_topics(self._topic, timeout=1).topics.get(self._topic)
            except KafkaException:
                continue  # the broker is not reachable yet: try again
            if topic is None or topic.error is not None or not topic.partitions:
                log.warning("cannot read %s (%s): refusals of this producer's chunks will not be reported",
                            self._topic, None if topic is None else topic.error)
                return False
            consumer.assign([TopicPartition(self._topic, partition, OFFSET_END) for partition in topic.partitions])
            return True
        return False

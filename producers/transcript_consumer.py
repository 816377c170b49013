"""The one Kafka client for the `transcripts` topic: the SDK's reader and the gateway's router both use it.

It reads committed results only (`isolation.level=read_committed`: what aborted recognizer
transactions wrote is never seen) and parses every record under one error policy
(`parse_result`). Two ways to follow the topic:
- `subscribe()`: a consumer group member (the SDK's `TranscriptReader`; an anonymous group that
  commits nothing unless a `group_id` is given);
- `assign_at_end(partitions)` / `release(partition)`: chosen partitions from their current end,
  no group (the gateway reads only the partitions of its own streams).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from types import TracebackType

from confluent_kafka import Consumer, Message, TopicPartition
from pydantic import ValidationError

from streamscribe.contracts import Transcript
from streamscribe.errors import StreamscribeError
from streamscribe.settings import KafkaSettings

log = logging.getLogger(__name__)

KAFKA_TIMEOUT_S = 10.0


class TranscriptSourceError(StreamscribeError):
    """The transcripts topic cannot be read."""


def parse_result(message: Message) -> Transcript | None:
    """One consumed `transcripts` record as a result. A consumer error is logged and skipped unless
    librdkafka calls it fatal (TranscriptSourceError); a malformed record is logged with where it
    is and skipped."""
    error = message.error()
    if error is not None:
        if error.fatal():
            raise TranscriptSourceError(f"reading transcripts failed: {error}")
        log.warning("transcript consumer: %s", error)
        return None
    try:
        return Transcript.from_json_bytes(message.value() or b"")
    except ValidationError as exc:
        log.warning(
            "skipping a malformed result at %s/%s/%s: %s",
            message.topic(), message.partition(), message.offset(), exc.errors()[0]["msg"],
        )
        return None


class TranscriptConsumer:
    """Results of the `transcripts` topic, parsed; see the module docstring for the two modes."""

    def __init__(self, kafka: KafkaSettings, topic: str, group_id: str | None = None,
                 from_beginning: bool = True, **overrides: object) -> None:
        self.topic = topic
        self._consumer = Consumer(kafka.client_config(**{
            "group.id": group_id or f"streamscribe-reader-{uuid.uuid4().hex[:12]}",
            "enable.auto.commit": group_id is not None,
            "isolation.level": "read_committed",
            "auto.offset.reset": "earliest" if from_beginning else "latest",
            **overrides,
        }))

    def __enter__(self) -> TranscriptConsumer:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def subscribe(self) -> None:
        """Follow every partition as a member of the consumer group."""
        self._consumer.subscribe([self.topic])

    def assign_at_end(self, partitions: Iterable[int]) -> None:
        """Also read these partitions, from their current end (no group: nothing older is read)."""
        self._consumer.incremental_assign([self._at_end(partition) for partition in partitions])

    def release(self, partition: int) -> None:
        """Stop reading a partition taken with `assign_at_end`."""
        self._consumer.incremental_unassign([TopicPartition(self.topic, partition)])

    def _at_end(self, partition: int) -> TopicPartition:
        _low, high = self._consumer.get_watermark_offsets(TopicPartition(self.topic, partition),
                                                          timeout=KAFKA_TIMEOUT_S)
        return TopicPartition(self.topic, partition, high)

    def poll(self, timeout: float) -> Transcript | None:
        """The next result, or None when none came in time (or the record was skipped)."""
        message = self._consumer.poll(timeout)
        return None if message is None else parse_result(message)

    def consume(self, batch: int, timeout: float) -> list[Transcript]:
        """Up to `batch` results that arrive within `timeout` seconds."""
        return [result for result in map(parse_result, self._consumer.consume(batch, timeout)) if result is not None]

    def close(self) -> None:
        """Leave the group (if any) and release the connection."""
        self._consumer.close()

"""The consumer group's committed offsets, asked of the group coordinator through librdkafka.

faust reads them through aiokafka, which ignores the group-level error code of an OffsetFetch
answer (it reads only the per-partition ones) and takes a partition without an offset for "nothing
committed". In a chaos run a stream-app worker whose offset fetch overlapped a broker outage and the
coordinator's reload got no offset for partitions that had commits, read them again from their first
retained offset and emitted every stream there a second time (1,015 finals written twice). So before
a partition is started from the beginning, `committed_offsets` asks again through librdkafka, which
checks that error and retries while the coordinator loads.
"""

from __future__ import annotations

from confluent_kafka import Consumer, KafkaException, TopicPartition

from streamscribe.settings import KafkaSettings


class CommittedOffsetsUnknown(Exception):
    """The coordinator did not say within the timeout (down, or still loading)."""


def committed_offsets(kafka: KafkaSettings, group: str, topic: str, partitions: list[int],
                      timeout_s: float) -> dict[int, int | None]:
    """Per partition of `topic`, the offset `group` committed, or None when it committed none."""
    consumer = Consumer(kafka.client_config(**{"group.id": group, "enable.auto.commit": False}))
    try:
        answer = consumer.committed([TopicPartition(topic, partition) for partition in partitions], timeout=timeout_s)
    except KafkaException as exc:
        raise CommittedOffsetsUnknown(str(exc)) from exc
    finally:
        consumer.close()
    failed = [tp for tp in answer if tp.error is not None]
    if failed:
        raise CommittedOffsetsUnknown(", ".join(f"{tp.partition}: {tp.error}" for tp in failed))
    return {tp.partition: tp.offset if tp.offset >= 0 else None for tp in answer}

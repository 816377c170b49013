"""Create the pipeline's topics with their partition counts and configs."""

from __future__ import annotations

import logging
import time

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic, TopicMetadata

from infra.broker import BrokerError, min_insync_replicas
from streamscribe.settings import KafkaSettings, TopicSettings

log = logging.getLogger(__name__)

AUDIO_TOPIC_CONFIG = {
    "max.message.bytes": "10485760",
    "retention.ms": str(24 * 3600 * 1000),
    "compression.type": "producer",
}
TRANSCRIPT_TOPIC_CONFIG = {
    "retention.ms": str(7 * 24 * 3600 * 1000),
    "compression.type": "zstd",
}


def planned_topics(topics: TopicSettings) -> list[NewTopic]:
    """The four pipeline topics as NewTopic specs (min.insync.replicas follows the replication factor)."""
    rf = topics.replication_factor
    durability = {"min.insync.replicas": str(min_insync_replicas(rf))}
    audio, transcripts = AUDIO_TOPIC_CONFIG | durability, TRANSCRIPT_TOPIC_CONFIG | durability
    return [
        NewTopic(topics.chunks, topics.audio_partitions, rf, config=audio),
        NewTopic(topics.segments, topics.audio_partitions, rf, config=audio),
        NewTopic(topics.transcripts, topics.transcript_partitions, rf, config=transcripts),
        NewTopic(topics.rejected, topics.rejected_partitions, rf, config=audio),
    ]


def ensure_topics(kafka: KafkaSettings, topics: TopicSettings, timeout: float = 30.0) -> list[str]:
    """Create whichever pipeline topics are missing; returns the names created."""
    admin = AdminClient(kafka.client_config())
    existing = set(admin.list_topics(timeout=timeout).topics)
    missing = [spec for spec in planned_topics(topics) if spec.topic not in existing]
    if not missing:
        return []
    for name, future in admin.create_topics(missing, operation_timeout=timeout).items():
        try:
            future.result()
        except KafkaException as exc:
            if exc.args[0].name() != "TOPIC_ALREADY_EXISTS":
                raise
        log.info("created topic %s", name)
    created = [spec.topic for spec in missing]
    _wait_until_served(admin, created, timeout)
    return created


def _wait_until_served(admin: AdminClient, names: list[str], timeout: float) -> None:
    """Block until the broker's metadata shows every partition of `names` with a leader.

    The controller acknowledges a creation before the broker serves the topic, so a describe
    or fetch right after `create_topics` could still get UNKNOWN_TOPIC_OR_PART.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        topics = admin.list_topics(timeout=timeout).topics
        if all(_has_leaders(topics.get(name)) for name in names):
            return
        time.sleep(0.05)
    raise BrokerError(f"topics {names} were created but not served within {timeout:.0f}s")


def _has_leaders(topic: TopicMetadata | None) -> bool:
    if topic is None or topic.error is not None or not topic.partitions:
        return False
    return all(partition.leader >= 0 for partition in topic.partitions.values())


def partition_counts(kafka: KafkaSettings, names: list[str], timeout: float = 10.0) -> dict[str, int]:
    """Number of partitions of each named topic that exists."""
    return {name: partitions for name, (partitions, _) in topic_layout(kafka, names, timeout).items()}


def topic_layout(kafka: KafkaSettings, names: list[str], timeout: float = 10.0) -> dict[str, tuple[int, int]]:
    """(partitions, replicas of its first partition) of each named topic that exists."""
    metadata = AdminClient(kafka.client_config()).list_topics(timeout=timeout)
    return {
        name: (len(metadata.topics[name].partitions), len(metadata.topics[name].partitions[0].replicas))
        for name in names if name in metadata.topics
    }

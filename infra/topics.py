"""Create the pipeline's topics with their partition counts and configs."""

from __future__ import annotations

import logging

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

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
    """The four pipeline topics as NewTopic specs."""
    rf = topics.replication_factor
    return [
        NewTopic(topics.chunks, topics.audio_partitions, rf, config=AUDIO_TOPIC_CONFIG),
        NewTopic(topics.segments, topics.audio_partitions, rf, config=AUDIO_TOPIC_CONFIG),
        NewTopic(topics.transcripts, topics.transcript_partitions, rf, config=TRANSCRIPT_TOPIC_CONFIG),
        NewTopic(topics.rejected, topics.rejected_partitions, rf, config=AUDIO_TOPIC_CONFIG),
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
    return [spec.topic for spec in missing]


def partition_counts(kafka: KafkaSettings, names: list[str], timeout: float = 10.0) -> dict[str, int]:
    """Number of partitions of each named topic that exists."""
    metadata = AdminClient(kafka.client_config()).list_topics(timeout=timeout)
    return {name: len(metadata.topics[name].partitions) for name in names if name in metadata.topics}

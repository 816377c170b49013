"""Fresh pipeline topics for tests that bring their own broker or cluster (the session's broker has the
`topic_settings` fixture)."""

from __future__ import annotations

import uuid

from infra.topics import ensure_topics
from streamscribe.settings import KafkaSettings, TopicSettings


def fresh_topics(bootstrap: str, prefix: str, partitions: int = 4, replication_factor: int = 1) -> TopicSettings:
    """Pipeline topics with unique names, created on `bootstrap`."""
    topics = TopicSettings.suffixed(prefix, uuid.uuid4().hex[:8], audio_partitions=partitions,
                                    transcript_partitions=partitions, rejected_partitions=1,
                                    replication_factor=replication_factor)
    ensure_topics(KafkaSettings(bootstrap_servers=bootstrap), topics)
    return topics

"""The group's committed offsets, asked of the real broker's coordinator through librdkafka: what the
stream app checks before it starts a partition from its first offset."""

from __future__ import annotations

import pytest
from confluent_kafka import Consumer, TopicPartition

from infra.broker import free_port
from stream_app.committed import CommittedOffsetsUnknown, committed_offsets
from streamscribe.settings import KafkaSettings, TopicSettings

pytestmark = pytest.mark.broker


def test_committed_offsets_are_read_and_partitions_without_a_commit_say_so(
    kafka_settings: KafkaSettings, topic_settings: TopicSettings, unique_group: str,
) -> None:
    committer = Consumer(kafka_settings.client_config(**{"group.id": unique_group, "enable.auto.commit": False}))
    try:
        committer.commit(offsets=[TopicPartition(topic_settings.chunks, 0, 0),
                                  TopicPartition(topic_settings.chunks, 2, 0)], asynchronous=False)
    finally:
        committer.close()
    offsets = committed_offsets(kafka_settings, unique_group, topic_settings.chunks, [0, 1, 2, 3], 30)
    assert offsets == {0: 0, 1: None, 2: 0, 3: None}


def test_a_coordinator_that_does_not_answer_is_no_answer() -> None:
    nowhere = KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}")
    with pytest.raises(CommittedOffsetsUnknown):
        committed_offsets(nowhere, "any-group", "audio.chunks", [0], timeout_s=1)

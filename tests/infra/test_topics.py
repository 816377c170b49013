"""Topic management against the real broker."""

from __future__ import annotations

import pytest
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

from infra.topics import ensure_topics, partition_counts
from streamscribe.settings import KafkaSettings, TopicSettings
from tooling.cli import main

pytestmark = pytest.mark.broker


def distinct_topics(suffix: str) -> TopicSettings:
    """Unique names and a different partition count per kind, so a mix-up shows."""
    return TopicSettings.suffixed("topics", suffix, audio_partitions=3, transcript_partitions=2, rejected_partitions=1)


def test_ensure_topics_creates_configured_partitions_once(
    kafka_settings: KafkaSettings, unique_suffix: str
) -> None:
    topics = distinct_topics(unique_suffix)
    names = [topics.chunks, topics.segments, topics.transcripts, topics.rejected]

    assert sorted(ensure_topics(kafka_settings, topics)) == sorted(names)
    assert partition_counts(kafka_settings, names) == {
        topics.chunks: 3,
        topics.segments: 3,
        topics.transcripts: 2,
        topics.rejected: 1,
    }
    assert ensure_topics(kafka_settings, topics) == []


def test_audio_topics_accept_large_messages(kafka_settings: KafkaSettings, unique_suffix: str) -> None:
    topics = distinct_topics(unique_suffix)
    ensure_topics(kafka_settings, topics)
    resource = ConfigResource(ResourceType.TOPIC, topics.chunks)
    admin = AdminClient(kafka_settings.client_config())
    configs = admin.describe_configs([resource])[resource].result(timeout=10)
    assert int(configs["max.message.bytes"].value) >= 1_048_576


def test_partition_counts_skip_missing_topics(kafka_settings: KafkaSettings, unique_suffix: str) -> None:
    assert partition_counts(kafka_settings, [f"never-created.{unique_suffix}"]) == {}


def test_topics_command_prints_partition_counts(
    kafka_bootstrap: str, unique_suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [f"{kind}.{unique_suffix}" for kind in ("c", "s", "t", "r")]
    flags = [f"--{kind}-topic" for kind in ("chunks", "segments", "transcripts", "rejected")]
    argv = ["topics", "--bootstrap-servers", kafka_bootstrap, "--audio-partitions", "2"]
    argv += [arg for pair in zip(flags, names, strict=True) for arg in pair]

    assert main(argv) == 0

    printed = capsys.readouterr().out
    assert f"{names[0]}: 2 partitions" in printed
    assert f"{names[1]}: 2 partitions" in printed
    assert f"{names[2]}: 20 partitions" in printed

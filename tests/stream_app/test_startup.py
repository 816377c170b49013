"""A worker refuses to start when the app's stored state does not line up with its input topic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from stream_app.settings import StreamAppSettings
from stream_app.worker import changelog_topic, input_partitions
from streamscribe.settings import KafkaSettings, TopicSettings

pytestmark = pytest.mark.broker


def create_topic(kafka: KafkaSettings, name: str, partitions: int) -> None:
    admin = AdminClient(kafka.client_config())
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result(30)


def test_input_partitions_are_the_chunk_topics_when_no_state_exists(
    kafka_settings: KafkaSettings, topic_settings: TopicSettings, unique_suffix: str
) -> None:
    settings = StreamAppSettings(app_id=f"fresh-{unique_suffix}", kafka=kafka_settings, topics=topic_settings)
    assert input_partitions(settings) == topic_settings.audio_partitions


def test_state_kept_for_another_partition_count_is_a_clear_error(
    kafka_settings: KafkaSettings, topic_settings: TopicSettings, unique_suffix: str, tmp_path: Path
) -> None:
    app_id, stored = f"reused-{unique_suffix}", topic_settings.audio_partitions + 2
    create_topic(kafka_settings, changelog_topic(app_id), stored)
    result = subprocess.run(
        [sys.executable, "-m", "tooling.cli", "stream-app", "--app-id", app_id,
         "--bootstrap-servers", kafka_settings.resolved_bootstrap(), "--chunks-topic", topic_settings.chunks,
         "--segments-topic", topic_settings.segments, "--rejected-topic", topic_settings.rejected,
         "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{changelog_topic(app_id)!r} with {stored} partitions" in result.stderr
    assert f"{topic_settings.chunks!r} has {topic_settings.audio_partitions}" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr

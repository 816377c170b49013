"""Shared fixtures: one real Kafka broker per test session, unique topics and groups per test.

The broker is the embedded Apache Kafka (started once, under a temporary state folder) unless
KAFKA_BOOTSTRAP_SERVERS points at an external one.

Tests are marked by what they use, so `make check` can pick the fast ones: a test that needs the
broker fixture is `broker`, one that builds or loads a NeMo model is `model` (see
`pytest_collection_modifyitems`); long ones are marked `slow` by hand.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from streamscribe.settings import KafkaSettings, TopicSettings

if TYPE_CHECKING:
    from infra.broker import EmbeddedBroker

BROKER_FIXTURES = frozenset({"kafka_bootstrap"})
MODEL_FIXTURES = frozenset({"tiny_model_path", "tiny_model"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by the real parts its fixtures bring up (direct or through other fixtures)."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & BROKER_FIXTURES:
            item.add_marker(pytest.mark.broker)
        if used & MODEL_FIXTURES:
            item.add_marker(pytest.mark.model)


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap servers of a running broker: external if configured, else embedded."""
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    from infra.broker import EmbeddedBroker

    broker = EmbeddedBroker(tmp_path_factory.mktemp("kafka"))
    bootstrap = broker.start()
    os.environ["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap  # subprocesses under test find it too
    try:
        yield bootstrap
    finally:
        os.environ.pop("KAFKA_BOOTSTRAP_SERVERS", None)
        broker.stop()


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """An embedded broker of this test alone, to stop or kill (mark the test `broker` by hand); stopped at the end."""
    from infra.broker import EmbeddedBroker

    broker = EmbeddedBroker(tmp_path / "kafka")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def kafka_settings(kafka_bootstrap: str) -> KafkaSettings:
    """KafkaSettings pointing at the session's broker."""
    return KafkaSettings(bootstrap_servers=kafka_bootstrap)


@pytest.fixture
def unique_suffix() -> str:
    """A short random suffix that keeps tests' topics and groups apart."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def topic_settings(kafka_settings: KafkaSettings, unique_suffix: str) -> TopicSettings:
    """Freshly created pipeline topics with unique names (4 partitions each)."""
    from infra.topics import ensure_topics

    topics = TopicSettings.suffixed("test", unique_suffix, audio_partitions=4, transcript_partitions=4,
                                    rejected_partitions=1)
    ensure_topics(kafka_settings, topics)
    return topics


@pytest.fixture
def unique_group(unique_suffix: str) -> str:
    """A consumer group id no other test uses."""
    return f"test-group-{unique_suffix}"

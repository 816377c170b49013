"""The embedded broker keeps its data across a restart (its own home, not the session's)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from infra.broker import EmbeddedBroker
from tests.infra.kafka_reading import read_messages

pytestmark = pytest.mark.broker
log = logging.getLogger(__name__)


def produce_all(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    """Produce and wait until every message is acknowledged by the broker."""
    errors: list[object] = []
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for key, value in messages:
        producer.produce(topic, value, key, on_delivery=lambda err, _msg: err and errors.append(err))
    assert producer.flush(30) == 0
    assert errors == []


def test_restart_keeps_messages_and_address(tmp_path: Path, record_property: pytest.RecordProperty) -> None:
    broker = EmbeddedBroker(tmp_path / "broker", heap="512m")
    try:
        began = time.monotonic()
        bootstrap = broker.start()
        record_property("cold_start_s", round(time.monotonic() - began, 2))
        admin = AdminClient({"bootstrap.servers": bootstrap})
        admin.create_topics([NewTopic("kept", 2, 1)])["kept"].result(timeout=30)
        sent = [(f"stream-{i % 3}".encode(), f"payload {i}".encode() * 50) for i in range(60)]
        produce_all(bootstrap, "kept", sent)

        assert broker.stop()
        assert not broker.is_running()
        began = time.monotonic()
        assert broker.start() == bootstrap
        record_property("restart_s", round(time.monotonic() - began, 2))

        received = read_messages(bootstrap, "kept", len(sent))
        assert sorted((m.key(), m.value()) for m in received) == sorted(sent)
        assert (
            len(
                AdminClient({"bootstrap.servers": bootstrap})
                .list_topics(timeout=10)
                .topics["kept"]
                .partitions
            )
            == 2
        )
    finally:
        broker.stop()

"""Reading a topic back in tests: every message, with a deadline instead of sleeps."""

from __future__ import annotations

import time
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, TopicPartition


def read_messages(bootstrap: str, topic: str, count: int, timeout: float = 30.0) -> list[Message]:
    """The first `count` messages of `topic` (all partitions, from the start).

    Partitions are assigned directly (no group rebalance to wait for). Fails the test with
    what arrived so far when fewer than `count` come within `timeout`.
    """
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"test-reader-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, partition, OFFSET_BEGINNING) for partition in partitions])
    received: list[Message] = []
    deadline = time.monotonic() + timeout
    try:
        while len(received) < count and time.monotonic() < deadline:
            for message in consumer.consume(num_messages=1000, timeout=0.5):
                if message.error():
                    raise AssertionError(f"consumer error on {topic}: {message.error()}")
                received.append(message)
    finally:
        consumer.close()
    assert len(received) >= count, f"only {len(received)} of {count} messages arrived on {topic}"
    return received

"""Broker loss while streams are live: one node SIGKILLed mid-stream, then all three restarted in turn.

The whole pipeline (`streamscribe demo`: producer SDK, stream app, recognizer, transcript reader)
runs against the 3-node cluster with replicated topics. Nothing is restarted but the brokers;
the demo itself fails when a service dies or a stream gets no final transcript.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition

from infra.broker import EmbeddedBroker
from infra.cluster import BrokerCluster
from infra.topics import ensure_topics
from streamscribe.settings import KafkaSettings, TopicSettings

pytestmark = [pytest.mark.broker, pytest.mark.slow]

STREAMS = 40
RAMP_SECONDS = 150  # streams start until well after the last restart, so every fault meets live streams
INTERNAL_TOPICS = ["__consumer_offsets"]


def replicated_topics(bootstrap: str) -> TopicSettings:
    suffix = uuid.uuid4().hex[:8]
    topics = TopicSettings(
        chunks=f"loss.chunks.{suffix}", segments=f"loss.segments.{suffix}",
        transcripts=f"loss.transcripts.{suffix}", rejected=f"loss.rejected.{suffix}",
        audio_partitions=6, transcript_partitions=6, rejected_partitions=1, replication_factor=3,
    )
    ensure_topics(KafkaSettings(bootstrap_servers=bootstrap), topics)
    return topics


def start_demo(bootstrap: str, topics: TopicSettings, tmp_path: Path) -> subprocess.Popen:
    suffix = uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "STREAMSCRIBE_HOME": str(tmp_path / "home"),
        "STREAMSCRIBE_STREAM_APP_APP_ID": f"loss-stream-app-{suffix}",
        "STREAMSCRIBE_RECOGNIZER_GROUP_ID": f"loss-recognizers-{suffix}",
        "STREAMSCRIBE_TOPIC_REPLICATION_FACTOR": "3",  # the stream app's own state topic too
        "STREAMSCRIBE_DEMO_RAMP_SECONDS": str(RAMP_SECONDS),
    }
    command = [
        sys.executable, "-m", "streamscribe.cli", "demo", "--streams", str(STREAMS), "--decoder", "greedy",
        "--bootstrap-servers", bootstrap,
        "--chunks-topic", topics.chunks, "--segments-topic", topics.segments,
        "--transcripts-topic", topics.transcripts, "--rejected-topic", topics.rejected,
        "--summary-json", str(tmp_path / "summary.json"), "--log-dir", str(tmp_path / "logs"),
    ]
    return subprocess.Popen(command, stdout=(tmp_path / "demo.out").open("wb"), stderr=subprocess.STDOUT, env=env)


def wait_for_first_message(bootstrap: str, topic: str, demo: subprocess.Popen, tmp_path: Path) -> None:
    """Until the pipeline has produced a transcript (the demo's services are up and working)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"probe-{uuid.uuid4().hex[:8]}",
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    deadline = time.monotonic() + 400
    try:
        while time.monotonic() < deadline:
            assert demo.poll() is None, (tmp_path / "demo.out").read_text()
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                return
    finally:
        consumer.close()
    raise AssertionError("no transcript within 400 s")


def messages_on(bootstrap: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"count-{uuid.uuid4().hex[:8]}"})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        marks = [consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in partitions]
        return sum(high - low for low, high in marks)
    finally:
        consumer.close()


def leader_of(cluster: BrokerCluster, topic: str) -> int:
    return cluster.metadata().topics[topic].partitions[0].leader


def wait_for_leaders_off(cluster: BrokerCluster, node_id: int, topics: list[str], timeout: float = 60) -> None:
    """Until every partition of `topics` is led by another node than `node_id` (an event, not a sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            metadata = cluster.metadata().topics
            leaders = [p.leader for name in topics for p in metadata[name].partitions.values()]
            if all(leader not in (-1, node_id) for leader in leaders):
                return
        except Exception:  # noqa: BLE001 - metadata from a node in transition; ask again
            pass
        time.sleep(0.2)
    raise AssertionError(f"partitions of {topics} still led by node {node_id} or leaderless after {timeout}s")


def sigkill(node: EmbeddedBroker) -> None:
    pid = node.pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    node.await_exit(pid, timeout=30)


def test_pipeline_survives_a_killed_broker_and_a_rolling_restart(
    broker_cluster: BrokerCluster, tmp_path: Path
) -> None:
    bootstrap = broker_cluster.bootstrap_servers
    topics = replicated_topics(bootstrap)
    pipeline = [topics.chunks, topics.segments, topics.transcripts, *INTERNAL_TOPICS]
    demo = start_demo(bootstrap, topics, tmp_path)
    try:
        wait_for_first_message(bootstrap, topics.transcripts, demo, tmp_path)

        victim = broker_cluster.node(leader_of(broker_cluster, topics.chunks))
        victim_id = leader_of(broker_cluster, topics.chunks)
        sigkill(victim)
        wait_for_leaders_off(broker_cluster, victim_id, pipeline)
        assert demo.poll() is None, "the demo stopped when a broker was killed"
        victim.start()
        broker_cluster.wait_until_fully_replicated(pipeline)

        for node_id in range(1, len(broker_cluster.members()) + 1):  # rolling restart
            node = broker_cluster.node(node_id)
            node.stop()
            wait_for_leaders_off(broker_cluster, node_id, pipeline)
            node.start()
            broker_cluster.wait_until_fully_replicated(pipeline)
        assert demo.poll() is None, "the streams were over before the rolling restart was (raise RAMP_SECONDS)"

        demo.wait(timeout=RAMP_SECONDS + 240)
    finally:
        if demo.poll() is None:
            demo.send_signal(signal.SIGTERM)
            demo.wait(60)
    output = (tmp_path / "demo.out").read_text(errors="replace")
    assert demo.returncode == 0, output[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["streams"] == summary["completed_streams"] == STREAMS
    assert all(stream["completed"] and stream["final_results"] >= 1 for stream in summary["per_stream"])
    assert messages_on(bootstrap, topics.rejected) == 0  # no chunk lost or repeated (a seq gap is rejected)

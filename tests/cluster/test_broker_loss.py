"""Broker loss while streams are live: one node SIGKILLed mid-stream, then all three restarted in turn.

The whole pipeline (producer SDK, stream app, recognizer, transcript reader) runs against the
3-node cluster with replicated topics, fed with live speech streams until the rolling restart
is over. Nothing is restarted but the brokers: the supervisor fails the test if a service dies.
Every stream that was started must complete, and nothing may be rejected.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition

from infra.broker import EmbeddedBroker
from infra.cluster import BrokerCluster
from infra.topics import ensure_topics
from producers import AudioProducer
from producers.reader import TranscriptReader
from streamscribe.settings import KafkaSettings, TopicSettings
from tooling.bench.autoscale import LiveLoad
from tooling.demo.samples import load_samples
from tooling.demo.settings import SHIPPED_SAMPLES
from tooling.demo.stack import StackPlan, start_stack
from tooling.demo.supervisor import Supervisor

pytestmark = [pytest.mark.broker, pytest.mark.slow]

LIVE_STREAMS = 12  # kept live (a new one starts whenever one ends) until the rolling restart is over
INTERNAL_TOPICS = ["__consumer_offsets"]


def replicated_topics(bootstrap: str) -> TopicSettings:
    suffix = uuid.uuid4().hex[:8]
    topics = TopicSettings.suffixed("loss", suffix, audio_partitions=6, transcript_partitions=6, rejected_partitions=1,
                                    replication_factor=3)
    ensure_topics(KafkaSettings(bootstrap_servers=bootstrap), topics)
    return topics


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


# Four broker restarts on a 3-node cluster beside the live stack saturate a 2-core machine: measured
# 7.5 min for this test alone on 2026-11-30 and once past the suite's 600 s hang guard, so it gets its own.
# Of a 6.4 min run at 13:12 UTC, 3 min were the cluster's stop waiting 60 s on each restarted node, which
# had exited but was taken as running (a zombie of this process); fixed in infra/broker.py `_alive`.
@pytest.mark.timeout(1200)
def test_pipeline_survives_a_killed_broker_and_a_rolling_restart(
    broker_cluster: BrokerCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bootstrap = broker_cluster.bootstrap_servers
    kafka = KafkaSettings(bootstrap_servers=bootstrap)
    topics = replicated_topics(bootstrap)
    pipeline = [topics.chunks, topics.segments, topics.transcripts, *INTERNAL_TOPICS]
    suffix = uuid.uuid4().hex[:8]
    monkeypatch.setenv("STREAMSCRIBE_TOPIC_REPLICATION_FACTOR", "3")  # the stream app's own state topic too
    plan = StackPlan(kafka=kafka, topics=topics, state_dir=tmp_path / "state", log_dir=tmp_path / "logs",
                     decoder="greedy", stream_app_id=f"loss-stream-app-{suffix}",
                     recognizer_group=f"loss-recognizers-{suffix}")
    with Supervisor(ready_timeout=600) as supervisor:
        start_stack(supervisor, plan)
        with AudioProducer(kafka=kafka, topics=topics) as producer, TranscriptReader(kafka, topics) as reader:
            load = LiveLoad(producer, load_samples(SHIPPED_SAMPLES), target=LIVE_STREAMS)
            load.start()
            while reader.poll(0.5) is None:  # the pipeline works end to end
                supervisor.check()

            victim_id = leader_of(broker_cluster, topics.chunks)
            victim = broker_cluster.node(victim_id)
            sigkill(victim)
            wait_for_leaders_off(broker_cluster, victim_id, pipeline)
            victim.start()
            broker_cluster.wait_until_fully_replicated(pipeline)
            for node_id in range(1, len(broker_cluster.members()) + 1):  # rolling restart
                node = broker_cluster.node(node_id)
                node.stop()
                wait_for_leaders_off(broker_cluster, node_id, pipeline)
                node.start()
                broker_cluster.wait_until_fully_replicated(pipeline)
                supervisor.check()  # no service died or was restarted
            assert load.is_alive() and load.error is None, load.error  # streams were live all along

            load.target = 0  # let the live streams finish, start no more
            load.join(120)
            assert load.error is None, load.error
            finished = reader.wait_for_streams(list(load.started_at), timeout=600)
        supervisor.check()
    assert len(finished) == len(load.started_at) > LIVE_STREAMS
    assert all(stream.finals for stream in finished.values())
    assert messages_on(bootstrap, topics.rejected) == 0  # no chunk lost or repeated (a seq gap is rejected)

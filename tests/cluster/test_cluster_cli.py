"""`broker status` on a cluster, and `topics --replication-factor` with its min.insync.replicas."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, ConfigResource

from infra.cluster import BrokerCluster
from tests.cluster.conftest import NODES, streamscribe

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def test_status_lists_every_running_node(cluster_home: Path, broker_cluster: BrokerCluster) -> None:
    status = streamscribe(cluster_home, "broker", "status")
    assert status.returncode == 0, status.stderr
    for node_id, server in enumerate(broker_cluster.bootstrap_servers.split(","), 1):
        assert f"node {node_id}: {server} running (pid " in status.stdout
    assert len(broker_cluster.metadata().brokers) == NODES


def test_topics_are_replicated_on_every_node_and_need_a_majority_in_sync(
    cluster_home: Path, broker_cluster: BrokerCluster
) -> None:
    suffix = uuid.uuid4().hex[:8]
    names = [f"{kind}.{suffix}" for kind in ("chunks", "segments", "transcripts", "rejected")]
    flags = [arg for kind, name in zip(("chunks", "segments", "transcripts", "rejected"), names, strict=True)
             for arg in (f"--{kind}-topic", name)]
    bootstrap = broker_cluster.bootstrap_servers
    result = streamscribe(
        cluster_home, "topics", "--bootstrap-servers", bootstrap, "--replication-factor", "3",
        "--audio-partitions", "3", *flags,
    )
    assert result.returncode == 0, result.stderr
    assert f"{names[0]}: 3 partitions, replication factor 3" in result.stdout

    topics = broker_cluster.metadata().topics
    for name in names:
        for partition in topics[name].partitions.values():
            assert sorted(partition.replicas) == [1, 2, 3]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    resources = [ConfigResource(ConfigResource.Type.TOPIC, name) for name in names]
    for future in admin.describe_configs(resources).values():
        assert future.result()["min.insync.replicas"].value == "2"

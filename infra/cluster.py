"""A replicated Kafka cluster on this machine: N embedded KRaft nodes from the same jars.

Every node is a broker and a voter of one static controller quorum, so the cluster keeps
serving while a majority of its nodes runs. State lives under `home` (by default
`$STREAMSCRIBE_HOME/cluster`): `cluster.id` and one `node-<id>/` folder per node, each the home
of an `EmbeddedBroker` (its properties, data, pid and log). Ports are chosen on first start
and kept, so a restarted node comes back where its clients expect it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka.admin import AdminClient, ClusterMetadata

from infra.broker import BrokerError, EmbeddedBroker, free_port, new_cluster_id
from streamscribe.cli_settings import SettingsT
from streamscribe.errors import ConfigurationError
from streamscribe.paths import state_home
from streamscribe.settings import KafkaSettings

NODE_HEAP = "512m"  # three JVMs share a small machine; the pipeline's load needs far less
POLL_INTERVAL = 0.2


@dataclass(frozen=True)
class NodeStatus:
    """One node as `broker status` reports it."""

    node_id: int
    bootstrap_servers: str
    pid: int | None


@dataclass
class BrokerCluster:
    """Start, stop and query the embedded cluster whose state is under `home`."""

    home: Path
    nodes: int = 3
    heap: str = NODE_HEAP

    @classmethod
    def default(cls, nodes: int | None = None) -> BrokerCluster:
        """The cluster under $STREAMSCRIBE_HOME/cluster (its existing size, unless `nodes` is given)."""
        cluster = cls(state_home() / "cluster")
        cluster.nodes = nodes or len(cluster.node_homes()) or cluster.nodes
        return cluster

    def node_homes(self) -> list[Path]:
        """The folders of the nodes that were started before, by node id."""
        found = self.home.glob("node-*/server.properties")
        return sorted((path.parent for path in found), key=_node_id)

    @property
    def exists(self) -> bool:
        return bool(self.node_homes())

    def members(self) -> list[EmbeddedBroker]:
        """One EmbeddedBroker per node; on first start their ports and quorum are planned here."""
        if self.exists:
            return [EmbeddedBroker(home, heap=self.heap, replicas=self.nodes) for home in self.node_homes()]
        ports = [(free_port(), free_port()) for _ in range(self.nodes)]
        voters = ",".join(f"{node}@127.0.0.1:{controller}" for node, (_, controller) in enumerate(ports, 1))
        self.home.mkdir(parents=True, exist_ok=True)
        cluster_id = new_cluster_id()
        (self.home / "cluster.id").write_text(cluster_id)
        return [
            EmbeddedBroker(
                self.home / f"node-{node}", port=port, controller_port=controller, heap=self.heap,
                node_id=node, voters=voters, replicas=self.nodes, cluster_id=cluster_id,
            )
            for node, (port, controller) in enumerate(ports, 1)
        ]

    def node(self, node_id: int) -> EmbeddedBroker:
        """The node with this id (1-based)."""
        return self.members()[node_id - 1]

    @property
    def bootstrap_servers(self) -> str:
        """Every node's client listener, comma-separated (clients find the live ones)."""
        if not self.exists:
            raise BrokerError(f"the embedded cluster was never started here ({self.home})")
        return ",".join(member.bootstrap_servers for member in self.members())

    def start(self, timeout: float = 120.0) -> str:
        """Start every node that is not running, wait until all serve; returns bootstrap servers."""
        members = self.members()
        for member in members:
            member.launch()
        for member in members:
            member.wait_until_ready(timeout)
        self.wait_for_brokers(len(members), timeout)
        return self.bootstrap_servers

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop every node at once (one by one, the last ones would wait for a quorum that is gone);
        a node still running `timeout` seconds after they were all asked to stop is killed.

        False when none was running.
        """
        members = self.members() if self.exists else []
        pids = [(member, member.request_stop()) for member in members]
        deadline = time.monotonic() + timeout  # one for all: waiting `timeout` per node added up to N times it
        for member, pid in pids:
            if pid is not None:
                member.await_exit(pid, max(0.0, deadline - time.monotonic()))
        return any(pid is not None for _, pid in pids)

    def status(self) -> list[NodeStatus]:
        """Each node's listener and pid (None when it is down)."""
        if not self.exists:
            return []
        return [NodeStatus(_node_id(m.home), m.bootstrap_servers, m.pid()) for m in self.members()]

    def is_running(self) -> bool:
        """True when any node's process is alive."""
        return any(node.pid is not None for node in self.status())

    def metadata(self, timeout: float = 5.0) -> ClusterMetadata:
        """Cluster metadata, as any live node sees it."""
        admin = AdminClient({"bootstrap.servers": self.bootstrap_servers, "log_level": 0})
        return admin.list_topics(timeout=timeout)

    def wait_for_brokers(self, count: int, timeout: float = 120.0) -> None:
        """Block until the metadata lists `count` live brokers."""
        self._wait(lambda: len(self.metadata().brokers) == count, f"{count} live brokers", timeout)

    def wait_until_fully_replicated(self, topics: Iterable[str], timeout: float = 120.0) -> None:
        """Block until every partition of `topics` has a leader and all its replicas in sync."""
        names = list(topics)

        def replicated() -> bool:
            metadata = self.metadata().topics
            return all(
                name in metadata and metadata[name].partitions and all(
                    p.leader >= 0 and sorted(p.isrs) == sorted(p.replicas) for p in metadata[name].partitions.values()
                )
                for name in names
            )

        self._wait(replicated, f"every partition of {names} fully in sync", timeout)

    def _wait(self, condition: Callable[[], bool], what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if condition():
                    return
            except Exception:  # noqa: BLE001 - a node may be between states; ask again
                pass
            time.sleep(POLL_INTERVAL)
        raise BrokerError(f"the cluster did not reach {what} within {timeout:.0f}s")


def _node_id(node_home: Path) -> int:
    return int(node_home.name.split("-")[1])


def embedded_bootstrap() -> str:
    """Bootstrap servers of the running embedded cluster, else of the single embedded broker."""
    cluster = BrokerCluster.default()
    if cluster.exists and cluster.is_running():
        return cluster.bootstrap_servers
    return EmbeddedBroker.default().bootstrap_servers


def with_embedded_broker(settings: SettingsT) -> SettingsT:
    """`settings` (a KafkaClientSettings) with the embedded broker's servers when none are configured."""
    kafka = settings.kafka  # type: ignore[attr-defined]
    resolved = reachable_kafka(kafka)
    return settings if resolved is kafka else settings.model_copy(update={"kafka": resolved})


def reachable_kafka(kafka: KafkaSettings) -> KafkaSettings:
    """`kafka` itself when it names bootstrap servers, else it pointed at the running embedded broker.

    For the service commands: they talk to KAFKA_BOOTSTRAP_SERVERS / --bootstrap-servers, else to
    the embedded broker that `streamscribe broker start` left running, else fail clearly.
    """
    if kafka.bootstrap_servers:
        return kafka
    try:
        bootstrap = embedded_bootstrap()
    except BrokerError:
        raise ConfigurationError(
            "no Kafka to talk to: set KAFKA_BOOTSTRAP_SERVERS or --bootstrap-servers, "
            "or start the embedded broker with `streamscribe broker start`"
        ) from None
    return kafka.model_copy(update={"bootstrap_servers": bootstrap})

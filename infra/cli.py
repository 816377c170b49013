"""`streamscribe broker start|stop|status` and `streamscribe topics`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from infra.cluster import with_embedded_broker
from infra.settings import BrokerSettings
from streamscribe.cli_settings import add_settings_command, settings_from_args
from streamscribe.settings import KafkaClientSettings

if TYPE_CHECKING:
    from infra.broker import EmbeddedBroker
    from infra.cluster import BrokerCluster


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the broker and topics subcommands."""
    broker = add_settings_command(
        subparsers, "broker", BrokerSettings, run_broker, "the embedded Apache Kafka broker, or a cluster of them"
    )
    broker.add_argument("action", choices=["start", "stop", "status"])

    add_settings_command(subparsers, "topics", KafkaClientSettings, run_topics, "create the pipeline topics if missing")


def run_broker(args: argparse.Namespace) -> int:
    """Start, stop or report the embedded broker or cluster."""
    from infra.broker import EmbeddedBroker  # noqa: PLC0415
    from infra.cluster import BrokerCluster  # noqa: PLC0415

    settings = settings_from_args(BrokerSettings, args)
    broker = EmbeddedBroker.default()
    broker.sasl_ssl = settings.sasl_ssl
    if settings.port:
        broker.port = settings.port
    cluster = BrokerCluster.default(settings.nodes if settings.nodes > 1 else None)
    if args.action == "start":
        if settings.nodes > 1:
            print(f"Kafka cluster of {cluster.nodes} nodes running at {cluster.start()} (state: {cluster.home})")
        else:
            print(f"Kafka broker running at {broker.start()} (state: {broker.home})")
            if broker.is_secured:
                env = broker.security_dir / "client.env"
                print(f"SASL_SSL only: clients need the settings in {env} (e.g. `set -a; . {env}; set +a`)")
        return 0
    if args.action == "stop":
        stopped_cluster = cluster.stop()
        stopped_broker = broker.stop()
        if stopped_cluster:
            print(f"cluster stopped ({cluster.nodes} nodes)")
        if stopped_broker:
            print("broker stopped")
        if not (stopped_cluster or stopped_broker):
            print("broker was not running")
        return 0
    return _print_status(broker, cluster)


def _print_status(broker: EmbeddedBroker, cluster: BrokerCluster) -> int:
    """One line per running broker or cluster node; exit 1 when nothing runs."""
    running = broker.is_running()
    if running:
        print(f"running at {broker.bootstrap_servers} (pid {broker.pid()})")
    for node in cluster.status():
        state = f"running (pid {node.pid})" if node.pid is not None else "down"
        print(f"node {node.node_id}: {node.bootstrap_servers} {state}")
        running = running or node.pid is not None
    if not running:
        print("not running")
    return 0 if running else 1


def run_topics(args: argparse.Namespace) -> int:
    """Create missing topics and print each topic's partition count."""
    from infra.topics import ensure_topics, topic_layout  # noqa: PLC0415

    settings = with_embedded_broker(settings_from_args(KafkaClientSettings, args))
    kafka, topics = settings.kafka, settings.topics
    ensure_topics(kafka, topics)
    names = [topics.chunks, topics.segments, topics.transcripts, topics.rejected]
    for name, (partitions, replicas) in topic_layout(kafka, names).items():
        print(f"{name}: {partitions} partitions, replication factor {replicas}")
    return 0

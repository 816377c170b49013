"""`streamscribe broker start|stop|status` and `streamscribe topics`."""

from __future__ import annotations

import argparse

from streamscribe.settings import add_kafka_arguments, kafka_settings_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the broker and topics subcommands."""
    broker = subparsers.add_parser("broker", help="the embedded single-node Apache Kafka broker")
    broker.add_argument("action", choices=["start", "stop", "status"])
    broker.add_argument("--port", type=int, help="client port on first start (default: a free one)")
    broker.set_defaults(func=run_broker)

    topics = subparsers.add_parser("topics", help="create the pipeline topics if missing")
    add_kafka_arguments(topics)
    topics.add_argument("--audio-partitions", type=int, help="partitions of the audio topics")
    topics.set_defaults(func=run_topics)


def run_broker(args: argparse.Namespace) -> int:
    """Start, stop or report the embedded broker."""
    from infra.broker import EmbeddedBroker  # noqa: PLC0415

    broker = EmbeddedBroker.default()
    if args.port:
        broker.port = args.port
    if args.action == "start":
        print(f"Kafka broker running at {broker.start()} (state: {broker.home})")
        return 0
    if args.action == "stop":
        print("broker stopped" if broker.stop() else "broker was not running")
        return 0
    running = broker.is_running()
    print(f"running at {broker.bootstrap_servers} (pid {broker.pid()})" if running else "not running")
    return 0 if running else 1


def run_topics(args: argparse.Namespace) -> int:
    """Create missing topics and print each topic's partition count."""
    from infra.topics import ensure_topics, partition_counts  # noqa: PLC0415

    kafka, topics = kafka_settings_from_args(args)
    if args.audio_partitions:
        topics = topics.model_copy(update={"audio_partitions": args.audio_partitions})
    ensure_topics(kafka, topics)
    names = [topics.chunks, topics.segments, topics.transcripts, topics.rejected]
    for name, count in partition_counts(kafka, names).items():
        print(f"{name}: {count} partitions")
    return 0

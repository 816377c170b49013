"""Settings shared by every component: the Kafka connection and the topic names.

Each component has one settings object of its own (env vars + CLI flags) that nests these.
"""

from __future__ import annotations

import argparse

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from streamscribe.errors import ConfigurationError


class KafkaSettings(BaseSettings):
    """How to reach Kafka: KAFKA_BOOTSTRAP_SERVERS, else the embedded broker."""

    model_config = SettingsConfigDict(env_prefix="KAFKA_")

    bootstrap_servers: str | None = None

    def resolved_bootstrap(self) -> str:
        """The configured servers, or those of the running embedded broker."""
        if self.bootstrap_servers:
            return self.bootstrap_servers
        from infra.broker import BrokerError, EmbeddedBroker  # noqa: PLC0415 - avoids a cycle

        broker = EmbeddedBroker.default()
        try:
            return broker.bootstrap_servers
        except BrokerError:
            raise ConfigurationError(
                "no Kafka to talk to: set KAFKA_BOOTSTRAP_SERVERS or --bootstrap-servers, "
                "or start the embedded broker with `streamscribe broker start`"
            ) from None

    def client_config(self, **overrides: object) -> dict[str, object]:
        """A librdkafka configuration dict with the bootstrap servers filled in."""
        return {"bootstrap.servers": self.resolved_bootstrap(), **overrides}


class TopicSettings(BaseSettings):
    """Topic names and partition counts (STREAMSCRIBE_TOPIC_*)."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_TOPIC_")

    chunks: str = "audio.chunks"
    segments: str = "audio.segments"
    transcripts: str = "transcripts"
    rejected: str = "audio.rejected"
    audio_partitions: int = Field(default=20, ge=1)
    transcript_partitions: int = Field(default=20, ge=1)
    rejected_partitions: int = Field(default=4, ge=1)
    replication_factor: int = Field(default=1, ge=1)


def add_kafka_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --bootstrap-servers and the topic-name flags every service takes."""
    parser.add_argument(
        "--bootstrap-servers",
        help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS, else the embedded broker)",
    )
    for name in ("chunks", "segments", "transcripts", "rejected"):
        parser.add_argument(f"--{name}-topic", dest=f"topic_{name}", help=f"name of the {name} topic")


def kafka_settings_from_args(args: argparse.Namespace) -> tuple[KafkaSettings, TopicSettings]:
    """Settings from env vars, overridden by whichever flags were given."""
    kafka = KafkaSettings()
    if getattr(args, "bootstrap_servers", None):
        kafka = KafkaSettings(bootstrap_servers=args.bootstrap_servers)
    overrides = {
        name: getattr(args, f"topic_{name}")
        for name in ("chunks", "segments", "transcripts", "rejected")
        if getattr(args, f"topic_{name}", None)
    }
    return kafka, TopicSettings(**overrides)

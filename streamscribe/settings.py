"""Settings shared by every component: the Kafka connection and the topic names.

Each component has one settings object of its own (env vars + CLI flags) that nests these.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from streamscribe.errors import ConfigurationError

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


class KafkaSettings(BaseSettings):
    """How to reach Kafka: KAFKA_BOOTSTRAP_SERVERS, else the embedded broker; and how to log in.

    The security fields (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME,
    KAFKA_SASL_PASSWORD, KAFKA_SSL_CA_LOCATION, KAFKA_SSL_CHECK_HOSTNAME) are mapped to client
    settings here and only here: `client_config` for librdkafka, `ssl_context` and
    `faust_credentials` for faust/aiokafka, `environment` for child processes.
    """

    model_config = SettingsConfigDict(env_prefix="KAFKA_")

    bootstrap_servers: str | None = Field(
        default=None, description="Kafka bootstrap servers (none: the embedded broker, for the commands)"
    )
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    sasl_username: str | None = Field(default=None, description="SASL user (its password: $KAFKA_SASL_PASSWORD)")
    sasl_password: SecretStr | None = Field(default=None, json_schema_extra={"cli": False})  # argv is public
    ssl_ca_location: Path | None = Field(default=None, description="PEM file of the CA that signed the brokers")
    ssl_check_hostname: bool = Field(default=True, description="verify that the broker's certificate names its host")

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL_")

    @property
    def uses_ssl(self) -> bool:
        return self.security_protocol.endswith("SSL")

    def resolved_bootstrap(self) -> str:
        """The bootstrap servers; a ConfigurationError when none are set.

        The command line fills them in from the embedded broker when none are configured
        (`infra.cluster.with_embedded_broker`); library code never guesses.
        """
        if not self.bootstrap_servers:
            raise ConfigurationError(
                "no Kafka to talk to: set KAFKA_BOOTSTRAP_SERVERS or --bootstrap-servers, "
                "or start the embedded broker with `streamscribe broker start`"
            )
        return self.bootstrap_servers

    def client_config(self, **overrides: object) -> dict[str, object]:
        """A librdkafka configuration dict with the bootstrap servers and security filled in."""
        return {"bootstrap.servers": self.resolved_bootstrap(), **self.security_config(), **overrides}

    def security_config(self) -> dict[str, object]:
        """The security fields as librdkafka keys (empty for PLAINTEXT)."""
        if self.security_protocol == "PLAINTEXT":
            return {}
        config: dict[str, object] = {"security.protocol": self.security_protocol.lower()}
        if self.uses_sasl:
            if not self.sasl_username or self.sasl_password is None:
                raise ConfigurationError(
                    f"security protocol {self.security_protocol} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
                )
            config |= {
                "sasl.mechanism": self.sasl_mechanism,
                "sasl.username": self.sasl_username,
                "sasl.password": self.sasl_password.get_secret_value(),
            }
        if self.uses_ssl:
            if self.ssl_ca_location is not None:
                config["ssl.ca.location"] = str(self.ssl_ca_location)
            config["ssl.endpoint.identification.algorithm"] = "https" if self.ssl_check_hostname else "none"
        return config

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context for Python clients (faust/aiokafka), or None without SSL."""
        if not self.uses_ssl:
            return None
        cafile = str(self.ssl_ca_location) if self.ssl_ca_location else None
        context = ssl.create_default_context(cafile=cafile)
        context.check_hostname = self.ssl_check_hostname
        return context

    def environment(self) -> dict[str, str]:
        """These settings as KAFKA_* environment variables, for child processes (no secrets in argv)."""
        env: dict[str, str] = {}
        for name, value in self.model_dump(exclude_none=True).items():
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            env[f"KAFKA_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
        return env


class TopicSettings(BaseSettings):
    """Topic names and partition counts (STREAMSCRIBE_TOPIC_*)."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_TOPIC_")

    chunks: str = Field(
        "audio.chunks", description="name of the chunks topic", json_schema_extra={"flag": "chunks-topic"}
    )
    segments: str = Field(
        "audio.segments", description="name of the segments topic", json_schema_extra={"flag": "segments-topic"}
    )
    transcripts: str = Field(
        "transcripts", description="name of the transcripts topic", json_schema_extra={"flag": "transcripts-topic"}
    )
    rejected: str = Field(
        "audio.rejected", description="name of the rejected topic", json_schema_extra={"flag": "rejected-topic"}
    )
    audio_partitions: int = Field(default=20, ge=1, description="partitions of the audio topics (when created)")
    transcript_partitions: int = Field(default=20, ge=1, description="partitions of transcripts (when created)")
    rejected_partitions: int = Field(default=4, ge=1, description="partitions of the rejected topic (when created)")
    replication_factor: int = Field(
        default=1, ge=1,
        description="replicas of each partition (when created; min.insync.replicas = a majority from 3 up, else 1)",
    )

    @classmethod
    def suffixed(cls, prefix: str, suffix: str, **fields: int) -> TopicSettings:
        """The four pipeline topics as `{prefix}.chunks.{suffix}`, `{prefix}.segments.{suffix}`, …:
        names no other test or benchmark run uses (`suffix`: e.g. 8 random hex digits), with `fields`
        (partition counts, replication) set."""
        names = {kind: f"{prefix}.{kind}.{suffix}" for kind in ("chunks", "segments", "transcripts", "rejected")}
        return cls(**names, **fields)


class KafkaClientSettings(BaseSettings):
    """What every component that talks to Kafka nests, the same way: the connection and the topics.

    Component settings (`StreamAppSettings`, `RecognizerSettings`, `ProducerSettings`,
    `StackSettings`, …) derive from this, so `settings.kafka` and `settings.topics` exist in each
    and their flags (`--bootstrap-servers`, `--chunks-topic`, …) are generated the same way
    (streamscribe.cli_settings).
    """

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)

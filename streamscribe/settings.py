"""Settings shared by every component: the Kafka connection and the topic names.

Each component has one settings object of its own (env vars + CLI flags) that nests these.
"""

from __future__ import annotations

import argparse
import ssl
from pathlib import Path
from typing import Literal, get_args

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

    bootstrap_servers: str | None = None
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_ca_location: Path | None = Field(default=None, description="PEM file of the CA that signed the brokers")
    ssl_check_hostname: bool = Field(default=True, description="verify that the broker's certificate names its host")

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL_")

    @property
    def uses_ssl(self) -> bool:
        return self.security_protocol.endswith("SSL")

    def resolved_bootstrap(self) -> str:
        """The configured servers, or those of the running embedded broker."""
        if self.bootstrap_servers:
            return self.bootstrap_servers
        from infra.broker import BrokerError  # noqa: PLC0415 - avoids a cycle
        from infra.cluster import embedded_bootstrap  # noqa: PLC0415

        try:
            return embedded_bootstrap()
        except BrokerError:
            raise ConfigurationError(
                "no Kafka to talk to: set KAFKA_BOOTSTRAP_SERVERS or --bootstrap-servers, "
                "or start the embedded broker with `streamscribe broker start`"
            ) from None

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

    chunks: str = "audio.chunks"
    segments: str = "audio.segments"
    transcripts: str = "transcripts"
    rejected: str = "audio.rejected"
    audio_partitions: int = Field(default=20, ge=1)
    transcript_partitions: int = Field(default=20, ge=1)
    rejected_partitions: int = Field(default=4, ge=1)
    replication_factor: int = Field(default=1, ge=1)


KAFKA_FLAG_FIELDS = ("bootstrap_servers", "security_protocol", "sasl_mechanism", "sasl_username", "ssl_ca_location")


def add_kafka_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --bootstrap-servers, the security flags and the topic-name flags every service takes.

    The SASL password has no flag (argv is visible to every user): KAFKA_SASL_PASSWORD only.
    """
    parser.add_argument(
        "--bootstrap-servers",
        help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS, else the embedded broker)",
    )
    security = parser.add_argument_group("Kafka security (default: the KAFKA_* environment variables)")
    security.add_argument("--security-protocol", choices=get_args(SecurityProtocol))
    security.add_argument("--sasl-mechanism", choices=get_args(SaslMechanism))
    security.add_argument("--sasl-username", help="SASL user (its password: $KAFKA_SASL_PASSWORD)")
    security.add_argument("--ssl-ca-location", help="PEM file of the CA that signed the brokers' certificates")
    for name in ("chunks", "segments", "transcripts", "rejected"):
        parser.add_argument(f"--{name}-topic", dest=f"topic_{name}", help=f"name of the {name} topic")


def kafka_settings_from_args(args: argparse.Namespace) -> tuple[KafkaSettings, TopicSettings]:
    """Settings from env vars, overridden by whichever flags were given."""
    given = {name: getattr(args, name, None) for name in KAFKA_FLAG_FIELDS}
    kafka = KafkaSettings(**{name: value for name, value in given.items() if value})
    overrides = {
        name: getattr(args, f"topic_{name}")
        for name in ("chunks", "segments", "transcripts", "rejected")
        if getattr(args, f"topic_{name}", None)
    }
    return kafka, TopicSettings(**overrides)

"""`BrokerSettings`: the options of `streamscribe broker` (env vars STREAMSCRIBE_BROKER_*, then CLI flags)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class BrokerSettings(BaseSettings):
    """How `streamscribe broker start` brings up the embedded Apache Kafka broker, or a cluster of them."""

    # an empty STREAMSCRIBE_BROKER_PORT means none, as EmbeddedBroker.default() reads it
    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_BROKER_", env_ignore_empty=True)

    port: int | None = Field(
        default=None, ge=0, le=65535,
        description="client port of a single broker on first start (none or 0: a free one)",
    )
    nodes: int = Field(
        default=1, ge=1,
        description="start: 1 = the single broker, N > 1 = an N-node replicated cluster (stop/status act on both)",
    )
    sasl_ssl: bool = Field(
        default=False,
        description="first start of a single broker: a SASL_SSL listener (SCRAM-SHA-512, certificates made now) "
        "with ACLs; clients' settings are written to <state>/broker/security/client.env",
    )

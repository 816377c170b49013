"""`GatewaySettings`: the gateway's one settings object (STREAMSCRIBE_GATEWAY_* env vars + CLI flags)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from streamscribe.settings import KafkaClientSettings


def _default_instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class GatewaySettings(KafkaClientSettings):
    """Where it listens, who may stream, its limits, and which transcripts partitions it reads.

    Its producer is the SDK's, with the SDK's settings (STREAMSCRIBE_PRODUCER_*).
    """

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_GATEWAY_")

    host: str = Field("127.0.0.1", description="address to listen on (0.0.0.0: every interface)")
    port: int = Field(8080, ge=0, le=65535, description="port to listen on (0: a free one)")
    api_keys: str = Field("", json_schema_extra={"cli": False},  # argv is visible to every user: env only
                          description="comma-separated API keys; empty: open to anyone (logged)")
    max_streams_per_key: int = Field(20, ge=1, description="concurrent streams one API key may have")
    max_streams: int = Field(1000, ge=1, description="concurrent streams of this gateway (more: 503/1013)")
    max_frame_bytes: int = Field(256 * 1024, ge=1024, description="largest WebSocket message (more: 1009)")
    max_upload_bytes: int = Field(64 * 1024 * 1024, ge=1024, description="largest POST /v1/recognize body")
    idle_timeout_s: float = Field(10.0, gt=0, description="end a stream whose client sends nothing this long")
    result_timeout_s: float = Field(60.0, gt=0, description="wait this long for the eos result after the end")
    shutdown_timeout_s: float = Field(
        12.0, ge=1, description="after SIGTERM/SIGINT, exit (status 75, logging it) if the shutdown has not finished "
                                "this long after (it flushes the producer for up to 10 s)")
    home_partitions: int = Field(2, ge=1, description="transcripts partitions this instance owns and reads")
    home_first: int | None = Field(None, ge=0, description="first home partition (default: from the instance id)")
    instance_id: str = Field(default_factory=_default_instance_id, description="this instance's name (logs, home)")
    stream_id_prefix: str = Field("gw", pattern=r"^[A-Za-z0-9._:-]{1,40}$")
    tls_cert: Path | None = Field(None, description="PEM certificate chain: serve HTTPS/WSS")
    tls_key: Path | None = Field(None, description="PEM private key of tls_cert")
    allowed_origins: str = Field("", description="comma-separated Origins allowed for browsers; empty: any")

    @model_validator(mode="after")
    def _tls_pair(self) -> GatewaySettings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together")
        return self

    @property
    def keys(self) -> frozenset[str]:
        """The configured API keys."""
        return frozenset(key.strip() for key in self.api_keys.split(",") if key.strip())

    @property
    def origins(self) -> frozenset[str]:
        """The allowed browser origins (empty: any)."""
        return frozenset(origin.strip().rstrip("/") for origin in self.allowed_origins.split(",") if origin.strip())

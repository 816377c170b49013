"""The gateway's Prometheus metrics (`streamscribe_gateway_*`), one object per gateway.

The same style as the other services' (`RecognizerMetrics`, `StreamAppMetrics`): the command
creates one on the default registry, served at the gateway's own `GET /metrics`; a gateway
started in a test or a bench gets its own registry.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge

PREFIX = "streamscribe_gateway"


class GatewayMetrics:
    """Every gateway metric, on one registry."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.registry = registry
        self.streams_open = Gauge(f"{PREFIX}_streams_open", "Streams open through this gateway now", registry=registry)
        self.streams = Counter(f"{PREFIX}_streams", "Streams started, by endpoint", ["endpoint"], registry=registry)
        self.refusals = Counter(f"{PREFIX}_refusals", "Streams refused or ended early, by reason", ["reason"],
                                registry=registry)
        self.audio_bytes = Counter(f"{PREFIX}_audio_bytes", "Audio bytes received from clients", registry=registry)
        self.transcripts_read = Counter(f"{PREFIX}_transcripts_read", "Results read from Kafka (every stream of "
                                        "the partitions read)", registry=registry)
        self.transcripts_sent = Counter(f"{PREFIX}_transcripts_sent", "Results sent to clients", registry=registry)
        self.partitions_read = Gauge(f"{PREFIX}_partitions_read", "transcripts partitions this gateway reads",
                                     registry=registry)

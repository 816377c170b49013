"""Prometheus metrics of the producer SDK, read from a producer's running totals at scrape time.

The totals are plain ints bumped on every write (a prometheus_client Counter would cost more
than the write itself at tens of thousands of chunks per second), exported by a collector.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from producers.ledger import ProducerStats

COUNTERS = {
    "chunks_sent": "Chunks handed to the Kafka client (eos messages included)",
    "bytes_sent": "PCM payload bytes handed to the Kafka client",
    "chunks_delivered": "Chunks Kafka acknowledged",
    "delivery_failures": "Chunks Kafka did not take (raised to the writer)",
    "backpressure_waits": "Sends that found the local queue full (each retry counts)",
    "streams_opened": "Streams opened",
    "streams_closed": "Streams closed with an eos message",
}


class ProducerStatsCollector(Collector):
    """Exports one producer's `ProducerStats` as `streamscribe_producer_*` metrics."""

    def __init__(self, stats: ProducerStats) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        for name, documentation in COUNTERS.items():
            yield CounterMetricFamily(
                f"streamscribe_producer_{name}", documentation, value=getattr(self._stats, name)
            )
        open_streams = self._stats.streams_opened - self._stats.streams_closed
        yield GaugeMetricFamily("streamscribe_producer_open_streams", "Streams open now", value=open_streams)


class ProducerMetrics:
    """The producer's metrics on one registry (the default one unless a test brings its own), in
    the style of `StreamAppMetrics` and `RecognizerMetrics`."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self._registry = registry

    def watch(self, stats: ProducerStats) -> None:
        """Export a producer's running totals (served by `serve_metrics`)."""
        self._registry.register(ProducerStatsCollector(stats))

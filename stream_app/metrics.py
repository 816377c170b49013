"""Prometheus metrics of the stream app (`streamscribe_stream_app_*`).

Per-chunk totals are plain ints in `IngestStats`, read at scrape time by a collector (a
prometheus_client Counter per chunk would cost a lock per message); per-segment and
per-checkpoint figures use ordinary metrics.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from stream_app.ingest import IngestCore
from stream_app.positions import PartitionPositions

PREFIX = "streamscribe_stream_app"
EMIT_DELAY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30)


class IngestCollector(Collector):
    """Exports an `IngestCore`'s running totals."""

    def __init__(self, core: IngestCore) -> None:
        self._core = core

    def collect(self) -> Iterator[Metric]:
        stats = self._core.stats
        yield GaugeMetricFamily(f"{PREFIX}_active_streams", "Streams open now (not ended, not idle-closed)",
                                value=self._core.open_streams)
        yield GaugeMetricFamily(f"{PREFIX}_buffered_bytes", "16 kHz s16 audio waiting to be emitted",
                                value=stats.buffered_bytes)
        yield CounterMetricFamily(f"{PREFIX}_chunks", "Chunk messages consumed", value=stats.chunks)
        yield CounterMetricFamily(f"{PREFIX}_input_bytes", "Chunk payload bytes consumed", value=stats.input_bytes)
        segments = CounterMetricFamily(f"{PREFIX}_segments", "Segments emitted, by reason", labels=["reason"])
        for reason, count in dict(stats.segments).items():
            segments.add_metric([reason], count)
        yield segments
        rejected = CounterMetricFamily(f"{PREFIX}_rejected", "Messages rejected, by reason", labels=["reason"])
        for reason, count in dict(stats.rejected).items():
            rejected.add_metric([reason], count)
        yield rejected


class PositionsCollector(Collector):
    """Exports which input partitions the worker owns now (1 per owned partition)."""

    def __init__(self, positions: PartitionPositions) -> None:
        self._positions = positions

    def collect(self) -> Iterator[Metric]:
        owned = GaugeMetricFamily(f"{PREFIX}_owned_partition", "1 for each input partition this worker owns",
                                  labels=["partition"])
        for partition in self._positions.owned():
            owned.add_metric([str(partition)], 1)
        yield owned


class StreamAppMetrics:
    """The stream app's metrics on one registry (the default one unless a test brings its own).

    Readiness and recovery are metrics too (`ready`, `recoveries`, `restored_streams`,
    `owned_partition`), so supervisors and tests watch them instead of the log's wording.
    """

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self._registry = registry
        self.emit_delay = Histogram(
            f"{PREFIX}_emit_delay_seconds",
            "From the newest chunk's Kafka timestamp in a final segment to the segment being sent",
            buckets=EMIT_DELAY_BUCKETS, registry=registry,
        )
        self.changelog_bytes = Counter(
            f"{PREFIX}_changelog_bytes", "Key + value bytes written to the stream-state changelog", registry=registry
        )
        self.ready = Gauge(f"{PREFIX}_ready", "1 once the worker has started (partitions assigned, table recovered)",
                           registry=registry)
        self.recoveries = Counter(f"{PREFIX}_recoveries", "Table recoveries (one per assignment)", registry=registry)
        self.restored_streams = Counter(
            f"{PREFIX}_restored_streams", "Streams rebuilt from their checkpoints after an assignment",
            registry=registry,
        )

    def watch(self, core: IngestCore, positions: PartitionPositions) -> None:
        """Export `core`'s totals and the partitions `positions` owns."""
        self._registry.register(IngestCollector(core))
        self._registry.register(PositionsCollector(positions))

    def observe_emit_delay(self, produced_at_ms: int, sent_at_ms: float) -> None:
        """Record one final segment's emit delay: sent at `sent_at_ms` (epoch ms), its newest chunk
        stamped `produced_at_ms`. A segment without a chunk timestamp (0 or below: unknown, as the
        recognizer reads it) has no delay to record: counting it would add the whole epoch."""
        if produced_at_ms > 0:
            self.emit_delay.observe(max(0.0, sent_at_ms - produced_at_ms) / 1000)

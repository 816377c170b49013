"""Which metrics each service defines, asked from the components' own metrics code."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry

SAMPLE_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def recognizer_families() -> dict[str, str]:
    """Family name → type of the recognizer's metrics, collected from a fresh registry."""
    from recognizer.metrics import RecognizerMetrics

    registry = CollectorRegistry()
    RecognizerMetrics(registry)
    return {family.name: family.type for family in registry.collect()}


def stream_app_families() -> dict[str, str]:
    """Family name → type of the stream app's metrics, collected from a fresh registry."""
    from stream_app.ingest import IngestCore
    from stream_app.metrics import StreamAppMetrics
    from stream_app.positions import PartitionPositions
    from stream_app.settings import StreamAppSettings

    registry = CollectorRegistry()
    settings = StreamAppSettings()
    positions = PartitionPositions()
    positions.own(0)  # an owned partition, so the labelled gauge has a sample
    StreamAppMetrics(registry).watch(
        IngestCore(settings.segmenting_rules(), settings.idle_timeout_s, settings.max_chunk_bytes), positions
    )
    return {family.name: family.type for family in registry.collect()}


SERVICE_FAMILIES: dict[str, Callable[[], dict[str, str]]] = {
    "stream_app": stream_app_families,
    "recognizer": recognizer_families,
}


def sample_names(families: dict[str, str]) -> set[str]:
    """Names a scrape may show for these families (`_total`, `_bucket`, … included)."""
    return {family + suffix for family, kind in families.items() for suffix in SAMPLE_SUFFIXES.get(kind, ("",))}


def all_sample_names() -> set[str]:
    """Sample names of every service's metrics."""
    return {name for families in SERVICE_FAMILIES.values() for name in sample_names(families())}

"""Metrics read the core's totals at scrape time; CLI flags and env vars become one settings object."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from stream_app.ingest import IngestCore, Outputs
from stream_app.metrics import StreamAppMetrics
from stream_app.positions import PartitionPositions
from stream_app.settings import StreamAppSettings
from streamscribe.cli_settings import settings_from_args
from tests.stream_app.streams import interleave, make_streams
from tooling.cli import build_parser


def scrape(registry: CollectorRegistry) -> dict[str, float]:
    values = {}
    for line in generate_latest(registry).decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def test_metrics_follow_the_core() -> None:
    settings = StreamAppSettings()
    core = IngestCore(settings.segmenting_rules(), settings.idle_timeout_s, settings.max_chunk_bytes)
    registry = CollectorRegistry()
    metrics = StreamAppMetrics(registry)
    positions = PartitionPositions()
    positions.own(2)
    metrics.watch(core, positions)
    streams = make_streams(2, 2.0, seed=5)
    messages = interleave(streams, partitions=1)
    out = Outputs()
    for message in messages[:-3]:
        core.process(message, 0.0, out)
    core.process(messages[0]._replace(key=None), 0.0, out)
    metrics.observe_emit_delay(1_000, 1_200.0)
    metrics.changelog_bytes.inc(70)
    values = scrape(registry)
    prefix = "streamscribe_stream_app"
    assert values[f"{prefix}_chunks_total"] == len(messages) - 2
    assert values[f"{prefix}_input_bytes_total"] == sum(len(m.value) for m in messages[:-3]) + len(messages[0].value)
    assert values[f"{prefix}_active_streams"] == core.open_streams > 0
    assert values[f"{prefix}_buffered_bytes"] == core.stats.buffered_bytes > 0
    assert values[f'{prefix}_rejected_total{{reason="missing_key"}}'] == 1
    assert values[f"{prefix}_emit_delay_seconds_count"] == 1
    assert values[f"{prefix}_changelog_bytes_total"] == 70
    assert values[f'{prefix}_owned_partition{{partition="2"}}'] == 1 and values[f"{prefix}_ready"] == 0
    cut_reasons = {name for name in values if name.startswith(f"{prefix}_segments_total")}
    assert sum(values[name] for name in cut_reasons) == len(out.segments)


def test_emit_delay_counts_only_segments_with_a_chunk_timestamp() -> None:
    registry = CollectorRegistry()
    metrics = StreamAppMetrics(registry)
    sent_at_ms = 1_796_000_000_250.0
    metrics.observe_emit_delay(1_796_000_000_000, sent_at_ms)
    metrics.observe_emit_delay(0, sent_at_ms)  # no timestamp known: not a delay of 57 years
    metrics.observe_emit_delay(-(2**63), sent_at_ms)
    values = scrape(registry)
    assert values["streamscribe_stream_app_emit_delay_seconds_count"] == 1
    assert values["streamscribe_stream_app_emit_delay_seconds_sum"] == pytest.approx(0.25)


def test_flags_override_env_and_reach_the_segmenting_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMSCRIBE_STREAM_APP_MIN_SILENCE_MS", "600")
    monkeypatch.setenv("STREAMSCRIBE_STREAM_APP_IDLE_TIMEOUT_MS", "9000")
    args = build_parser().parse_args([
        "stream-app", "--bootstrap-servers", "kafka:9092", "--chunks-topic", "in", "--max-segment-bytes", "64000",
        "--idle-timeout-ms", "2000", "--interim-interval-ms", "500", "--workdir", "/tmp/x", "--metrics-port", "0",
    ])
    settings = settings_from_args(StreamAppSettings, args)
    assert (settings.kafka.bootstrap_servers, settings.topics.chunks, settings.topics.segments) == (
        "kafka:9092", "in", "audio.segments")
    assert (settings.idle_timeout_ms, settings.min_silence_ms, settings.metrics_port) == (2000, 600, 0)
    rules = settings.segmenting_rules()
    assert (rules.max_frames, rules.min_silence_frames, rules.interim_interval_samples) == (100, 30, 8000)


def test_contradicting_thresholds_are_refused() -> None:
    with pytest.raises(ValueError, match="cut_search_frames|max_frames"):
        StreamAppSettings(max_segment_bytes=3_200, frame_ms=100)

"""The recognizer's Prometheus metrics (`streamscribe_recognizer_*`), one object per worker process.

The same style as the stream app's (`StreamAppMetrics`) and the producer's (`ProducerMetrics`):
the command creates one metrics object on the default registry (served by
`streamscribe.metrics.serve_metrics`) and hands it to the parts that report; a test brings its
own `CollectorRegistry`; code given no metrics object (training, benches) reports nothing.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

PREFIX = "streamscribe_recognizer"


class RecognizerMetrics:
    """Every recognizer metric, on one registry."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.segments = Counter(f"{PREFIX}_segments", "Segments recognised and written", ["final"], registry=registry)
        self.audio_seconds = Counter(f"{PREFIX}_audio_seconds", "Seconds of audio recognised", registry=registry)
        self.batch_size = Histogram(
            f"{PREFIX}_batch_size", "Segments per model forward pass",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128), registry=registry,
        )
        self.model_seconds = Histogram(
            f"{PREFIX}_model_seconds", "Wall time of one forward pass (features + encoder + decoder)",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=registry,
        )
        self.decode_seconds = Histogram(
            f"{PREFIX}_decode_seconds", "Wall time of CTC decoding of one recognised batch of segments",
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5), registry=registry,
        )
        self.real_time_factor = Histogram(
            f"{PREFIX}_real_time_factor", "Forward-pass time divided by the audio duration, per forward pass",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2), registry=registry,
        )
        self.end_to_end_latency = Histogram(
            f"{PREFIX}_end_to_end_latency_seconds",
            "From a segment's produced_at_ms (newest chunk's Kafka timestamp) to its transcript being committed",
            buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30), registry=registry,
        )
        self.stage_seconds = Histogram(
            f"{PREFIX}_stage_seconds",
            "The end-to-end latency by stage: stream_app (newest chunk → segment written), queue (→ read by "
            "the worker) and recognize (→ transcript committed)",
            ["stage"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30), registry=registry,
        )
        self.errors = Counter(
            f"{PREFIX}_errors", "Failures by kind (rejected input, aborted transaction, …)", ["kind"], registry=registry
        )
        self.backlog = Gauge(
            f"{PREFIX}_backlog_segments",
            "Segments of this worker's partitions waiting: the batch in hand plus those not read yet",
            registry=registry,
        )
        self.ready = Gauge(
            f"{PREFIX}_ready", "1 once the worker has joined its group and initialised its transactions",
            registry=registry,
        )
        self.transaction_messages = Histogram(
            f"{PREFIX}_transaction_messages",
            "Messages read (and committed) per transaction, skipped previews included",
            buckets=(1, 4, 16, 64, 128, 256, 512, 1024), registry=registry,
        )
        self.previews_skipped = Counter(
            f"{PREFIX}_previews_skipped",
            "Interim previews not recognised, by reason: superseded (a newer segment of the same stream "
            "was in the batch) or stale (too old when read)",
            ["reason"], registry=registry,
        )
        self.formatting_seconds = Histogram(
            f"{PREFIX}_formatting_seconds", "CPU time formatting one final result (redaction, ITN, punctuation)",
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1), registry=registry,
        )
        self.formatting_failures = Counter(
            f"{PREFIX}_formatting_failures", "Results sent unformatted (redacted only, if asked) as formatting failed",
            registry=registry,
        )
        self.finals_redelivered = Counter(
            f"{PREFIX}_finals_redelivered",
            "Final segments not recognised again: a stream app's replay sent a copy of one already written",
            registry=registry,
        )

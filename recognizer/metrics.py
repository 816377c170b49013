"""The recognizer's Prometheus metrics (served with `streamscribe.metrics.serve_metrics`)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

SEGMENTS = Counter(
    "streamscribe_recognizer_segments_total", "Segments recognised and written", ["final"]
)
AUDIO_SECONDS = Counter(
    "streamscribe_recognizer_audio_seconds_total", "Seconds of audio recognised"
)
BATCH_SIZE = Histogram(
    "streamscribe_recognizer_batch_size", "Segments per model forward pass",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
MODEL_SECONDS = Histogram(
    "streamscribe_recognizer_model_seconds", "Wall time of one forward pass (features + encoder + decoder)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DECODE_SECONDS = Histogram(
    "streamscribe_recognizer_decode_seconds", "Wall time of CTC decoding of one recognised batch of segments",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
REAL_TIME_FACTOR = Histogram(
    "streamscribe_recognizer_real_time_factor", "Forward-pass time divided by the audio duration, per forward pass",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2),
)
END_TO_END_LATENCY = Histogram(
    "streamscribe_recognizer_end_to_end_latency_seconds",
    "From a segment's produced_at_ms (newest chunk's Kafka timestamp) to its transcript being committed",
    buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30),
)
ERRORS = Counter(
    "streamscribe_recognizer_errors_total", "Failures by kind (rejected input, aborted transaction, …)", ["kind"]
)
BACKLOG = Gauge(
    "streamscribe_recognizer_backlog_segments",
    "Segments of this worker's partitions waiting: the batch in hand plus those not read yet",
)

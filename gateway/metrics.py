"""The gateway's Prometheus metrics (served at GET /metrics of the gateway itself)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

STREAMS_OPEN = Gauge("streamscribe_gateway_streams_open", "Streams open through this gateway now")
STREAMS = Counter("streamscribe_gateway_streams_total", "Streams started, by endpoint", ["endpoint"])
REFUSALS = Counter("streamscribe_gateway_refusals_total", "Streams refused or ended early, by reason", ["reason"])
AUDIO_BYTES = Counter("streamscribe_gateway_audio_bytes_total", "Audio bytes received from clients")
TRANSCRIPTS_READ = Counter("streamscribe_gateway_transcripts_read_total", "Results read from Kafka")
TRANSCRIPTS_SENT = Counter("streamscribe_gateway_transcripts_sent_total", "Results sent to clients")
PARTITIONS_READ = Gauge("streamscribe_gateway_partitions_read", "transcripts partitions this gateway reads")

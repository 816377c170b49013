"""`ProducerSettings`: every knob of the producer SDK (env prefix STREAMSCRIBE_PRODUCER_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from streamscribe.contracts.chunk import DEFAULT_MAX_CHUNK_BYTES
from streamscribe.settings import KafkaClientSettings, KafkaSettings

HEADER_ALLOWANCE_BYTES = 64 * 1024


class ProducerSettings(KafkaClientSettings):
    """How audio is cut, paced and handed to Kafka (and, as every component, `kafka` and `topics`).

    The librdkafka knobs default to values measured for many small (100 ms) chunks from
    hundreds of streams: a short linger to batch across streams, no compression (PCM barely
    compresses and lz4 costs CPU per chunk), and a bounded local queue so a slow broker
    pushes back on writers instead of growing memory.
    """

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_PRODUCER_")

    chunk_ms: int = Field(default=100, ge=10, le=5000, description="audio per chunk when cutting sources")
    realtime: bool = Field(default=False, description="pace sources at the speed of their audio")
    target_sample_rate: int = Field(
        default=16_000, ge=8000, le=48000, description="rate that out-of-range sources are resampled to"
    )
    max_chunk_bytes: int = Field(
        default=DEFAULT_MAX_CHUNK_BYTES, ge=1024, description="larger writes are split into several chunks"
    )
    linger_ms: float = Field(default=5.0, ge=0)
    compression: Literal["none", "lz4", "zstd", "snappy", "gzip"] = "none"
    partitioner: str = Field(
        default="murmur2_random", description="murmur2 hashes keys as Java clients and faust/aiokafka do"
    )
    queue_max_messages: int = Field(default=100_000, ge=1)
    queue_max_kbytes: int = Field(default=65_536, ge=1)
    delivery_timeout_ms: int = Field(default=120_000, ge=1000, description="librdkafka message.timeout.ms")
    reconnect_backoff_max_ms: int = Field(
        default=1_000, ge=10,
        description="librdkafka reconnect.backoff.max.ms: after a broker outage, buffered chunks leave within "
                    "about this long of its return (librdkafka's 10 s default would eat into the stream app's "
                    "idle timeout)")
    report_refusals: bool = Field(
        default=True,
        description="read audio.rejected (from its end, no consumer group) and raise the stream app's refusals of "
                    "this producer's chunks, e.g. after its stream was closed as idle (needs read access to the topic)")
    backpressure_timeout_s: float = Field(
        default=60.0, gt=0, description="how long a write waits for room in the local queue"
    )
    poll_interval_s: float = Field(default=0.01, gt=0, description="async producer's wait between polls")

    def client_config(self, kafka: KafkaSettings) -> dict[str, object]:
        """librdkafka configuration of an idempotent, acks=all producer with these knobs."""
        return kafka.client_config(**{
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": self.linger_ms,
            "compression.type": self.compression,
            "partitioner": self.partitioner,
            "queue.buffering.max.messages": self.queue_max_messages,
            "queue.buffering.max.kbytes": self.queue_max_kbytes,
            "message.timeout.ms": self.delivery_timeout_ms,
            "reconnect.backoff.max.ms": self.reconnect_backoff_max_ms,
            "message.max.bytes": self.max_chunk_bytes + HEADER_ALLOWANCE_BYTES,
        })


class SendSettings(ProducerSettings):
    """`streamscribe send`: the producer SDK's settings, and where the command serves its metrics."""

    metrics_port: int | None = Field(default=None, ge=0, le=65535, description="serve Prometheus metrics on this port")


class TranscribeSettings(ProducerSettings):
    """`streamscribe transcribe`: files through the running pipeline, one transcript file each."""

    format: Literal["txt", "json", "srt", "vtt"] = Field(
        default="txt", description="text, the final results as JSON lines, or captions (SRT/WebVTT)"
    )
    output_dir: Path = Field(default=Path("."), description="where FILE.<format> is written",
                             json_schema_extra={"short": "-o"})
    timeout_s: float = Field(default=600.0, gt=0, description="give up on results this long after sending")

"""Producer throughput: how many chunk writes per second one process sustains, and at what CPU cost.

    python -m producers.bench --bootstrap-servers HOST:PORT [--streams 800] [--writes 200000]
        [--chunk-bytes 3200] [--compression none lz4] [--linger-ms 0 5 20] [--mode sync async]

Each configuration writes to a fresh topic (deleted afterwards), round-robin over the streams
as fast as it can, cycling through distinct chunks of synthesised speech, then flushes
(acks=all). It reports wall-clock writes/s including the flush, and process CPU (all threads,
librdkafka's included) per write.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from confluent_kafka.admin import AdminClient, NewTopic

from producers.async_producer import AsyncAudioProducer
from producers.producer import AudioProducer
from producers.settings import ProducerSettings
from producers.sources import cut_chunks, prepare, read_audio, resample
from streamscribe.settings import KafkaSettings, TopicSettings


@dataclass(frozen=True)
class BenchResult:
    """One configuration's figures."""

    mode: str
    compression: str
    linger_ms: float
    writes: int
    wall_s: float
    cpu_s: float
    backpressure_waits: int

    def describe(self) -> str:
        """One table row."""
        return (
            f"{self.mode:5} {self.compression:5} linger={self.linger_ms:>4g}ms  "
            f"{self.writes / self.wall_s:>9,.0f} writes/s  "
            f"{self.cpu_s / self.writes * 1e6:6.1f} us CPU/write  "
            f"backpressure waits {self.backpressure_waits}"
        )


@contextmanager
def scratch_topic(kafka: KafkaSettings, partitions: int) -> Iterator[TopicSettings]:
    """A fresh chunks topic for one run, deleted afterwards."""
    admin = AdminClient(kafka.client_config())
    name = f"bench.chunks.{uuid.uuid4().hex[:8]}"
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result(timeout=30)
    try:
        yield TopicSettings(chunks=name)
    finally:
        admin.delete_topics([name])[name].result(timeout=30)


def speech_chunks(chunk_bytes: int) -> list[bytes]:
    """Distinct chunks of 16 kHz mono s16 speech (espeak-ng), so compression sees real audio."""
    text = "The quick brown fox jumps over the lazy dog while the call centre keeps every stream in order."
    wav = subprocess.run(["espeak-ng", "--stdout", text], capture_output=True, check=True, timeout=60).stdout
    pcm = prepare(resample(read_audio(wav), 16_000)).pcm
    return [chunk for chunk in cut_chunks(pcm, chunk_bytes) if len(chunk) == chunk_bytes]


def run_sync(producer: AudioProducer, streams: int, writes: int, chunks: list[bytes]) -> None:
    """Round-robin writes over `streams` streams, then close them all and flush."""
    opened = [producer.open_stream(f"bench-{i}", 16_000) for i in range(streams)]
    for stream, chunk in zip(itertools.islice(itertools.cycle(opened), writes), itertools.cycle(chunks)):
        stream.write(chunk)
    for stream in opened:
        stream.close()
    producer.flush()


async def run_async(producer: AsyncAudioProducer, streams: int, writes: int, chunks: list[bytes]) -> None:
    """The same load through the asyncio producer."""
    opened = [producer.open_stream(f"bench-{i}", 16_000) for i in range(streams)]
    for stream, chunk in zip(itertools.islice(itertools.cycle(opened), writes), itertools.cycle(chunks)):
        await stream.write(chunk)
    for stream in opened:
        await stream.close()
    await producer.flush()


def measure(
    kafka: KafkaSettings,
    mode: str,
    settings: ProducerSettings,
    *,
    streams: int,
    writes: int,
    chunks: list[bytes],
) -> BenchResult:
    """Run one configuration on its own topic."""
    with scratch_topic(kafka, partitions=20) as topics:
        wall, cpu = time.perf_counter(), time.process_time()
        if mode == "sync":
            producer: AudioProducer | AsyncAudioProducer = AudioProducer(kafka, topics, settings)
            run_sync(producer, streams, writes, chunks)
        else:
            producer = AsyncAudioProducer(kafka, topics, settings)
            asyncio.run(run_async(producer, streams, writes, chunks))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return BenchResult(
        mode, settings.compression, settings.linger_ms, writes, wall, cpu, producer.stats.backpressure_waits
    )


def main() -> None:
    """Measure every combination of the given modes, compressions and linger times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--bootstrap-servers", help="Kafka (default: $KAFKA_BOOTSTRAP_SERVERS, else embedded)"
    )
    parser.add_argument("--streams", type=int, default=800)
    parser.add_argument("--writes", type=int, default=200_000)
    parser.add_argument("--chunk-bytes", type=int, default=3200, help="3200 = 100 ms of 16 kHz mono s16")
    parser.add_argument("--compression", nargs="+", default=["none", "lz4"])
    parser.add_argument("--linger-ms", nargs="+", type=float, default=[5.0])
    parser.add_argument("--mode", nargs="+", choices=["sync", "async"], default=["sync", "async"])
    args = parser.parse_args()
    kafka = (
        KafkaSettings(bootstrap_servers=args.bootstrap_servers) if args.bootstrap_servers else KafkaSettings()
    )
    chunks = speech_chunks(args.chunk_bytes)
    for mode, compression, linger in itertools.product(args.mode, args.compression, args.linger_ms):
        settings = ProducerSettings(compression=compression, linger_ms=linger)
        result = measure(kafka, mode, settings, streams=args.streams, writes=args.writes, chunks=chunks)
        print(result.describe(), flush=True)


if __name__ == "__main__":
    main()

"""Producer throughput: how many chunk writes per second one process sustains, and at what CPU cost.

    python -m tooling.bench.producer --bootstrap-servers HOST:PORT [--streams 800] [--writes 200000]
        [--chunk-bytes 3200] [--compression none lz4] [--linger-ms 0 5 20] [--mode sync async]
    python -m tooling.bench.producer --bootstrap-servers HOST:PORT --streams 1000 --realtime-seconds 20

Each configuration writes to a fresh topic (deleted afterwards), round-robin over the streams
as fast as it can, cycling through distinct chunks of synthesised speech, then flushes
(acks=all). It reports wall-clock writes/s including the flush, and process CPU (all threads,
librdkafka's included) per write. With --realtime-seconds it instead plays --streams live
streams at once, paced at the speed of their audio, and reports how far the
chunks fell behind their schedule.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from confluent_kafka.admin import AdminClient, NewTopic
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from producers.async_producer import AsyncAudioProducer
from producers.pacing import RealtimeSchedule
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


async def play_live(
    producer: AsyncAudioProducer, name: str, start_delay: float, chunks: list[bytes], lags: list[float]
) -> None:
    """One live 16 kHz mono stream, each chunk sent when due; appends how late each one left."""
    await asyncio.sleep(start_delay)
    stream = producer.open_stream(name, 16_000)
    schedule = RealtimeSchedule.starting_now(16_000)
    end_frame = 0
    for chunk in chunks:
        end_frame += len(chunk) // 2
        await schedule.wait_async(end_frame)
        lags.append(schedule.lag(end_frame))
        await stream.write(chunk)
    await stream.close()


def measure_realtime(
    kafka: KafkaSettings, settings: ProducerSettings, *, streams: int, seconds: float, chunks: list[bytes]
) -> str:
    """Many paced streams from one process (starts spread over 100 ms): can it keep up?"""
    per_stream = math.ceil(seconds * 16_000 * 2 / len(chunks[0]))
    stream_chunks = list(itertools.islice(itertools.cycle(chunks), per_stream))
    lags: list[float] = []

    async def play_all(producer: AsyncAudioProducer) -> None:
        await asyncio.gather(
            *(
                play_live(producer, f"live-{i}", 0.1 * i / streams, stream_chunks, lags)
                for i in range(streams)
            )
        )
        await producer.flush()

    with scratch_topic(kafka, partitions=20) as topics:
        producer = AsyncAudioProducer(kafka, topics, settings)
        wall, cpu = time.perf_counter(), time.process_time()
        asyncio.run(play_all(producer))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    lags.sort()
    p50, p99 = (lags[int(q * (len(lags) - 1))] * 1000 for q in (0.5, 0.99))
    return (
        f"realtime: {streams} streams x {seconds:g}s of {len(chunks[0]) / 32:g} ms chunks: "
        f"{producer.stats.chunks_sent / wall:,.0f} writes/s, chunk send lag behind schedule "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {lags[-1] * 1000:.1f} ms; "
        f"process CPU {cpu / wall:.0%} of one core"
    )


class ProducerBenchSettings(BaseSettings):
    """What `python -m tooling.bench.producer` measures: every mode × compression × linger, or a live run."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_BENCH_PRODUCER_")

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    streams: int = Field(default=800, ge=1, description="streams written round-robin (or played live)")
    writes: int = Field(default=200_000, ge=1, description="chunk writes per configuration")
    chunk_bytes: int = Field(default=3200, ge=2, description="3200 = 100 ms of 16 kHz mono s16")
    compression: tuple[str, ...] = Field(default=("none", "lz4"), description="producer compressions to try")
    linger_ms: tuple[float, ...] = Field(default=(5.0,), description="producer linger times to try")
    mode: tuple[Literal["sync", "async"], ...] = Field(default=("sync", "async"), description="producer SDKs to try")
    realtime_seconds: float | None = Field(
        default=None, gt=0, description="instead: --streams paced live streams of this length"
    )


def main() -> None:
    """Measure every combination of the given modes, compressions and linger times."""
    from infra.cluster import reachable_kafka  # noqa: PLC0415
    from streamscribe.cli_settings import add_settings_arguments, settings_from_args  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_settings_arguments(parser, ProducerBenchSettings)
    args = settings_from_args(ProducerBenchSettings, parser.parse_args())
    kafka = reachable_kafka(args.kafka)
    chunks = speech_chunks(args.chunk_bytes)
    if args.realtime_seconds:
        settings = ProducerSettings(compression=args.compression[0], linger_ms=args.linger_ms[0])
        print(
            measure_realtime(
                kafka, settings, streams=args.streams, seconds=args.realtime_seconds, chunks=chunks
            )
        )
        return
    for mode, compression, linger in itertools.product(args.mode, args.compression, args.linger_ms):
        settings = ProducerSettings(compression=compression, linger_ms=linger)
        result = measure(kafka, mode, settings, streams=args.streams, writes=args.writes, chunks=chunks)
        print(result.describe(), flush=True)


if __name__ == "__main__":
    main()

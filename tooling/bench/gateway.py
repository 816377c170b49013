"""`streamscribe bench gateway`: N concurrent real-time WebSocket clients against real gateways.

Three `streamscribe gateway` processes (real subprocesses, 2 home partitions each of 20, on fresh
topics) run against the broker; no stream app or recognizer runs: the bench plays the
recognizer itself, writing one result per second for every stream (keyed, with librdkafka's
consistent_random partitioner as the recognizers do) and as many again for 4x as many "foreign"
streams (those of other gateways and Kafka producers). N clients on loopback stream 16 kHz s16
audio in 100 ms frames at real-time pace to gateway 0 and read their results. Figures per N:

- `cpu_ms_per_stream_s`: gateway 0's CPU time (user + system, psutil) over the steady window per
  stream per second (1000 = one core per stream); `cpu_pct_per_100_streams` the same as a share
  of one core;
- `rss_kb_per_connection`: (gateway RSS with N streams − RSS before) / N;
- `chunk_latency_p50_ms`/`p95`: client send → the chunk readable from Kafka, through the gateway;
  `sdk_chunk_latency_p50_ms`/`p95`: the same for the producer SDK writing directly (same N, same
  pacing, from this process), so `added_latency_p50_ms` is what the gateway adds;
- `result_latency_p50_ms`/`p95`: result written to `transcripts` → received by the client;
- `read_share_gateway_k`: results each gateway read / results written in the window: the design
  says about 2/20 of the foreign results plus its own streams', instead of all of them;
- `machine_load_1m`: the load average at the end of the window (a shared 2-core VM here; the
  clients, the fake recognizer and the broker run on the same cores as the gateway).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from producers.pacing import RealtimeSchedule
from streamscribe.cli_settings import Counts
from streamscribe.percentiles import percentile
from streamscribe.settings import KafkaSettings
from tooling.bench.machine import load_average
from tooling.bench.options import BenchOptions

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
FRAME_SAMPLES = 1_600  # 100 ms
FRAME_BYTES = FRAME_SAMPLES * 2  # s16 mono
PARTITIONS = 20
HOME = 2
FOREIGN_PER_STREAM = 4


QUICK_HELP = "one small run (50 clients, 8 s)"  # --quick's help (`streamscribe bench` adds the flag)


class GatewayBenchSettings(BaseSettings):
    """The gateway benchmark's client counts, window and gateway processes."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_BENCH_GATEWAY_")

    streams: Counts = Field(default=(100, 500, 1000), description="comma-separated concurrent client counts")
    seconds: float = Field(default=20.0, gt=0, description="steady-state measurement window")
    gateways: int = Field(default=3, ge=1, description="gateway processes (clients use the first)")


SETTINGS = GatewayBenchSettings  # what `streamscribe bench gateway` builds from its flags


def run(bench: GatewayBenchSettings, options: BenchOptions) -> dict[str, object]:
    """Start the gateways on fresh topics, run every client count; returns one row per count."""
    from infra.topics import ensure_topics  # noqa: PLC0415
    from streamscribe.settings import TopicSettings  # noqa: PLC0415

    counts = list(bench.streams)
    seconds = bench.seconds
    if options.quick:
        counts, seconds = [50], min(seconds, 8.0)
    suffix = uuid.uuid4().hex[:8]
    kafka = options.kafka
    topics = TopicSettings.suffixed("bench-gw", suffix, audio_partitions=PARTITIONS, transcript_partitions=PARTITIONS)
    ensure_topics(kafka, topics)
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as folder:
        gateways = [GatewayProcess(kafka, topics, k, Path(folder))
                    for k in range(bench.gateways)]
        try:
            for gateway in gateways:
                gateway.wait_ready()
            rows = [asyncio.run(measure(n, seconds, gateways, kafka, topics)) for n in counts]
        finally:
            for gateway in gateways:
                gateway.stop()
    return {"sweep": rows, "gateways": bench.gateways, "home_partitions": f"{HOME} of {PARTITIONS}",
            "command": "streamscribe " + " ".join(sys.argv[1:])}


class GatewayProcess:
    """`streamscribe gateway` as a subprocess on a free port."""

    def __init__(self, kafka: KafkaSettings, topics, index: int, folder: Path) -> None:  # noqa: ANN001
        from infra.broker import free_port  # noqa: PLC0415

        self.port = free_port()
        self.log_path = folder / f"gateway-{index}.log"
        command = [
            sys.executable, "-m", "tooling.cli", "gateway", "--bootstrap-servers", kafka.resolved_bootstrap(),
            "--chunks-topic", topics.chunks, "--transcripts-topic", topics.transcripts, "--port", str(self.port),
            "--home-partitions", str(HOME), "--home-first", str(index * HOME), "--instance-id", f"bench-{index}",
            "--max-streams", "10000", "--idle-timeout-s", "60",
        ]
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            env=os.environ | kafka.environment())  # credentials not in argv

    def url(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gateway exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url("/readyz"), timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gateway not ready after {timeout:g}s: {self.log_path.read_text()[-2000:]}")

    def transcripts_read(self) -> float:
        with urllib.request.urlopen(self.url("/metrics"), timeout=60) as response:  # a saturated loop answers late
            text = response.read().decode()
        match = re.search(r"^streamscribe_gateway_transcripts_read_total (\S+)$", text, re.M)
        return float(match.group(1)) if match else 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()


@dataclass
class Timings:
    """Send times of chunks and the latencies seen, shared with the Kafka threads."""

    sent: dict[tuple[str, int], float] = field(default_factory=dict)
    chunk_ms: list[float] = field(default_factory=list)
    result_ms: list[float] = field(default_factory=list)
    measuring: bool = False


class ChunkWatcher(threading.Thread):
    """Reads the chunks topic from its end; records send → readable latency of known chunks."""

    def __init__(self, kafka: KafkaSettings, topic: str, timings: Timings) -> None:
        super().__init__(daemon=True)
        from confluent_kafka import Consumer, TopicPartition  # noqa: PLC0415

        self.timings, self.stopping = timings, threading.Event()
        self.consumer = Consumer(kafka.client_config(**{"group.id": f"bench-{uuid.uuid4().hex}",
                                                         "enable.auto.commit": False, "fetch.wait.max.ms": 10}))
        ends = [TopicPartition(topic, p, self.consumer.get_watermark_offsets(TopicPartition(topic, p), 10)[1])
                for p in range(PARTITIONS)]
        self.consumer.assign(ends)

    def run(self) -> None:
        timings = self.timings
        while not self.stopping.is_set():
            for message in self.consumer.consume(1000, 0.05):
                if message.error() is not None or not timings.measuring:
                    continue
                seq = dict(message.headers() or []).get("seq")
                sent = timings.sent.pop((message.key().decode(), int(seq or -1)), None)
                if sent is not None:
                    timings.chunk_ms.append((time.time() - sent) * 1000)
        self.consumer.close()


class FakeRecognizer(threading.Thread):
    """Writes one result per second for each known stream and for foreign ones."""

    def __init__(self, kafka: KafkaSettings, topic: str, foreign: int) -> None:
        super().__init__(daemon=True)
        from confluent_kafka import Producer  # noqa: PLC0415

        from streamscribe.contracts.transcript import TRANSCRIPT_PARTITIONER  # noqa: PLC0415

        self.topic, self.stopping = topic, threading.Event()
        self.streams: list[str] = []
        self.foreign = [f"other-{secrets.token_hex(6)}" for _ in range(foreign)]
        self.written = 0
        self.producer = Producer(kafka.client_config(**{"linger.ms": 5, "partitioner": TRANSCRIPT_PARTITIONER}))

    def run(self) -> None:
        segment = 0
        while not self.stopping.wait(1.0):
            now = time.time()
            for stream_id in [*self.streams, *self.foreign]:
                value = json.dumps({"stream_id": stream_id, "segment": segment, "start": segment, "end": segment + 1,
                                    "text": "bench", "final": True, "model": "bench", "sent_at": now})
                self.producer.produce(self.topic, value.encode(), stream_id.encode())
                self.producer.poll(0)
                self.written += 1
            segment += 1
        self.producer.flush(10)


async def measure(
    n: int, seconds: float, gateways: list[GatewayProcess], kafka: KafkaSettings, topics,  # noqa: ANN001
) -> dict:
    """One client count: gateway figures, then the SDK reference for the chunk latency."""
    import aiohttp  # noqa: PLC0415
    import psutil  # noqa: PLC0415

    timings = Timings()
    watcher = ChunkWatcher(kafka, topics.chunks, timings)
    recognizer = FakeRecognizer(kafka, topics.transcripts, FOREIGN_PER_STREAM * n)
    watcher.start()
    target = psutil.Process(gateways[0].process.pid)
    rss_before = target.memory_info().rss
    started, go = asyncio.Event(), asyncio.Event()
    connected = 0
    stop_at = 0.0
    frame = bytes(FRAME_BYTES)

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal connected
        async with session.ws_connect(gateways[0].url("/v1/stream", "ws"), max_msg_size=0) as ws:
            start_message = {"type": "start", "sample_rate": SAMPLE_RATE, "options": {"interim_interval_ms": 0}}
            await ws.send_str(json.dumps(start_message))
            stream_id = (await ws.receive_json())["stream_id"]
            recognizer.streams.append(stream_id)
            connected += 1
            if connected == n:
                started.set()
            await go.wait()

            async def read() -> None:
                async for message in ws:
                    if message.type is aiohttp.WSMsgType.TEXT and timings.measuring:
                        sent_at = json.loads(message.data).get("sent_at")
                        if sent_at:
                            timings.result_ms.append((time.time() - sent_at) * 1000)

            reader = asyncio.create_task(read())
            pacing, seq = RealtimeSchedule.starting_now(SAMPLE_RATE), 0
            while time.monotonic() < stop_at:
                await pacing.wait_async(seq * FRAME_SAMPLES)
                timings.sent[(stream_id, seq)] = time.time()
                await ws.send_bytes(frame)
                seq += 1
            await ws.send_str(json.dumps({"type": "eos"}))
            reader.cancel()

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        clients = [asyncio.create_task(client(session)) for _ in range(n)]
        await started.wait()
        warmup = 3.0
        stop_at = time.monotonic() + warmup + seconds
        go.set()
        recognizer.start()
        await asyncio.sleep(warmup)
        reads_before = await asyncio.to_thread(lambda: [g.transcripts_read() for g in gateways])
        written_before, cpu_before = recognizer.written, target.cpu_times()
        timings.measuring = True
        await asyncio.sleep(seconds)
        timings.measuring = False
        cpu_after, rss = target.cpu_times(), target.memory_info().rss
        written = recognizer.written - written_before
        reads_after = await asyncio.to_thread(lambda: [g.transcripts_read() for g in gateways])
        reads = [after - before for after, before in zip(reads_after, reads_before, strict=True)]
        load = load_average()[0]
        await asyncio.gather(*clients, return_exceptions=True)
    recognizer.stopping.set()
    recognizer.join()
    cpu_s = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
    chunk_ms = list(timings.chunk_ms)
    sdk_ms = await sdk_reference(n, min(seconds, 10.0), kafka, topics, timings)
    watcher.stopping.set()
    watcher.join()
    row: dict[str, object] = {
        "clients": n,
        "cpu_ms_per_stream_s": round(cpu_s * 1000 / (n * seconds), 3),
        "cpu_pct_per_100_streams": round(cpu_s / seconds * 100 * 100 / n, 2),
        "rss_kb_per_connection": round((rss - rss_before) / 1024 / n, 1),
        "chunk_latency_p50_ms": round(percentile(chunk_ms, 50), 1),
        "chunk_latency_p95_ms": round(percentile(chunk_ms, 95), 1),
        "sdk_chunk_latency_p50_ms": round(percentile(sdk_ms, 50), 1),
        "sdk_chunk_latency_p95_ms": round(percentile(sdk_ms, 95), 1),
        "added_latency_p50_ms": round(percentile(chunk_ms, 50) - percentile(sdk_ms, 50), 1),
        "result_latency_p50_ms": round(percentile(timings.result_ms, 50), 1),
        "result_latency_p95_ms": round(percentile(timings.result_ms, 95), 1),
        "results_written": written,
        "machine_load_1m": load,
    }
    for index, read in enumerate(reads):
        row[f"read_share_gateway_{index}"] = round(read / written, 3) if written else None
    log.info("gateway bench: %s", row)
    return row


async def sdk_reference(
    n: int, seconds: float, kafka: KafkaSettings, topics, timings: Timings,  # noqa: ANN001
) -> list[float]:
    """The same paced load written by the producer SDK directly: its chunk latencies."""
    from producers import AsyncAudioProducer, ProducerSettings  # noqa: PLC0415

    timings.chunk_ms.clear()
    settings = ProducerSettings(kafka=kafka, topics=topics)
    frame = bytes(FRAME_BYTES)
    async with AsyncAudioProducer(settings=settings) as producer:
        streams = [producer.open_stream(f"sdk-{secrets.token_hex(6)}", SAMPLE_RATE) for _ in range(n)]
        timings.measuring = True
        end = time.monotonic() + seconds

        async def paced(stream) -> None:  # noqa: ANN001
            pacing, seq = RealtimeSchedule.starting_now(SAMPLE_RATE), 0
            while time.monotonic() < end:
                await pacing.wait_async(seq * FRAME_SAMPLES)
                timings.sent[(stream.stream_id, seq)] = time.time()
                await stream.write(frame)
                seq += 1
            await stream.close()

        await asyncio.gather(*(paced(stream) for stream in streams))
        await asyncio.sleep(0.5)
        timings.measuring = False
    return list(timings.chunk_ms)

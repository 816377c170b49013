"""`streamscribe bench ingest`: the stream app under N concurrent real-time streams.

For each chunk size (100 ms, 250 ms) and stream count, a fresh `streamscribe stream-app` worker
(a real subprocess, on fresh topics) consumes N live 16 kHz mono s16 streams of speech-like
audio (words and pauses) sent at real-time pace by a load generator in this process. Figures:

- `cpu_ms_per_audio_s`: the worker process's CPU time (psutil: user + system) over the steady
  window divided by the seconds of audio sent in it (target ≤ 1.33 at 100 ms chunks);
- `cpu_us_per_chunk`: the same per chunk message;
- `rss_mb_per_stream`: (worker RSS with N streams open − RSS before they started) / N;
- `emit_latency_p50_ms`/`p99`: a final segment's Kafka timestamp minus its `produced_at_ms`
  (the newest chunk's timestamp), i.e. how long the app held the audio after it arrived;
- `changelog_ratio`: bytes in the stream-state changelog topic / input audio bytes;
- `machine_load_1m`: the machine's load average when the window ended (CPU time per chunk grows
  when other processes share the cores);
- `load_generator_cpu_percent`, `broker_cpu_percent`: who else had the cores in the window (this
  process, which only sends the chunks then; the embedded broker, when that is the broker used,
  else null). A worker that falls behind while the load generator is busy measures the bench.

The emit latency includes the cut-back to a quiet point: a segment cut at a pause found up to
`cut_search_ms` before the threshold holds audio that old, so p99 approaches that window.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from producers.pacing import RealtimeSchedule
from streamscribe.cli_settings import Counts
from streamscribe.percentiles import percentile
from streamscribe.settings import KafkaSettings, TopicSettings
from tooling.bench.machine import embedded_broker_process, git_commit, load_average
from tooling.bench.options import BenchOptions

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
SPEECH_SECONDS = 20.0
BURST_S = 0.005  # the load generator sends the messages due within this long together


QUICK_HELP = "one small run per chunk size"  # --quick's help (`streamscribe bench` adds the flag)


class IngestBenchSettings(BaseSettings):
    """The ingest benchmark's sweep: stream counts × chunk sizes, and how long each run measures."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_BENCH_INGEST_")

    streams: Counts = Field(default=(50, 200), description="comma-separated concurrent stream counts")
    chunk_ms: Counts = Field(default=(100, 250), description="comma-separated chunk durations")
    seconds: float = Field(default=30.0, gt=0, description="steady-state measurement window")
    warmup_seconds: float = Field(default=5.0, ge=0, description="load before measuring")
    partitions: int = Field(default=4, ge=1, description="partitions of the benchmark topics")


SETTINGS = IngestBenchSettings  # what `streamscribe bench ingest` builds from its flags


@dataclass
class Run:
    """One benchmark configuration."""

    streams: int
    chunk_ms: int
    seconds: float
    warmup_s: float


def run(bench: IngestBenchSettings, options: BenchOptions) -> dict[str, object]:
    """Run every configuration; returns the figures (one row per run)."""
    kafka = options.kafka
    counts = list(bench.streams)
    seconds = bench.seconds
    if options.quick:
        counts, seconds = [min(counts)], min(seconds, 10.0)
    runs = [Run(n, ms, seconds, bench.warmup_seconds) for ms in bench.chunk_ms for n in counts]
    rows = [measure(kafka, one, bench.partitions) for one in runs]
    return {
        "sweep": rows,
        "target_cpu_ms_per_audio_s_at_100ms": 1.33,
        "target_rss_mb_per_stream": 0.5,
        "command": "streamscribe " + " ".join(sys.argv[1:]),
    }


def measure(kafka: KafkaSettings, config: Run, partitions: int) -> dict[str, object]:
    """Start a worker on fresh topics, load it, and return one row of figures."""
    import psutil  # noqa: PLC0415

    from infra.broker import free_port  # noqa: PLC0415
    from infra.topics import ensure_topics  # noqa: PLC0415
    from stream_app.worker import state_topics  # noqa: PLC0415

    suffix = uuid.uuid4().hex[:8]
    topics = TopicSettings.suffixed("bench", suffix, audio_partitions=partitions, rejected_partitions=1)
    ensure_topics(kafka, topics)
    app_id = f"bench-stream-app-{suffix}"
    log.info("ingest bench: %d streams, %d ms chunks, %.0f s", config.streams, config.chunk_ms, config.seconds)
    with tempfile.TemporaryDirectory(prefix="stream-app-bench-") as workdir:
        worker = _start_worker(kafka, topics, app_id, Path(workdir), free_port())
        try:
            process, generator, broker = psutil.Process(worker.pid), psutil.Process(), embedded_broker_process(kafka)
            _wait_until_consuming(kafka, topics, worker)
            rss_before = process.memory_info().rss
            load = LoadGenerator(kafka, topics.chunks, config.streams, config.chunk_ms)
            load.run_for(config.warmup_s)
            others_start = [_cpu(other) for other in (generator, broker) if other is not None]
            cpu_start, t_start, chunks_start = _cpu(process), time.monotonic(), load.chunks_sent
            load.run_for(config.seconds)
            cpu_used, elapsed = _cpu(process) - cpu_start, time.monotonic() - t_start
            others = [_cpu(other) - start for other, start in zip((generator, broker), others_start, strict=False)]
            chunks = load.chunks_sent - chunks_start
            rss_loaded = process.memory_info().rss
            load_1m = load_average()[0]
            load.finish()
            previews: list[float] = []
            delays = _emit_delays(kafka, topics.segments, {f"bench-{i}" for i in range(config.streams)}, worker,
                                  previews=previews)
            changelog = _topic_bytes(kafka, f"{app_id}-stream-state-changelog")
        finally:
            worker.terminate()
            worker.wait(30)
            _delete_topics(kafka, [topics.chunks, topics.segments, topics.transcripts, topics.rejected,
                                   *state_topics(app_id)])
    audio_s = chunks * config.chunk_ms / 1000
    return {
        "commit": git_commit(),  # the code measured: docs/benchmarks.md keeps the rows' history by commit
        "streams": config.streams,
        "chunk_ms": config.chunk_ms,
        "audio_seconds": round(audio_s, 1),
        "window_seconds": round(elapsed, 1),
        "cpu_ms_per_audio_s": round(cpu_used * 1000 / audio_s, 3),
        "cpu_us_per_chunk": round(cpu_used * 1e6 / chunks, 1),
        "worker_cpu_percent": round(100 * cpu_used / elapsed, 1),
        "rss_mb_per_stream": round((rss_loaded - rss_before) / config.streams / 2**20, 3),
        "emit_latency_p50_ms": round(percentile(delays, 50), 1),
        "emit_latency_p99_ms": round(percentile(delays, 99), 1),
        "segments": len(delays),
        "previews": len(previews),  # interim segments sent (the worker sheds those it would send late)
        "changelog_ratio": round(changelog / max(1, load.audio_bytes_sent), 5),
        "machine_load_1m": load_1m,  # other processes share the cores: context for CPU figures
        "load_generator_cpu_percent": round(100 * others[0] / elapsed, 1),
        "broker_cpu_percent": round(100 * others[1] / elapsed, 1) if len(others) > 1 else None,
    }


def _delete_topics(kafka: KafkaSettings, names: list[str]) -> None:
    """Drop a run's topics: at 1,000 streams each run writes ~5 GB, which the broker would keep for a day."""
    from confluent_kafka.admin import AdminClient  # noqa: PLC0415

    admin = AdminClient(kafka.client_config())  # kept until the futures are done: its end fails them
    for future in admin.delete_topics(names).values():
        try:
            future.result(30)
        except Exception:  # noqa: BLE001 - e.g. a topic the run never created
            log.debug("topic not deleted", exc_info=True)


def _start_worker(kafka: KafkaSettings, topics: object, app_id: str, workdir: Path,
                  metrics_port: int) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "tooling.cli", "--log-level", "WARNING", "stream-app",
        "--bootstrap-servers", kafka.resolved_bootstrap(), "--app-id", app_id, "--workdir", str(workdir),
        "--chunks-topic", topics.chunks, "--segments-topic", topics.segments,  # type: ignore[attr-defined]
        "--rejected-topic", topics.rejected, "--metrics-port", str(metrics_port),  # type: ignore[attr-defined]
    ]
    log_file = (workdir / "worker.log").open("wb")
    return subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=os.environ | kafka.environment())  # credentials not in argv


def _cpu(process: object) -> float:
    times = process.cpu_times()  # type: ignore[attr-defined]
    return times.user + times.system


def _wait_until_consuming(kafka: KafkaSettings, topics: object, worker: subprocess.Popen,
                          timeout_s: float = 120) -> None:
    """Send a one-message probe stream and wait for its eos segment: the worker is consuming."""
    from confluent_kafka import Producer  # noqa: PLC0415

    from streamscribe.contracts.chunk import ChunkHeaders  # noqa: PLC0415

    producer = Producer(kafka.client_config())
    producer.produce(topics.chunks, b"", key=b"bench-probe",  # type: ignore[attr-defined]
                     headers=ChunkHeaders(0, SAMPLE_RATE, eos=True).to_kafka())
    producer.flush(10)
    _emit_delays(kafka, topics.segments, {"bench-probe"}, worker, timeout_s)  # type: ignore[attr-defined]


def _emit_delays(kafka: KafkaSettings, topic: str, streams: set[str], worker: subprocess.Popen,
                 timeout_s: float = 120, previews: list[float] | None = None) -> list[float]:
    """Read segments until every stream in `streams` has its eos one; the final ones' emit delays (ms)
    (and the previews' into `previews`, when given)."""
    from confluent_kafka import Consumer  # noqa: PLC0415

    from streamscribe.contracts.segment import SegmentHeaders  # noqa: PLC0415
    from streamscribe.errors import StreamscribeError  # noqa: PLC0415

    consumer = Consumer(kafka.client_config(**{"group.id": f"bench-reader-{uuid.uuid4().hex[:8]}",
                                               "auto.offset.reset": "earliest", "enable.auto.commit": False}))
    consumer.subscribe([topic])
    delays, waiting, deadline = [], set(streams), time.monotonic() + timeout_s
    try:
        while waiting:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise StreamscribeError(f"stream-app worker stopped or stalled ({len(waiting)} streams unfinished)")
            for message in consumer.consume(1000, timeout=0.5):
                if message.error() is not None:
                    continue
                headers = SegmentHeaders.from_kafka(message.headers())
                if previews is not None and not headers.final and message.key().decode() in streams:
                    previews.append(message.timestamp()[1] - headers.produced_at_ms)
                if headers.final and message.key().decode() in streams:
                    delays.append(message.timestamp()[1] - headers.produced_at_ms)
                    if headers.eos:
                        waiting.discard(message.key().decode())
    finally:
        consumer.close()
    return delays


def _topic_bytes(kafka: KafkaSettings, topic: str) -> int:
    """Key + value bytes of every record in `topic` (0 if it does not exist)."""
    from confluent_kafka import Consumer, TopicPartition  # noqa: PLC0415

    consumer = Consumer(kafka.client_config(**{"group.id": f"bench-bytes-{uuid.uuid4().hex[:8]}",
                                               "enable.auto.commit": False}))
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics.get(topic)
        if metadata is None or metadata.error is not None:
            return 0
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in metadata.partitions}
        consumer.assign([TopicPartition(topic, p, 0) for p in ends])
        remaining, total = {p for p, end in ends.items() if end > 0}, 0
        deadline = time.monotonic() + 60
        while remaining and time.monotonic() < deadline:
            for message in consumer.consume(1000, timeout=0.5):
                if message.error() is None:
                    total += len(message.key() or b"") + len(message.value() or b"")
                    if message.offset() + 1 >= ends[message.partition()]:
                        remaining.discard(message.partition())
        return total
    finally:
        consumer.close()


class LoadGenerator:
    """N live streams, each sending one chunk every `chunk_ms`, staggered evenly."""

    def __init__(self, kafka: KafkaSettings, topic: str, streams: int, chunk_ms: int) -> None:
        from confluent_kafka import Producer  # noqa: PLC0415

        # not idempotent: librdkafka's idempotent producer (2.16) busy-polls in its broker thread while
        # a partition's produce request is unanswered (measured: 100 % of a core with the broker
        # SIGSTOPped, 0 % without idempotence), so at 1,000 streams, with the broker slowed by the load,
        # this process took up to a core from the worker it measures. Without idempotence a retry could
        # reorder chunks (the worker would reject them as out of sequence): none happens on a local broker.
        # A chunk's timestamp is taken at produce(), so the linger counts in the emit delay.
        self._producer = Producer(kafka.client_config(**{
            "linger.ms": 10, "enable.idempotence": False, "max.in.flight.requests.per.connection": 5,
            "partitioner": "murmur2_random", "queue.buffering.max.messages": 1_000_000,
        }))
        self._topic = topic
        self._streams = streams
        self._chunk_bytes = SAMPLE_RATE * chunk_ms // 1000 * 2
        self._audio = _speech_pcm()
        self._keys = [f"bench-{i}".encode() for i in range(streams)]
        self._seq = [0] * streams
        self._sent = 0
        # the streams take turns, staggered evenly: message n is due at n * chunk_ms / streams
        self._pacing = RealtimeSchedule.starting_now(streams * 1000 / chunk_ms)
        # messages sent per wake-up: sleeping before each one (4,000 a second at 1,000 streams) cost this
        # process more CPU than producing them. A chunk's timestamp is taken at produce(), so sending it up
        # to BURST_S early does not shorten the emit delay measured
        self._burst = max(1, int(streams * 1000 / chunk_ms * BURST_S))
        self.audio_bytes_sent = 0

    @property
    def chunks_sent(self) -> int:
        return self._sent

    def run_for(self, seconds: float) -> None:
        """Send at real-time pace for `seconds`."""
        from streamscribe.contracts.chunk import ChunkHeaders  # noqa: PLC0415

        end, burst = time.monotonic() + seconds, self._burst
        while self._pacing.due(self._sent) <= end:
            if self._sent % burst == 0:  # wake once a burst, then send it (up to BURST_S early)
                self._pacing.wait(self._sent)
                self._producer.poll(0)
            stream = self._sent % self._streams
            seq = self._seq[stream]
            position = (seq * self._chunk_bytes + stream * 3_211) % (len(self._audio) - self._chunk_bytes)
            position -= position % 2
            pcm = self._audio[position:position + self._chunk_bytes]
            self._send(stream, pcm, ChunkHeaders(seq, SAMPLE_RATE).to_kafka())
            self._sent += 1

    def finish(self) -> None:
        """End every stream (eos) and wait until Kafka has everything."""
        from streamscribe.contracts.chunk import ChunkHeaders  # noqa: PLC0415

        for stream in range(self._streams):
            self._send(stream, b"", ChunkHeaders(self._seq[stream], SAMPLE_RATE, eos=True).to_kafka())
        self._producer.flush(60)

    def _send(self, stream: int, pcm: bytes, headers: list[tuple[str, bytes]]) -> None:
        while True:
            try:
                self._producer.produce(self._topic, pcm, key=self._keys[stream], headers=headers)
                break
            except BufferError:
                self._producer.poll(0.05)
        self._seq[stream] += 1
        self.audio_bytes_sent += len(pcm)


def _speech_pcm() -> bytes:
    """20 s of speech-like 16 kHz s16 audio (words, gaps, a pause every few words)."""
    import numpy as np  # noqa: PLC0415

    from stream_app.synthetic import speech_like  # noqa: PLC0415
    from streamscribe.pcm import float_to_pcm_s16le  # noqa: PLC0415

    return float_to_pcm_s16le(speech_like(np.random.default_rng(7), SPEECH_SECONDS, SAMPLE_RATE))

"""`streamscribe bench recognizer`: the recognizer's throughput, decoding cost and latency.

Figures (one model instance, one run, one machine):

- `throughput`: per batch size, audio seconds recognised per wall second by NeMo's own batched
  `transcribe()` on the sample files (`offline_audio_s_per_s`) and by the pipeline
  (`pipeline_audio_s_per_s`: the same files as segments on Kafka → a recognizer worker with
  transactions → transcripts read by the SDK, timed from the first segment written to the last
  result read); `ratio` = pipeline / offline (target ≥ 0.8). Both run on the same number of
  torch threads (`--torch-threads`), alternating for `--rounds` rounds; medians are reported.
- `decoding`: milliseconds of decoding per audio second, greedy and beam search with and
  without the KenLM model, next to the model's own forward time.
- `latency`: N concurrent real-time streams; each stream's audio is cut into segments of
  `--segment-seconds` that are written when a live source would have finished them (with
  `produced_at_ms` = that moment); latency = result read by the SDK − `produced_at_ms`, p50/p95/
  p99 per stream count, and the worker's batch wait `worker_max_wait_ms`: the recognizer's own
  setting (its default, or `STREAMSCRIBE_RECOGNIZER_MAX_WAIT_MS`); rows without it had it fixed at 20.
  (The stream app's own hold time is measured by `bench ingest`.)
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from producers.pacing import RealtimeSchedule
from streamscribe.cli_settings import Counts
from streamscribe.contracts import SEGMENT_SAMPLE_RATE
from streamscribe.paths import REPO_ROOT
from streamscribe.percentiles import percentile
from tooling.bench.options import BenchOptions

log = logging.getLogger(__name__)

SHIPPED_SAMPLES = REPO_ROOT / "recognizer" / "models" / "samples"


QUICK_HELP = "less audio, one batch size, 100 streams for 10 s"  # --quick's help (`streamscribe bench` adds the flag)


class RecognizerBenchSettings(BaseSettings):
    """The recognizer benchmark's model, audio and sweeps (batch sizes offline, stream counts live)."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_BENCH_RECOGNIZER_")

    model: str | None = Field(
        default=None, description="a .nemo file or NeMo pretrained name (none: the shipped model)"
    )
    lm: str | None = Field(default=None, description="KenLM model for the beam-search figures (none: the shipped one)")
    device: str = Field(default="auto", description="auto, cpu, cuda, cuda:N")
    audio: Path = Field(
        default=SHIPPED_SAMPLES, description="folder of 16 kHz mono speech files (the shipped held-out samples)"
    )
    min_audio_seconds: float = Field(default=300.0, gt=0,
                                     description="repeat the files until the throughput runs hold this much audio")
    batch_sizes: Counts = Field(default=(1, 8, 32), description="comma-separated batch sizes for throughput")
    rounds: int = Field(default=3, ge=1, description="alternating offline/pipeline rounds per batch size")
    streams: Counts = Field(default=(25, 50, 100), description="comma-separated concurrent real-time stream counts")
    stream_seconds: float = Field(default=30.0, gt=0, description="audio per live stream")
    segment_seconds: float = Field(default=2.0, gt=0, description="audio per segment of a live stream")
    latency_batch: int = Field(default=32, ge=1, description="recognizer --max-batch in the latency runs")
    torch_threads: int | None = Field(
        default=None, ge=1,
        description="CPU threads for torch, offline and in the pipeline alike (none: torch's choice)",
    )


SETTINGS = RecognizerBenchSettings  # what `streamscribe bench recognizer` builds from its flags


@dataclass
class BenchContext:
    """What every part of the benchmark shares: the model, the audio and Kafka."""

    settings: Any  # RecognizerSettings (model, LM, Kafka) of the benchmark
    engine: Any  # RecognitionEngine with the greedy decoder
    files: list[np.ndarray]  # the speech files, once each
    audio: list[np.ndarray]  # the files repeated up to --min-audio-seconds

    @property
    def audio_seconds(self) -> float:
        return sum(len(a) for a in self.audio) / SEGMENT_SAMPLE_RATE


def run(bench: RecognizerBenchSettings, options: BenchOptions) -> dict[str, object]:
    """Run the three measurements; returns the figures."""
    import torch  # noqa: PLC0415

    from recognizer.engine import RecognitionEngine  # noqa: PLC0415
    from recognizer.settings import RecognizerSettings  # noqa: PLC0415

    if options.quick:
        bench = bench.model_copy(update={"min_audio_seconds": 60.0, "batch_sizes": (16,), "streams": (100,),
                                         "stream_seconds": 10.0, "rounds": 1})
    # offline runs in this thread, the pipeline's worker in another: both get the same count
    threads = bench.torch_threads or torch.get_num_threads()
    settings = RecognizerSettings(model=bench.model, lm=bench.lm, device=bench.device, kafka=options.kafka,
                                  torch_threads=threads, decoder="greedy")  # beam's cost is measured apart
    engine = RecognitionEngine.from_settings(settings)
    files = load_audio(bench.audio)
    context = BenchContext(settings, engine, files, repeat_to(files, bench.min_audio_seconds))
    log.info("benchmarking %s on %s with %.0f s of audio", engine.model.name, engine.model.device,
             context.audio_seconds)
    engine.model.module.transcribe(files[:2], batch_size=2, verbose=False)  # warm-up: first calls are slow
    throughput = [measure_throughput(context, batch, bench.rounds) for batch in bench.batch_sizes]
    latency = [
        measure_latency(context, streams, bench.stream_seconds, bench.segment_seconds, bench.latency_batch)
        for streams in bench.streams
    ]
    return {
        "model": engine.model.name,
        "device": engine.model.device,
        "torch_threads": torch.get_num_threads(),
        "audio_seconds": round(context.audio_seconds, 1),
        "best_ratio": max(row["ratio"] for row in throughput),
        "throughput": throughput,
        "decoding": in_worker_like_thread(context, lambda: measure_decoding(context)),
        "latency": latency,
    }


def load_audio(folder: Path) -> list[np.ndarray]:
    """Every sound file in `folder`, as 16 kHz mono float32 (the rate is checked, not converted)."""
    from recognizer.audio_files import read_mono  # noqa: PLC0415
    from streamscribe.errors import ConfigurationError  # noqa: PLC0415

    paths = sorted(p for p in folder.glob("*") if p.suffix.lower() in (".flac", ".wav"))
    if not paths:
        raise ConfigurationError(f"no .flac/.wav speech files in {folder}: pass --audio FOLDER")
    return [read_mono(path, SEGMENT_SAMPLE_RATE) for path in paths]


def repeat_to(audio: list[np.ndarray], min_seconds: float) -> list[np.ndarray]:
    """The files repeated (in order) until they hold at least `min_seconds` of audio."""
    total = sum(len(a) for a in audio) / SEGMENT_SAMPLE_RATE
    return audio * max(1, int(np.ceil(min_seconds / total)))


@contextmanager
def bench_topics(context: BenchContext) -> Iterator[Any]:
    """Fresh topics (4 partitions) for one run, deleted afterwards."""
    from confluent_kafka.admin import AdminClient  # noqa: PLC0415

    from infra.topics import ensure_topics  # noqa: PLC0415
    from streamscribe.settings import TopicSettings  # noqa: PLC0415

    suffix = uuid.uuid4().hex[:8]
    topics = TopicSettings.suffixed("bench", suffix, audio_partitions=4, transcript_partitions=4, rejected_partitions=1)
    ensure_topics(context.settings.kafka, topics)
    try:
        yield topics
    finally:
        AdminClient(context.settings.kafka.client_config()).delete_topics(
            [topics.chunks, topics.segments, topics.transcripts, topics.rejected]
        )


@contextmanager
def running_worker(context: BenchContext, topics: Any, max_batch: int) -> Iterator[None]:
    """A recognizer worker (greedy, the benchmark's model) in a thread, on `topics`, with the service's
    own batch wait (`RecognizerSettings.max_wait_ms`), so the latency rows measure the worker as shipped."""
    from recognizer.engine import RecognitionEngine  # noqa: PLC0415
    from recognizer.worker import RecognizerWorker, WorkerThread  # noqa: PLC0415

    settings = context.settings.model_copy(update={
        "topics": topics, "group_id": f"bench-recognizers-{topics.segments}", "max_batch": max_batch,
    })
    engine = RecognitionEngine(context.engine.model, context.engine.decoder, max_batch, settings.max_padding,
                               settings.silence_dbfs, decoder_pool=context.engine.decoder_pool)
    thread = WorkerThread(RecognizerWorker(settings, engine))
    thread.start()
    try:
        yield
    finally:
        thread.stop()


def segment_messages(stream_id: str, samples: np.ndarray, seconds: float) -> list[Any]:
    """A stream's audio as consecutive final segments of `seconds` (the last one eos)."""
    from streamscribe.contracts import EmitReason, Segment, SegmentHeaders  # noqa: PLC0415
    from streamscribe.pcm import float_to_pcm_s16le  # noqa: PLC0415

    step = max(1, int(seconds * SEGMENT_SAMPLE_RATE))
    starts = list(range(0, len(samples), step))
    return [
        Segment(stream_id, SegmentHeaders(i, start, EmitReason.TIME, eos=i == len(starts) - 1),
                float_to_pcm_s16le(samples[start:start + step]))
        for i, start in enumerate(starts)
    ]


class SegmentWriter:
    """A plain producer of segment messages (what the stream app writes)."""

    def __init__(self, context: BenchContext, topic: str) -> None:
        from confluent_kafka import Producer  # noqa: PLC0415

        self._producer = Producer(context.settings.kafka.client_config(**{"linger.ms": 5}))
        self._topic = topic

    def write(self, segment: Any) -> None:
        while True:
            try:
                key, value, headers = segment.encode()
                self._producer.produce(self._topic, key=key, value=value, headers=headers)
                self._producer.poll(0)
                return
            except BufferError:
                self._producer.poll(0.05)

    def flush(self) -> None:
        self._producer.flush(30)


def measure_throughput(context: BenchContext, batch_size: int, rounds: int) -> dict[str, float]:
    """Offline transcribe() against the Kafka pipeline on the same audio and batch size.

    The two alternate for `rounds` rounds (medians reported), so a neighbour's load on a
    shared machine hits both alike.
    """
    from producers.reader import TranscriptReader  # noqa: PLC0415

    offline, pipeline = [], []
    with bench_topics(context) as topics, running_worker(context, topics, batch_size), \
            TranscriptReader(context.settings.kafka, topics) as reader:
        writer = SegmentWriter(context, topics.segments)
        for round_index in range(rounds):
            offline.append(in_worker_like_thread(context, lambda: offline_throughput(context, batch_size)))

            stream_ids = [f"file-{round_index}-{i}" for i in range(len(context.audio))]
            started = time.perf_counter()
            for stream_id, samples in zip(stream_ids, context.audio, strict=True):
                [segment] = segment_messages(stream_id, samples, seconds=len(samples) / SEGMENT_SAMPLE_RATE + 1)
                writer.write(segment)
            writer.flush()
            reader.wait_for_streams(stream_ids, timeout=3600)
            pipeline.append(context.audio_seconds / (time.perf_counter() - started))
    offline_median, pipeline_median = float(np.median(offline)), float(np.median(pipeline))
    log.info("batch %d: offline %s, pipeline %s audio s/s", batch_size,
             [round(v, 1) for v in offline], [round(v, 1) for v in pipeline])
    return {
        "batch_size": batch_size,
        "offline_audio_s_per_s": round(offline_median, 2),
        "pipeline_audio_s_per_s": round(pipeline_median, 2),
        "ratio": round(pipeline_median / offline_median, 3),
    }


def offline_throughput(context: BenchContext, batch_size: int) -> float:
    """Audio seconds per second of NeMo's own batched transcribe() over the benchmark audio."""
    started = time.perf_counter()
    context.engine.model.module.transcribe(context.audio, batch_size=batch_size, verbose=False)
    return context.audio_seconds / (time.perf_counter() - started)


def in_worker_like_thread(context: BenchContext, function: Any) -> Any:
    """Run `function` in a fresh thread with the worker's torch thread count, like the worker.

    Torch ran 2-3x faster outside Python's main thread on the loaded development machine;
    measuring offline there too keeps the comparison fair.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            context.engine.model.use_cpu_threads(context.settings.torch_threads)
            outcome["value"] = function()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="bench-offline")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def measure_decoding(context: BenchContext) -> dict[str, object]:
    """Decoding cost per audio second (greedy, beam, beam + LM) beside the forward pass."""
    from recognizer.batching import pad_batch  # noqa: PLC0415
    from recognizer.decoding import BeamDecoder, greedy_decode  # noqa: PLC0415

    model = context.engine.model
    seconds = sum(len(a) for a in context.files) / SEGMENT_SAMPLE_RATE
    started = time.perf_counter()
    log_probs = [lp for a in context.files for lp in model.log_probs(pad_batch([a]))]
    figures: dict[str, object] = {"audio_seconds": round(seconds, 1),
                                  "model_ms_per_audio_s": per_second(started, seconds)}
    started = time.perf_counter()
    for lp in log_probs:
        greedy_decode(lp, model.vocabulary)
    figures["greedy_ms_per_audio_s"] = per_second(started, seconds)
    language_model = context.settings.language_model()
    decoders = {"beam_ms_per_audio_s": BeamDecoder(model.vocabulary, context.settings.beam_options())}
    if language_model is not None:
        decoders["beam_lm_ms_per_audio_s"] = BeamDecoder(
            model.vocabulary, context.settings.beam_options(), language_model
        )
        figures["lm"] = str(language_model.kenlm_path)
    for name, decoder in decoders.items():
        decoder.decode(log_probs[0])  # warm-up: the first call builds the decoder's caches
        started = time.perf_counter()
        for lp in log_probs:
            decoder.decode(lp)
        figures[name] = per_second(started, seconds)
    figures["beam_width"] = context.settings.beam_options().beam_width
    return figures


def per_second(started: float, audio_seconds: float) -> float:
    """Milliseconds spent since `started`, per second of audio."""
    return round((time.perf_counter() - started) * 1000 / audio_seconds, 2)


def live_schedule(context: BenchContext, streams: int, stream_seconds: float,
                  segment_seconds: float) -> list[tuple[float, Any]]:
    """(due time, segment) for N staggered live streams, sorted by when each segment is complete."""
    joined = np.concatenate(context.audio)
    rng = np.random.default_rng(streams)
    length = int(stream_seconds * SEGMENT_SAMPLE_RATE)
    schedule = []
    for n in range(streams):
        offset = int(rng.integers(0, max(1, len(joined) - length)))
        stagger = segment_seconds * n / streams
        for segment in segment_messages(f"live-{n}", joined[offset:offset + length], segment_seconds):
            end = (segment.headers.start_sample + segment.num_samples) / SEGMENT_SAMPLE_RATE
            schedule.append((stagger + end, segment))
    return sorted(schedule, key=lambda item: item[0])


def measure_latency(context: BenchContext, streams: int, stream_seconds: float, segment_seconds: float,
                    max_batch: int) -> dict[str, float]:
    """Latency percentiles with N concurrent streams written at real-time pace."""
    from producers.reader import TranscriptReader  # noqa: PLC0415

    schedule = live_schedule(context, streams, stream_seconds, segment_seconds)
    produced_at: dict[tuple[str, int], int] = {}
    latencies: list[float] = []
    with bench_topics(context) as topics, running_worker(context, topics, max_batch), \
            TranscriptReader(context.settings.kafka, topics) as reader:
        collector = threading.Thread(target=collect_latencies, args=(reader, produced_at, latencies, len(schedule)))
        collector.start()
        writer = SegmentWriter(context, topics.segments)
        pacing = RealtimeSchedule.starting_now(SEGMENT_SAMPLE_RATE)  # real-time pacing of the live sources
        max_lag = 0.0
        for due, segment in schedule:
            frame = round(due * SEGMENT_SAMPLE_RATE)
            pacing.wait(frame)
            max_lag = max(max_lag, pacing.lag(frame))
            now_ms = int(time.time() * 1000)
            produced_at[(segment.stream_id, segment.headers.index)] = now_ms
            writer.write(replace(segment, headers=replace(segment.headers, produced_at_ms=now_ms)))
        writer.flush()
        collector.join()
    values = [latency * 1000 for latency in latencies]
    log.info("%d streams: p50 %.0f ms, p99 %.0f ms", streams, percentile(values, 50), percentile(values, 99))
    return {
        "streams": streams,
        "segments": len(values),
        "latency_p50_ms": round(percentile(values, 50), 1),
        "latency_p95_ms": round(percentile(values, 95), 1),
        "latency_p99_ms": round(percentile(values, 99), 1),
        "latency_max_ms": round(max(values), 1),
        "sender_max_lag_ms": round(max_lag * 1000, 1),
        "worker_max_wait_ms": context.settings.max_wait_ms,
    }


def collect_latencies(reader: Any, produced_at: dict[tuple[str, int], int], latencies: list[float],
                      expected: int, timeout: float = 600.0) -> None:
    """In a thread: for each final result read, seconds since its segment was written."""
    deadline = time.monotonic() + timeout
    while len(latencies) < expected and time.monotonic() < deadline:
        transcript = reader.poll()
        if transcript is not None and transcript.final:
            sent = produced_at.get((transcript.stream_id, transcript.segment))
            if sent is not None:
                latencies.append(time.time() - sent / 1000)

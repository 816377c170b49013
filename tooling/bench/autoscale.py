"""`streamscribe bench autoscale`: a step of live streams (10 -> 300 -> 10) against `up --autoscale`.

`streamscribe up --autoscale MIN:MAX` runs as a child on fresh topics; a load thread keeps a
target number of live streams going (shipped sample speech, real-time 100 ms chunks, a new
stream starting whenever one ends) and, once the first transcript is back (the first
recognizer has loaded its model), steps the target low -> high -> low. Measured: when the
autoscaler decided each change (from `up`'s log), how long after the step up it scaled out and
after the step down it was back, and the latency of final transcripts in each phase
(received - the moment the stream's audio up to the result's end was sent).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from infra.topics import ensure_topics
from streamscribe.errors import StreamscribeError
from streamscribe.percentiles import percentile
from streamscribe.settings import TopicSettings
from tooling.bench.machine import load_average
from tooling.bench.options import BenchOptions
from tooling.demo.samples import SpeechSample, load_samples
from tooling.demo.settings import SHIPPED_SAMPLES
from tooling.demo.supervisor import ChildSpec, Supervisor, log_line_appears, streamscribe_command
from tooling.scaling.settings import parse_bounds

CHUNK_SECONDS = 0.1
DECISION = re.compile(r"^(\S+ \S+) INFO \S+: autoscale (\S+): (\d+) -> (\d+)", re.MULTILINE)


QUICK_HELP = "10 -> 60 -> 10 over under 3 minutes"  # --quick's help (`streamscribe bench` adds the flag)


class AutoscaleBenchSettings(BaseSettings):
    """The step's shape and the autoscaler's bounds."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_BENCH_AUTOSCALE_")

    autoscale: str = Field(default="0:4", description="MIN:MAX recognizers")
    low: int = Field(default=10, ge=1, description="live streams before and after the step")
    high: int = Field(default=300, ge=1, description="live streams during the step")
    low_seconds: float = Field(
        default=90, gt=0, description="seconds at --low before the step (the first recognizer starts and settles)"
    )
    high_seconds: float = Field(default=90, gt=0, description="seconds at --high")
    after_seconds: float = Field(
        default=150, gt=0, description="seconds at --low after the step (longer than the scale-in window)"
    )


SETTINGS = AutoscaleBenchSettings  # what `streamscribe bench autoscale` builds from its flags


@dataclass(eq=False)  # a thread: hashed by identity
class LiveLoad(threading.Thread):
    """Keeps `target` streams live, each playing a sample in real time; records when each started.

    `stop_requested` stops at once; a target of 0 lets the live streams finish, then the thread
    ends. A producer failure ends it too and is kept in `error`.
    """

    producer: object
    samples: list[SpeechSample]
    target: int = 0
    started_at: dict[str, float] = field(default_factory=dict)
    stop_requested: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def __post_init__(self) -> None:
        threading.Thread.__init__(self, name="step-load", daemon=True)

    def run(self) -> None:
        try:
            self._play()
        except Exception as exc:  # noqa: BLE001 - the caller checks `error`
            self.error = exc

    def _play(self) -> None:
        live: list[tuple[object, SpeechSample, int]] = []  # (stream, sample, next byte)
        tick, begun, count = 0, time.monotonic(), 0
        while not self.stop_requested.is_set() and (self.target > 0 or live):
            while len(live) < self.target:
                sample = self.samples[count % len(self.samples)]
                stream_id = f"step-{count:05d}"
                live.append((self.producer.open_stream(stream_id, sample.sample_rate, 1, "pcm_s16le"), sample, 0))
                self.started_at[stream_id] = time.time()
                count += 1
            still = []
            for stream, sample, offset in live:
                end = min(len(sample.pcm), offset + int(sample.sample_rate * CHUNK_SECONDS) * 2)
                stream.write(sample.pcm[offset:end])
                if end >= len(sample.pcm):
                    stream.close()  # a new stream takes its place next tick while the target says so
                else:
                    still.append((stream, sample, end))
            live = still
            tick += 1
            self.stop_requested.wait(max(0.0, begun + tick * CHUNK_SECONDS - time.monotonic()))  # pacing


def decisions_in(text: str) -> list[tuple[float, str, int, int]]:
    """(epoch seconds, service, from, to) of each scaling decision in `up`'s output."""
    return [
        (datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp(), service, int(old), int(new))
        for stamp, service, old, new in DECISION.findall(text)
    ]


def run(bench: AutoscaleBenchSettings, options: BenchOptions) -> dict[str, object]:
    """Run the step and return the decisions, scale-out/in times and per-phase latency."""
    from producers import AudioProducer  # noqa: PLC0415
    from producers.reader import TranscriptReader  # noqa: PLC0415

    if options.quick:
        bench = bench.model_copy(update={"high": 60, "low_seconds": 60, "high_seconds": 40, "after_seconds": 70})
    kafka = options.kafka
    suffix = uuid.uuid4().hex[:8]
    topics = TopicSettings.suffixed("step", suffix, audio_partitions=8, transcript_partitions=8, rejected_partitions=1)
    ensure_topics(kafka, topics)
    samples = load_samples(SHIPPED_SAMPLES)
    phases: list[tuple[str, float]] = []
    latencies: dict[str, list[float]] = {}
    load_before = load_average()[0]
    with TemporaryDirectory() as workdir, Supervisor(ready_timeout=600) as supervisor:
        log_file = options.results_dir / "autoscale-up.log"  # kept: the decisions
        log_file.parent.mkdir(parents=True, exist_ok=True)
        argv = streamscribe_command(
            "up", "--autoscale", bench.autoscale, "--decoder", "greedy",
            "--bootstrap-servers", kafka.resolved_bootstrap(),
            "--chunks-topic", topics.chunks, "--segments-topic", topics.segments, "--transcripts-topic",
            topics.transcripts, "--rejected-topic", topics.rejected, "--state-dir", workdir,
            "--log-dir", str(Path(workdir) / "logs"),
        )
        env = {"STREAMSCRIBE_STREAM_APP_APP_ID": f"step-app-{suffix}",
               "STREAMSCRIBE_RECOGNIZER_GROUP_ID": f"step-recognizers-{suffix}", **kafka.environment()}
        supervisor.start(ChildSpec("up", argv, log_file, log_line_appears(log_file, "autoscaling recognizers"), env))
        with AudioProducer(kafka=kafka, topics=topics) as producer, TranscriptReader(kafka, topics) as reader:
            load, received = LiveLoad(producer, samples), 0
            load.target = bench.low
            load.start()
            warm_up = time.monotonic()
            while reader.poll(0.5) is None:  # the clock starts once the first recognizer serves
                supervisor.check()
                if time.monotonic() - warm_up > 900:
                    raise StreamscribeError("no transcript within 15 minutes of the low load")
            warm_up_s = time.monotonic() - warm_up
            for name, target, seconds in (("low", bench.low, bench.low_seconds),
                                          ("step", bench.high, bench.high_seconds),
                                          ("after", bench.low, bench.after_seconds)):
                load.target = target
                phases.append((name, time.time()))
                latencies[name] = []
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    supervisor.check()
                    result = reader.poll(0.2)
                    received += result is not None
                    if result is not None and result.final and result.stream_id in load.started_at:
                        sent = load.started_at[result.stream_id] + result.end
                        latencies[name].append(time.time() - sent)
            load.stop_requested.set()
            load.join()
        decisions = decisions_in(log_file.read_text(errors="replace"))
    result = summarize(bench, phases, latencies, decisions) | {
        "results_received": received, "first_result_after_s": round(warm_up_s, 1)}
    # the machine's own load (1-minute average) besides this benchmark, before and after it
    return {"load_1m_before": load_before, "load_1m_after": load_average()[0], **result}


def scaling_times(decisions: list[tuple[float, str, int, int]], service: str, step_up: float,
                  step_down: float, initial: int) -> dict[str, object]:
    """One service's replica counts and decision times relative to the step up and the step down.

    `initial`: how many it started with (not logged as a decision).
    """
    own = [(at, old, new) for at, name, old, new in decisions if name == service]
    before = [new for at, _, new in own if at < step_up]
    low_count = before[-1] if before else initial
    outs = [(at, new) for at, old, new in own if step_up <= at < step_down and new > old]
    ins = [(at, new) for at, old, new in own if at >= step_down and new < old]
    peak = max((new for _, new in outs), default=low_count)
    return {
        "before_step": low_count,
        "peak": peak,
        "first_scale_out_s": round(outs[0][0] - step_up, 1) if outs else None,
        "reached_peak_s": round(next(at for at, new in outs if new == peak) - step_up, 1) if outs else None,
        "first_scale_in_s": round(ins[0][0] - step_down, 1) if ins else None,
        "back_down_s": round(ins[-1][0] - step_down, 1) if ins else None,
        "at_end": ins[-1][1] if ins else peak,
    }


def summarize(bench: AutoscaleBenchSettings, phases: list[tuple[str, float]], latencies: dict[str, list[float]],
              decisions: list[tuple[float, str, int, int]]) -> dict[str, object]:
    """Scale-out and scale-in times of each service relative to the steps, latency percentiles per phase."""
    step_up, step_down = phases[1][1], phases[2][1]
    rows = [
        {"phase": name, "streams": {"low": bench.low, "step": bench.high, "after": bench.low}[name],
         "finals": len(values), "latency_p50_s": percentile(values, 50) if values else None,
         "latency_p95_s": percentile(values, 95) if values else None}
        for name, values in latencies.items()
    ]
    return {
        "step": f"{bench.low} -> {bench.high} -> {bench.low} live streams, autoscale {bench.autoscale}",
        "recognizers": scaling_times(decisions, "recognizers", step_up, step_down, parse_bounds(bench.autoscale)[0]),
        "stream_app": scaling_times(decisions, "stream-app", step_up, step_down, 1),
        "decisions": [{"after_start_s": round(at - phases[0][1], 1), "service": name, "from": old, "to": new}
                      for at, name, old, new in decisions],
        "rows": rows,
    }

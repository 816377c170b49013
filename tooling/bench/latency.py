"""`streamscribe bench latency`: how soon each spoken word shows up, what live results cost, WER.

Continuous speech: the shipped held-out sample sentences with their leading and trailing
silence trimmed, joined with `--gap-ms` of silence (below the 400 ms endpoint, so the stream
app sees one long utterance with few pauses) into `--variants` files of `--stream-seconds`
each (variant v starts at a different sample). The reference for each file is the offline
recognition of the whole file with the same model and decoder: its words and their CTC times
(`tooling.bench.word_latency`).

First the replay (`tooling.bench.replay`): the same files cut by the stream app's
segmenter and recognised in this process on one torch thread, without Kafka, for the default settings (`live`),
finals only, finals with plain cuts (no overlap) and previews of the whole buffer (the old
previews): audio recognised and CPU per audio second, WER and the algorithmic part of the word
latency, unaffected by the machine's load.

Then per mode (`live`: the default settings, interim results on; `finals`: the same with interim
previews off) the benchmark starts the whole stack (stream app and recognizer as child
processes, like `streamscribe demo`), then per stream count N plays N streams of the variants
in real time (`--chunk-ms` chunks, starts spread over `--ramp-seconds`) and reads every result
with the transcript SDK. Per row: word latency p50/p95/p99 (first appearance in any result −
moment spoken; `any_*`: any word at that time, spelled right or not), the recognizer's and
stream app's CPU time per audio second, the WER of the final text and of the offline
whole-file recognition against the spoken sentences, how often a word flagged stable changed,
the previews recognised and those the recognizer skipped because it was behind, where the
recognizer's time went (share of the wall time in forward passes and decoding, mean batch), the
mean time from a segment's newest chunk to the stream app sending it (finals) and to its
result, the CPU cores used by the recognizer, stream app, broker and this process (the load
generator and result reader), how late the sender sent its chunks, and the machine's load (the
box is shared: `load_1m_before`, and `busy_cores` = all CPU used on the machine per wall second
during the row, ours and others').
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from recognizer.settings import DEFAULT_DECODER, Decoder
from streamscribe.cli_settings import Counts, Names
from streamscribe.contracts import SEGMENT_SAMPLE_RATE, Transcript, Word
from streamscribe.paths import REPO_ROOT
from streamscribe.pcm import S16_SCALE
from streamscribe.percentiles import percentile
from streamscribe.wer import word_error_rate
from tooling.bench.machine import embedded_broker_process, load_average
from tooling.bench.options import BenchOptions
from tooling.bench.word_latency import (
    Arrival,
    StabilityCount,
    stability,
    summarize_latencies,
    word_latencies,
)
from tooling.demo.board import Board, DemoStream
from tooling.demo.samples import SpeechSample

log = logging.getLogger(__name__)

HELD_OUT_SAMPLES = REPO_ROOT / "recognizer" / "models" / "samples" / "samples.tsv"  # the 16 kHz synthetic test clips
TRIM_DBFS = -45.0  # frames quieter than this at either end of a sample are cut off
TRIM_MARGIN_S = 0.04
STAGES = ("stream_app", "queue", "recognize")  # the recognizer's split of chunk → result (recognizer.worker)
# service metrics read per row: the recognizer's previews done and skipped, where its time went,
# segment → result; the stream app's delay from a final segment's newest chunk to sending it
SERVICE_TOTALS = {
    "previews_recognised": 'streamscribe_recognizer_segments_total{final="false"} ',
    "previews_skipped": "streamscribe_recognizer_previews_skipped_total{",  # every reason
    "previews_superseded": 'streamscribe_recognizer_previews_skipped_total{reason="superseded"} ',
    "transactions": "streamscribe_recognizer_transaction_messages_count ",
    "transaction_messages": "streamscribe_recognizer_transaction_messages_sum ",
    **{f"{stage}_seconds": f'streamscribe_recognizer_stage_seconds_sum{{stage="{stage}"}} ' for stage in STAGES},
    "staged": 'streamscribe_recognizer_stage_seconds_count{stage="queue"} ',
    "model_seconds": "streamscribe_recognizer_model_seconds_sum ",
    "decode_seconds": "streamscribe_recognizer_decode_seconds_sum ",
    "batches": "streamscribe_recognizer_batch_size_count ",
    "batched_segments": "streamscribe_recognizer_batch_size_sum ",
    "results": "streamscribe_recognizer_end_to_end_latency_seconds_count ",
    "result_seconds": "streamscribe_recognizer_end_to_end_latency_seconds_sum ",
    "emitted": "streamscribe_stream_app_emit_delay_seconds_count ",
    "emit_seconds": "streamscribe_stream_app_emit_delay_seconds_sum ",
}
REPLAY_THREADS = 1
MODES = {"live": {}, "finals": {"STREAMSCRIBE_STREAM_APP_INTERIM_INTERVAL_MS": "0"}}


QUICK_HELP = "10 streams of 10 s"  # --quick's help (`streamscribe bench` adds the flag)


class LatencyBenchSettings(BaseSettings):
    """The latency benchmark's modes, stream counts, speech and pacing."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_BENCH_LATENCY_")

    streams: Counts = Field(default=(10, 100, 500), description="comma-separated concurrent real-time stream counts")
    modes: Names = Field(default=("live", "finals"), description="live (default settings) and/or finals (no previews)")
    stream_seconds: float = Field(default=30.0, gt=0, description="continuous speech per stream")
    variants: int = Field(default=8, ge=1, description="distinct continuous-speech files")
    gap_ms: int = Field(default=60, ge=0, description="silence between the joined sentences")
    chunk_ms: int = Field(default=100, ge=1, description="audio per chunk sent")
    ramp_seconds: float = Field(default=3.0, ge=0, description="stream starts are spread over this")
    finish_timeout: float = Field(default=60.0, gt=0, description="wait this long for results after sending")
    decoder: Decoder = Field(default=DEFAULT_DECODER, description="the recognizers' CTC decoder (greedy or beam)")
    stream_app_option: list[str] = Field(
        default_factory=list,
        description="a stream app setting for both modes, e.g. interim_interval_ms=300 (repeatable)",
        json_schema_extra={"metavar": "NAME=VALUE"},
    )
    samples: Path = Field(
        default=HELD_OUT_SAMPLES,
        description="TSV (path, sentence) of the 16 kHz sentences to join (the held-out samples)",
    )
    state_dir: Path | None = Field(default=None, description="services' state and logs (none: a temporary folder)")


SETTINGS = LatencyBenchSettings  # what `streamscribe bench latency` builds from its flags


def trimmed(pcm: np.ndarray, frame: int = 320) -> np.ndarray:
    """`pcm` (int16) without its quiet start and end (keeping `TRIM_MARGIN_S` around the sound)."""
    frames = pcm[: len(pcm) // frame * frame].astype(np.float64).reshape(-1, frame)
    rms = np.sqrt((frames**2).mean(axis=1)) / S16_SCALE
    loud = np.flatnonzero(rms > 10 ** (TRIM_DBFS / 20))
    if not len(loud):
        return pcm[:0]
    margin = int(TRIM_MARGIN_S * SEGMENT_SAMPLE_RATE)
    return pcm[max(0, loud[0] * frame - margin): min(len(pcm), (loud[-1] + 1) * frame + margin)]


def continuous_speech(samples: Sequence[SpeechSample], variants: int, seconds: float,
                      gap_ms: int) -> list[SpeechSample]:
    """`variants` files of about `seconds` of joined sentences; variant v starts at sample v * step."""
    for sample in samples:
        if sample.sample_rate != SEGMENT_SAMPLE_RATE:
            raise ValueError(f"{sample.path} is {sample.sample_rate} Hz; the benchmark joins 16 kHz samples")
    pieces = [trimmed(np.frombuffer(sample.pcm, "<i2")) for sample in samples]
    gap = np.zeros(int(gap_ms * SEGMENT_SAMPLE_RATE / 1000), dtype="<i2")
    step = max(1, len(samples) // max(1, variants))
    out = []
    for variant in range(variants):
        parts, sentences, length, index = [], [], 0, variant * step
        while length < seconds * SEGMENT_SAMPLE_RATE:
            piece = pieces[index % len(pieces)]
            parts += [piece, gap]
            sentences.append(samples[index % len(samples)].sentence)
            length += len(piece) + len(gap)
            index += 1
        pcm = np.concatenate(parts[:-1]).astype("<i2").tobytes()
        out.append(SpeechSample(Path(f"continuous-{variant}"), " ".join(sentences), pcm, SEGMENT_SAMPLE_RATE))
    return out


def offline_words(engine: Any, speech: SpeechSample) -> Transcript:
    """The whole file recognised in one piece: the reference words and times."""
    from streamscribe.contracts import EmitReason, Segment, SegmentHeaders  # noqa: PLC0415

    segment = Segment("offline", SegmentHeaders(0, 0, EmitReason.EOS, eos=True), speech.pcm)
    return engine.recognize([segment])[0]


class RecordingBoard(Board):
    """The demo's board that also keeps every result of every stream with its arrival time."""

    def __init__(self, states: list[DemoStream]) -> None:
        super().__init__(states)
        self.arrivals: dict[str, list[Arrival]] = {state.stream_id: [] for state in states}

    def apply(self, transcript: Transcript, arrived_at: float) -> DemoStream | None:
        state = super().apply(transcript, arrived_at)
        if state is not None:
            self.arrivals[transcript.stream_id].append(Arrival(transcript, arrived_at))
        return state


def final_words(arrivals: Sequence[Arrival]) -> list[Word]:
    """A stream's final words, each segment once, in segment order."""
    finals = {a.transcript.segment: a.transcript for a in arrivals if a.transcript.final}
    return [word for index in sorted(finals) for word in finals[index].words]


@dataclass
class Stack:
    """The running services of one mode and what they read and write."""

    kafka: Any
    topics: Any
    processes: dict[str, psutil.Process]
    metrics_urls: list[str]

    def service_totals(self) -> dict[str, float]:
        """The services' counters so far, summed over workers (`SERVICE_TOTALS` names them)."""
        import urllib.request  # noqa: PLC0415

        totals = dict.fromkeys(SERVICE_TOTALS, 0.0)
        for url in self.metrics_urls:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own local endpoint
                for line in response.read().decode().splitlines():
                    for name, prefix in SERVICE_TOTALS.items():
                        if line.startswith(prefix):
                            totals[name] += float(line.split()[-1])
        return totals


def isolated_plan(kafka: Any, decoder: str, state_dir: Path) -> Any:
    """The stack of one mode: fresh topics, and a stream app id and recognizer group of its own.

    With the services' default groups, each run's stream app restored the stream-state table an
    earlier run left on the broker and idle-closed that run's open streams into the new topics,
    stamped with their chunks' time hours ago (chunk → final segment read ~1,000 s in
    docs/latency/parallel-decoding-a2/-b2.json)."""
    from dataclasses import replace  # noqa: PLC0415

    from streamscribe.settings import TopicSettings  # noqa: PLC0415
    from tooling.demo.runner import stack_plan  # noqa: PLC0415
    from tooling.demo.settings import StackSettings  # noqa: PLC0415

    suffix = uuid.uuid4().hex[:8]
    topics = TopicSettings.suffixed("lat", suffix)
    settings = StackSettings(decoder=decoder, state_dir=state_dir, topics=topics, kafka=kafka)
    return replace(stack_plan(settings, kafka), stream_app_id=f"lat-stream-app-{suffix}",
                   recognizer_group=f"lat-recognizers-{suffix}")


@contextmanager
def running_stack(kafka: Any, mode: str, options: Sequence[str], decoder: str, state_dir: Path) -> Iterator[Stack]:
    """The mode's stack (one stream app, one recognizer: `isolated_plan`) with its stream app settings;
    its topics and its stream app's state are deleted afterwards."""
    from confluent_kafka.admin import AdminClient  # noqa: PLC0415

    from stream_app.worker import state_topics  # noqa: PLC0415
    from tooling.demo.settings import StackSettings  # noqa: PLC0415
    from tooling.demo.stack import start_stack  # noqa: PLC0415
    from tooling.demo.supervisor import Supervisor  # noqa: PLC0415

    plan = isolated_plan(kafka, decoder, state_dir / mode)
    topics = plan.topics
    env = {f"STREAMSCRIBE_STREAM_APP_{name.upper()}": value
           for name, value in (option.split("=", 1) for option in options)}
    env.update(MODES[mode])
    saved = {name: os.environ.get(name) for name in env}
    try:
        with Supervisor(StackSettings().ready_timeout) as supervisor:
            os.environ.update(env)  # the children inherit the mode's settings
            try:
                services = start_stack(supervisor, plan)
            finally:
                for name, value in saved.items():
                    os.environ.pop(name) if value is None else os.environ.__setitem__(name, value)
            processes = {child.name: psutil.Process(child.process.pid) for child in supervisor.children}
            processes["load-generator"] = psutil.Process()  # this process: the sender and the result reader
            broker = embedded_broker_process(kafka)
            if broker is not None:
                processes["broker"] = broker
            yield Stack(kafka, topics, processes, [service.metrics_url for service in services
                                                   if service.name.startswith(("recognizer", "stream-app"))])
    finally:
        AdminClient(kafka.client_config()).delete_topics(
            [topics.chunks, topics.segments, topics.transcripts, topics.rejected,
             *state_topics(plan.stream_app_id)])


def _cpu_seconds(process: psutil.Process, with_children: bool) -> float:
    """The process's CPU time, and its live children's if asked (the recognizer's decoding processes)."""
    total = 0.0
    for member in (process, *(process.children(recursive=True) if with_children else ())):
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _busy_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def play(stack: Stack, speech: Sequence[SpeechSample], streams: int, chunk_ms: int, ramp_seconds: float,
         finish_timeout: float) -> tuple[RecordingBoard, dict[str, float], float, float, dict[str, object]]:
    """Stream N live streams and read their results; returns the board, CPU seconds per process,
    the wall time, the machine's busy CPU seconds meanwhile and the services' figures."""
    from producers import AudioProducer  # noqa: PLC0415
    from tooling.demo.sender import PlannedStream, RealtimeSender  # noqa: PLC0415
    from tooling.demo.transcript_feed import TranscriptFeed  # noqa: PLC0415

    run_id = uuid.uuid4().hex[:6]
    planned = [PlannedStream(f"lat-{run_id}-{i:03d}", speech[i % len(speech)], i * ramp_seconds / streams)
               for i in range(streams)]
    board = RecordingBoard([DemoStream(p.stream_id, p.sample.sentence, p.sample.seconds) for p in planned])
    cpu_before = {name: _cpu_seconds(process, name.startswith("recognizer"))
                  for name, process in stack.processes.items()}
    totals_before = stack.service_totals()
    busy_before, started = _busy_seconds(), time.monotonic()
    with TranscriptFeed(stack.kafka, stack.topics, board, lambda _state: None) as feed, \
            AudioProducer(kafka=stack.kafka, topics=stack.topics) as producer:
        sender = RealtimeSender(planned, lambda stream_id, rate: producer.open_stream(stream_id, rate, 1, "pcm_s16le"),
                                board, chunk_ms / 1000)
        sender.start()
        deadline = None
        while not board.all_done():
            feed.check()
            if sender.error is not None:
                raise RuntimeError(f"sending audio failed: {sender.error}")
            if deadline is None and not sender.is_alive():
                deadline = time.monotonic() + finish_timeout
            if deadline is not None and time.monotonic() > deadline:
                log.warning("%d streams: results still missing after %.0f s", streams, finish_timeout)
                break
            time.sleep(0.2)
        sender.stop_requested.set()
        sender.join()
    wall = time.monotonic() - started
    cpu = {name: _cpu_seconds(process, name.startswith("recognizer")) - cpu_before[name]
           for name, process in stack.processes.items()}
    busy = _busy_seconds() - busy_before
    totals = {name: value - totals_before[name] for name, value in stack.service_totals().items()}
    return board, cpu, wall, busy, service_figures(totals, wall)


def service_figures(totals: dict[str, float], wall: float) -> dict[str, object]:
    """A row's figures from the change of the services' counters: previews recognised and skipped
    (superseded ones among them), messages read per recognizer transaction, the recognizer's share of
    the wall time in forward passes and in decoding, its mean batch, the mean time from a final
    segment's newest chunk to the stream app sending it, and from any segment's newest chunk to its
    result committed, and that time by stage (stream app, queue, recognizer:
    `recognizer.worker.stage_seconds`)."""
    return {
        "previews_recognised": int(totals["previews_recognised"]),
        "previews_skipped": int(totals["previews_skipped"]),
        "previews_superseded": int(totals["previews_superseded"]),
        "mean_transaction_messages": round(totals["transaction_messages"] / totals["transactions"], 1)
        if totals["transactions"] else None,
        "forward_busy": round(totals["model_seconds"] / wall, 2),
        "decode_busy": round(totals["decode_seconds"] / wall, 2),
        "mean_batch": round(totals["batched_segments"] / totals["batches"], 1) if totals["batches"] else None,
        "chunk_to_final_segment_mean_ms": round(1000 * totals["emit_seconds"] / totals["emitted"])
        if totals["emitted"] else None,
        "chunk_to_result_mean_ms": round(1000 * totals["result_seconds"] / totals["results"])
        if totals["results"] else None,
        **{f"{stage}_mean_ms": round(1000 * totals[f"{stage}_seconds"] / totals["staged"]) if totals["staged"] else None
           for stage in STAGES},
    }


@dataclass(frozen=True)
class Outcome:
    """One stream's results against its references."""

    reference: Transcript  # offline recognition of the whole file
    truth: str  # the sentences spoken
    arrivals: list[Arrival]
    spoken_at_zero: float | None  # when its audio time 0 was spoken (None: nothing was sent)


def outcome_figures(outcomes: Sequence[Outcome]) -> dict[str, object]:
    """Word latency percentiles (exact and any word), WER and stability over every stream."""
    latencies: list[float | None] = []
    any_word: list[float | None] = []
    counts, hypotheses = StabilityCount(), []
    for outcome in outcomes:
        if outcome.spoken_at_zero is not None:
            latencies += word_latencies(outcome.reference.words, outcome.arrivals, outcome.spoken_at_zero)
            any_word += word_latencies(outcome.reference.words, outcome.arrivals, outcome.spoken_at_zero, exact=False)
        finals = final_words(outcome.arrivals)
        counts += stability(outcome.arrivals, finals)
        hypotheses.append(" ".join(word.word for word in finals))
    # spoken words on both sides: a formatted reference's text writes "25" for "twenty five"
    truths = [o.truth for o in outcomes]
    offline = [" ".join(w.word for w in o.reference.words) if o.reference.words else o.reference.text for o in outcomes]
    return {
        **summarize_latencies(latencies),
        **{f"any_{name}": value for name, value in summarize_latencies(any_word).items()
           if name.endswith("_ms") and name != "max_ms"},
        "wer_pct": round(100 * word_error_rate(truths, hypotheses), 2),
        "offline_wer_pct": round(100 * word_error_rate(truths, offline), 2),
        "differs_from_offline_pct": round(100 * word_error_rate(offline, hypotheses), 2),
        "stable_words": counts.stable,
        "stable_changed_pct": round(100 * (1 - counts.stable_kept / counts.stable), 1) if counts.stable else None,
        "unstable_changed_pct": round(100 * (1 - counts.unstable_kept / counts.unstable), 1) if counts.unstable
        else None,
    }


def row_figures(board: RecordingBoard, references: dict[str, Transcript], cpu: dict[str, float], wall: float,
                busy: float) -> dict[str, object]:
    """One live row: completed streams, CPU per audio second and the outcome figures."""
    states = board.states()
    outcomes = [
        Outcome(references[state.reference], state.reference, board.arrivals[state.stream_id],
                state.sent_wall_times[0] - state.sent_audio_ends[0] if state.sent_wall_times else None)
        for state in states
    ]
    audio = sum(state.audio_seconds for state in states)
    recognizer = sum(seconds for name, seconds in cpu.items() if name.startswith("recognizer"))
    stream_app = sum(seconds for name, seconds in cpu.items() if name.startswith("stream-app"))
    lags = [lag for state in states for lag in sender_lags(state.sent_audio_ends, state.sent_wall_times)]
    return {
        "streams": len(states),
        "completed": sum(state.status.value == "done" for state in states),
        "audio_s": round(audio),
        "recognizer_ms_per_audio_s": round(1000 * recognizer / audio, 2),
        "stream_app_ms_per_audio_s": round(1000 * stream_app / audio, 2),
        **outcome_figures(outcomes),
        "sender_lag_p95_ms": round(1000 * percentile(lags, 95)) if lags else None,
        "sender_lag_max_ms": round(1000 * max(lags)) if lags else None,
        **{f"{name}_cores": round(sum(seconds for process, seconds in cpu.items() if process.startswith(name)) / wall,
                                  2)
           for name in ("recognizer", "stream-app", "broker", "load-generator")},
        "busy_cores": round(busy / wall, 2),
    }


def sender_lags(audio_ends: Sequence[float], wall_times: Sequence[float]) -> list[float]:
    """Per chunk sent: how late it left against real time from the stream's first chunk (seconds).

    The load generator runs on the measured machine; when it falls behind, words reach the
    pipeline late and the word latency (measured against real time) includes that lag."""
    if not audio_ends:
        return []
    return [max(0.0, (wall - wall_times[0]) - (end - audio_ends[0])) for end, wall in zip(audio_ends, wall_times,
                                                                                          strict=True)]


def replay_rows(engine: Any, speech: Sequence[SpeechSample], references: dict[str, Transcript],
                chunk_ms: int) -> list[dict[str, object]]:
    """The segmenting settings replayed without Kafka (`tooling.bench.replay`), one row each."""
    from tooling.bench.replay import REPLAY_MODES, replay_all  # noqa: PLC0415

    rows = []
    audio = sum(sample.seconds for sample in speech)
    for mode, settings in REPLAY_MODES.items():
        load_before = load_average()[0]
        replayed = replay_all(engine, speech, settings, chunk_ms)
        outcomes = [Outcome(references[sample.sentence], sample.sentence, result.arrivals, 0.0)
                    for sample, result in zip(speech, replayed, strict=True)]
        rows.append({
            "settings": mode,
            "audio_recognised_per_audio_s": round(sum(r.recognised_seconds for r in replayed) / audio, 2),
            "cpu_ms_per_audio_s": round(1000 * sum(r.cpu_seconds for r in replayed) / audio, 1),
            **outcome_figures(outcomes),
            "load_1m_before": load_before,
        })
        log.info("replay %s", rows[-1])
    return rows


def run(bench: LatencyBenchSettings, options: BenchOptions) -> dict[str, object]:
    """Every mode × stream count; returns the rows and the live/finals CPU ratios."""
    import tempfile  # noqa: PLC0415

    from recognizer.engine import RecognitionEngine  # noqa: PLC0415
    from recognizer.settings import RecognizerSettings  # noqa: PLC0415
    from tooling.demo.samples import load_samples  # noqa: PLC0415

    if options.quick:
        bench = bench.model_copy(update={"streams": (10,), "stream_seconds": 10.0})
    kafka = options.kafka
    speech = continuous_speech(load_samples(bench.samples), bench.variants, bench.stream_seconds, bench.gap_ms)
    # one torch thread: the replay's CPU figure is then the work itself, not OpenMP threads spinning
    # while another process holds a core (2 threads read 5x the CPU at load 3-5, docs/benchmarks.md)
    # and decodes in this process (decode_processes=0), where its CPU time is counted
    engine = RecognitionEngine.from_settings(
        RecognizerSettings(decoder=bench.decoder, torch_threads=REPLAY_THREADS, decode_processes=0))
    references = {sample.sentence: offline_words(engine, sample) for sample in speech}
    log.info("offline reference: %d files, %d words", len(references),
             sum(len(t.words) for t in references.values()))
    replayed = replay_rows(engine, speech, references, bench.chunk_ms)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as temporary:
        state_dir = bench.state_dir or Path(temporary)
        for mode in bench.modes:
            with running_stack(kafka, mode, bench.stream_app_option, bench.decoder, state_dir) as stack:
                for streams in bench.streams:
                    load_before = load_average()[0]
                    log.info("%s: %d streams of %.0f s", mode, streams, bench.stream_seconds)
                    board, cpu, wall, busy, services = play(
                        stack, speech, streams, bench.chunk_ms, bench.ramp_seconds, bench.finish_timeout)
                    rows.append({"mode": mode, **row_figures(board, references, cpu, wall, busy),
                                 **services,
                                 "load_1m_before": load_before})
                    log.info("%s", rows[-1])
    return {
        "decoder": bench.decoder,
        "stream_seconds": bench.stream_seconds,
        "stream_app_options": ", ".join(bench.stream_app_option) or "defaults",
        "offline_words": sum(len(t.words) for t in references.values()),
        "torch_threads": torch_threads(),
        "replay": replayed,
        "replay_cpu_ratio_live_over_finals": replay_cpu_ratio(replayed),
        "rows": rows,
        "cpu_ratio_live_over_finals": cpu_ratios(rows),
    }


def replay_cpu_ratio(rows: Sequence[dict[str, object]]) -> float:
    """Replayed CPU per audio second of the defaults over finals only."""
    cpu = {row["settings"]: float(row["cpu_ms_per_audio_s"]) for row in rows}  # type: ignore[arg-type]
    return round(cpu["live"] / cpu["finals"], 2)


def torch_threads() -> int:
    """CPU threads torch uses in this process (the replay's recognition)."""
    import torch  # noqa: PLC0415

    return torch.get_num_threads()


def cpu_ratios(rows: Sequence[dict[str, object]]) -> dict[str, float]:
    """Per stream count measured in both modes: recognizer CPU per audio s, live / finals."""
    per_mode = {(row["mode"], row["streams"]): row["recognizer_ms_per_audio_s"] for row in rows}
    return {f"{streams} streams": round(float(live) / float(per_mode[("finals", streams)]), 2)  # type: ignore[arg-type]
            for (mode, streams), live in per_mode.items()
            if mode == "live" and ("finals", streams) in per_mode and per_mode[("finals", streams)]}

"""`streamscribe bench capacity`: what one recognizer sustains with production-size models.

Each architecture of `recognizer.architectures.PRODUCTION` (QuartzNet 15x5, Conformer-CTC
large, FastConformer-CTC at Parakeet-CTC 0.6 B size) is built at its true size with random
weights (throughput does not depend on the weights) and measured on this machine:

- `offline`: real-time factor (compute seconds per audio second, lower is better) of the
  recognition core on `--segment-seconds` segments of speech, at batch 1 and at
  `--max-batch`; `rtfx` = 1 / RTF.
- `live`: N real-time streams through Kafka into one recognizer worker (the recognizer
  benchmark's latency run: segments written when a live source would have finished them,
  latency = transcript read - segment written). The search for the most streams with p95 < 1 s
  starts from the offline figure (a recognizer keeps up with about `0.8 / RTF` streams) and
  moves up or down by a quarter per run, `--live-runs` runs at most.
- `load`: the machine's load average before and after each architecture (a shared machine's
  neighbours slow the figures; the report says how busy it was).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from recognizer.architectures import PRODUCTION
from streamscribe.cli_settings import Names
from streamscribe.contracts import SEGMENT_SAMPLE_RATE
from streamscribe.settings import KafkaSettings
from tooling.bench.machine import load_average
from tooling.bench.options import BenchOptions
from tooling.bench.recognizer import SHIPPED_SAMPLES, BenchContext, load_audio, measure_latency

log = logging.getLogger(__name__)

P95_TARGET_MS = 1000.0
HEADROOM = 0.8  # fraction of the compute a live recognizer can use before queues build up


QUICK_HELP = "QuartzNet only, fewer segments, one live run"  # --quick's help (`streamscribe bench` adds the flag)


class CapacityBenchSettings(BaseSettings):
    """The capacity benchmark's architectures, segment sizes, batch and live runs."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_BENCH_CAPACITY_")

    architectures: Names = Field(
        default=tuple(PRODUCTION), description=f"comma-separated, from: {', '.join(PRODUCTION)}"
    )
    device: str = Field(default="cpu", description="cpu, cuda, cuda:N")
    segment_seconds: float = Field(default=2.0, gt=0, description="audio per segment (offline and live)")
    offline_segments: int = Field(default=16, ge=1, description="segments per offline measurement")
    max_batch: int = Field(default=16, ge=1, description="recognizer --max-batch (offline and live)")
    stream_seconds: float = Field(default=20.0, gt=0, description="audio per live stream")
    live_runs: int = Field(default=3, ge=1, description="live runs per architecture at most")
    torch_threads: int | None = Field(default=None, ge=1, description="CPU threads for torch (none: torch's choice)")
    fast_convolutions: bool = Field(
        default=False, description="as the recognizer's --fast-convolutions (same output, faster CPU convolutions)"
    )


SETTINGS = CapacityBenchSettings  # what `streamscribe bench capacity` builds from its flags


@dataclass
class Measured:
    """One architecture's engine and its offline figures."""

    name: str
    parameters: int
    context: BenchContext
    rtf_batched: float


def run(bench: CapacityBenchSettings, options: BenchOptions) -> dict[str, object]:
    """Measure every architecture asked for; returns the figures."""
    import torch  # noqa: PLC0415

    from streamscribe.errors import ConfigurationError  # noqa: PLC0415

    names = ["quartznet_15x5"] if options.quick else list(bench.architectures)
    unknown = [name for name in names if name not in PRODUCTION]
    if unknown:
        raise ConfigurationError(f"unknown architectures {unknown}: choose from {', '.join(PRODUCTION)}")
    if options.quick:
        bench = bench.model_copy(update={"offline_segments": 8, "live_runs": 1, "stream_seconds": 10.0})
    threads = bench.torch_threads or torch.get_num_threads()
    results = {name: measure_architecture(name, bench, options.kafka, threads) for name in names}
    plot = plot_capacity(results, options.results_dir / "capacity.png")
    log.info("capacity plot: %s", plot)
    return {"device": bench.device, "torch_threads": threads, "segment_seconds": bench.segment_seconds,
            "max_batch": bench.max_batch, "fast_convolutions": bench.fast_convolutions, "p95_target_ms": P95_TARGET_MS,
            "architectures": results}


def build_context(name: str, bench: CapacityBenchSettings, kafka: KafkaSettings,
                  threads: int) -> tuple[BenchContext, int]:
    """A greedy engine around the architecture with random weights, and the benchmark's audio."""
    from recognizer.architectures import build_model  # noqa: PLC0415
    from recognizer.engine import GreedyDecoder, RecognitionEngine  # noqa: PLC0415
    from recognizer.model import AcousticModel, resolve_device  # noqa: PLC0415
    from recognizer.settings import RecognizerSettings  # noqa: PLC0415

    device = resolve_device(bench.device)
    module = build_model(PRODUCTION[name]).to(device)
    model = AcousticModel(module, name, device)
    if bench.fast_convolutions:
        model.use_fast_convolutions()
    engine = RecognitionEngine(model, GreedyDecoder(model.vocabulary), max_batch=bench.max_batch,
                               silence_dbfs=None)  # random weights: every segment goes through the model
    settings = RecognizerSettings(device=device, torch_threads=threads, max_batch=bench.max_batch,
                                  kafka=kafka)
    files = load_audio(SHIPPED_SAMPLES)
    parameters = sum(p.numel() for p in module.parameters())
    return BenchContext(settings, engine, files, files), parameters


def offline_segments(context: BenchContext, count: int, seconds: float) -> list[np.ndarray]:
    """`count` speech segments of `seconds` each, cut from the joined sample files."""
    joined = np.concatenate(context.files)
    step = int(seconds * SEGMENT_SAMPLE_RATE)
    return [joined[(i * step) % (len(joined) - step):][:step] for i in range(count)]


def real_time_factor(context: BenchContext, segments: list[np.ndarray], batch: int) -> float:
    """Compute seconds per audio second of the recognition core at `batch` (after one warm-up pass)."""
    engine = context.engine
    engine.max_batch = batch
    engine.transcribe(segments[:batch])
    started = time.perf_counter()
    engine.transcribe(segments)
    elapsed = time.perf_counter() - started
    return elapsed / (sum(len(s) for s in segments) / SEGMENT_SAMPLE_RATE)


def measure_architecture(name: str, bench: CapacityBenchSettings, kafka: KafkaSettings,
                         threads: int) -> dict[str, object]:
    """Offline RTF at batch 1 and max batch, then the live search for the most streams under 1 s p95."""
    from tooling.bench.recognizer import in_worker_like_thread  # noqa: PLC0415

    load_before = load_average()
    context, parameters = build_context(name, bench, kafka, threads)
    segments = offline_segments(context, bench.offline_segments, bench.segment_seconds)
    rtf_single = in_worker_like_thread(context, lambda: real_time_factor(context, segments[:4], 1))
    rtf_batched = in_worker_like_thread(context, lambda: real_time_factor(context, segments, bench.max_batch))
    context.engine.max_batch = bench.max_batch
    log.info("%s (%.1f M parameters): RTF %.3f at batch 1, %.3f at batch %d", name, parameters / 1e6,
             rtf_single, rtf_batched, bench.max_batch)
    live = search_streams(context, rtf_batched, bench)
    passing = [row["streams"] for row in live if row["latency_p95_ms"] < P95_TARGET_MS]
    return {
        "parameters_millions": round(parameters / 1e6, 1),
        "offline": {"rtf_batch_1": round(rtf_single, 4), "rtf_batched": round(rtf_batched, 4),
                    "rtfx_batched": round(1 / rtf_batched, 2), "estimated_streams": estimate_streams(rtf_batched)},
        "live": live,
        "sustained_streams": max(passing, default=0),
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }


def estimate_streams(rtf: float) -> int:
    """Streams a recognizer keeps up with when it may use `HEADROOM` of its compute."""
    return max(0, math.floor(HEADROOM / rtf))


def next_count(tried: dict[int, bool]) -> int | None:
    """The next stream count to try (None: done): a quarter past the best pass while nothing
    failed, else halfway between the best pass and the lowest failure, until they are 10 % apart."""
    passed = max((n for n, ok in tried.items() if ok), default=0)
    failed = min((n for n, ok in tried.items() if not ok), default=None)
    if failed is None:
        candidate = max(passed + 1, math.ceil(passed * 1.25))
    elif failed - passed <= max(1, passed // 10):
        return None
    else:
        candidate = (passed + failed) // 2 if passed else math.floor(failed * 0.75)
    return None if candidate < 1 or candidate in tried else candidate


def search_streams(context: BenchContext, rtf: float, bench: CapacityBenchSettings) -> list[dict[str, Any]]:
    """Live runs from the offline estimate towards the most streams with p95 under the target."""
    tried: dict[int, bool] = {}
    rows = []
    count: int | None = max(1, estimate_streams(rtf))
    while count is not None and len(rows) < bench.live_runs:
        row = measure_latency(context, count, bench.stream_seconds, bench.segment_seconds, bench.max_batch)
        row["load_average_1m"] = load_average()[0]
        rows.append(row)
        tried[count] = row["latency_p95_ms"] < P95_TARGET_MS
        log.info("%d live streams: p95 %.0f ms (%s)", count, row["latency_p95_ms"],
                 "ok" if tried[count] else "over target")
        count = next_count(tried)
    return sorted(rows, key=lambda row: row["streams"])


def plot_capacity(architectures: dict[str, Any], path: Path) -> Path:
    """Real-time factor per architecture (batch 1 and batched; above 1 a recognizer falls behind one
    stream) beside the p95 latency of its live runs, with the 1 s target: one PNG."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    from matplotlib.ticker import FormatStrFormatter  # noqa: PLC0415

    names = list(architectures)
    figure, (rtf_axis, latency_axis) = plt.subplots(1, 2, figsize=(12, 4.6))
    positions = np.arange(len(names))
    for offset, key, label in ((-0.2, "rtf_batch_1", "batch 1"), (0.2, "rtf_batched", "batched")):
        values = [architectures[n]["offline"][key] for n in names]
        bars = rtf_axis.bar(positions + offset, values, 0.4, label=label)
        rtf_axis.bar_label(bars, [f"{v:.2f}" for v in values], fontsize=8)
    rtf_axis.axhline(1.0, color="red", linestyle="--", label="real time (RTF 1)")
    rtf_axis.set(yscale="log", ylabel="real-time factor (compute s / audio s, log)",
                 title="Offline real-time factor (lower is better)")
    rtf_axis.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    rtf_axis.yaxis.set_minor_formatter(FormatStrFormatter(""))
    rtf_axis.set_ylim(0.05, 2.0)
    rtf_axis.set_yticks([0.05, 0.1, 0.2, 0.5, 1, 2])
    rtf_axis.set_xticks(positions, [f"{n}\n{architectures[n]['parameters_millions']} M" for n in names], fontsize=8)
    rtf_axis.legend(fontsize=8, loc="upper right")
    for name in names:
        rows = architectures[name]["live"]
        sustained = architectures[name]["sustained_streams"]
        [line] = latency_axis.plot([r["streams"] for r in rows], [r["latency_p95_ms"] / 1000 for r in rows], "o-",
                                   label=f"{name} (sustained: {sustained})")
        if sustained:
            best = next(r for r in rows if r["streams"] == sustained)
            latency_axis.plot([sustained], [best["latency_p95_ms"] / 1000], "*", markersize=16, color=line.get_color())
    latency_axis.axhline(P95_TARGET_MS / 1000, color="red", linestyle="--", label="p95 target 1 s")
    latency_axis.set(yscale="log", xlabel="live real-time streams", ylabel="p95 latency (s, log)",
                     title="Live streams into one recognizer (star: most under 1 s)")
    latency_axis.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    latency_axis.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path

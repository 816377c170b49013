"""The demo's closing numbers: WER against the references, latency percentiles, throughput.

Pure functions over the board's stream states, plus the rich table and the JSON file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.table import Table

from streamscribe.percentiles import percentile
from streamscribe.wer import word_error_rate
from tooling.demo.board import DemoStream, StreamStatus


@dataclass(frozen=True)
class StreamResult:
    """One stream's outcome, as written to the JSON summary."""

    stream_id: str
    completed: bool
    audio_seconds: float
    reference: str
    hypothesis: str
    wer: float
    source: str
    final_results: int
    latency_p50: float


@dataclass(frozen=True)
class DemoSummary:
    """The demo's numbers; latencies in seconds, throughput in audio seconds per wall second."""

    streams: int
    completed_streams: int
    audio_seconds: float
    wall_seconds: float
    wer: float
    wer_by_source: dict[str, float]
    latency_p50: float
    latency_p95: float
    latency_p99: float
    final_results: int
    throughput: float
    per_stream: list[StreamResult]


def stream_result(state: DemoStream) -> StreamResult:
    """Outcome of one stream."""
    return StreamResult(
        stream_id=state.stream_id,
        completed=state.status is StreamStatus.DONE,
        audio_seconds=state.audio_seconds,
        reference=state.reference,
        hypothesis=state.hypothesis,
        wer=word_error_rate([state.reference], [state.hypothesis]),
        source=state.source,
        final_results=state.final_results,
        latency_p50=percentile(state.latencies, 50),
    )


def summarize(states: Sequence[DemoStream], wall_seconds: float) -> DemoSummary:
    """The summary of a finished (or interrupted) demo run."""
    latencies = [latency for state in states for latency in state.latencies]
    audio_seconds = sum(state.audio_seconds for state in states)
    return DemoSummary(
        streams=len(states),
        completed_streams=sum(state.status is StreamStatus.DONE for state in states),
        audio_seconds=audio_seconds,
        wall_seconds=wall_seconds,
        wer=word_error_rate([s.reference for s in states], [s.hypothesis for s in states]),
        wer_by_source=wer_by_source(states),
        latency_p50=percentile(latencies, 50),
        latency_p95=percentile(latencies, 95),
        latency_p99=percentile(latencies, 99),
        final_results=sum(state.final_results for state in states),
        throughput=audio_seconds / wall_seconds if wall_seconds > 0 else math.nan,
        per_stream=[stream_result(state) for state in states],
    )


def wer_by_source(states: Sequence[DemoStream]) -> dict[str, float]:
    """The WER of each source's streams (e.g. synthetic vs real telephone speech), sources sorted."""
    sources = sorted({state.source for state in states})
    return {
        source: word_error_rate([s.reference for s in states if s.source == source],
                                [s.hypothesis for s in states if s.source == source])
        for source in sources
    }


def summary_table(summary: DemoSummary) -> Table:
    """The summary as a two-column rich table."""
    table = Table(title="streamscribe demo summary", show_header=False, title_justify="left")
    table.add_column("metric", style="bold")
    table.add_column("value", justify="right")
    rows = [
        ("streams (completed / started)", f"{summary.completed_streams} / {summary.streams}"),
        ("audio", f"{summary.audio_seconds:.1f} s"),
        ("wall time", f"{summary.wall_seconds:.1f} s"),
        ("WER", f"{summary.wer:.1%}"),
        *((f"WER {source}", f"{wer:.1%}") for source, wer in summary.wer_by_source.items()
          if len(summary.wer_by_source) > 1),
        ("final results", str(summary.final_results)),
        ("latency p50", f"{summary.latency_p50 * 1000:.0f} ms"),
        ("latency p95", f"{summary.latency_p95 * 1000:.0f} ms"),
        ("latency p99", f"{summary.latency_p99 * 1000:.0f} ms"),
        ("throughput", f"{summary.throughput:.2f} audio s / wall s"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def _json_safe(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    return value


def write_summary_json(summary: DemoSummary, path: Path) -> None:
    """Write the summary (with per-stream results) as JSON; NaN becomes null."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_json_safe(asdict(summary)), indent=2) + "\n")

"""The benchmark report: JSON, Markdown and plots written from result dicts."""

from __future__ import annotations

import json
import math
from pathlib import Path

from tooling.bench.machine import describe_machine
from tooling.bench.plots import BATCH_KEYS, STREAM_KEYS, find_series, is_latency, is_throughput
from tooling.bench.report import BenchReport, render_markdown, write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

RESULTS = {
    "ingest": {
        "messages_per_second": 5321.5,
        "sweep": [
            {"streams": 10, "chunk_ms": 100, "latency_p50_ms": 12.0, "latency_p95_ms": 30.0, "label": "a"},
            {"streams": 100, "chunk_ms": 100, "latency_p50_ms": 25.0, "latency_p95_ms": 80.0, "label": "b"},
            {"streams": 10, "chunk_ms": 250, "latency_p50_ms": 20.0, "latency_p95_ms": 50.0, "label": "c"},
        ],
    },
    "recognizer": {
        "model": "streamscribe-small",
        "rtf": math.nan,
        "decoders": {
            "greedy": [
                {"batch_size": 1, "offline_audio_s_per_s": 20.0, "ratio": 0.9},
                {"batch_size": 8, "offline_audio_s_per_s": 90.0, "ratio": 0.85},
            ]
        },
    },
}


def test_series_are_found_by_their_x_column_and_measure_names() -> None:
    latency = find_series(RESULTS, STREAM_KEYS, is_latency)
    assert [(s.label, s.x_key, s.y_keys, len(s.rows)) for s in latency] == [
        ("ingest.sweep (chunk_ms=100)", "streams", ("latency_p50_ms", "latency_p95_ms"), 2),
        ("ingest.sweep (chunk_ms=250)", "streams", ("latency_p50_ms", "latency_p95_ms"), 1),
    ]
    throughput = find_series(RESULTS, BATCH_KEYS, is_throughput)
    assert [(s.label, s.y_keys) for s in throughput] == [
        ("recognizer.decoders.greedy", ("offline_audio_s_per_s",))
    ]


def test_report_files_hold_results_machine_and_plots(tmp_path: Path) -> None:
    report = BenchReport(machine={"cpu": "test cpu", "versions": {"python": "3.11"}}, results=RESULTS)
    json_path, markdown_path = write_report(report, tmp_path / "out")
    data = json.loads(json_path.read_text())
    assert data["results"]["ingest"]["messages_per_second"] == 5321.5
    assert data["results"]["recognizer"]["rtf"] is None  # NaN is not JSON
    assert sorted(data["plots"]) == ["latency_vs_streams.png", "throughput_vs_batch_size.png"]
    for plot in data["plots"]:
        assert (tmp_path / "out" / plot).read_bytes().startswith(PNG_MAGIC)
    markdown = markdown_path.read_text()
    assert "| streams | chunk_ms | latency_p50_ms | latency_p95_ms | label |" in markdown
    assert "| model | streamscribe-small |" in markdown
    assert "![latency_vs_streams](latency_vs_streams.png)" in markdown
    assert "| python | 3.11 |" in markdown


def test_failures_are_reported_and_no_plot_is_drawn_without_sweeps(tmp_path: Path) -> None:
    report = BenchReport(machine={}, results={"ingest": {"messages": 3}}, failures={"recognizer": "no model"})
    json_path, _ = write_report(report, tmp_path)
    assert json.loads(json_path.read_text())["plots"] == []
    assert "## recognizer: FAILED" in render_markdown(report, [])


def test_machine_description_names_cpu_cores_memory_and_versions() -> None:
    machine = describe_machine()
    assert machine["logical_cores"] >= 1 and machine["ram_gib"] > 0
    assert machine["cpu"] and isinstance(machine["gpus"], list)
    assert machine["versions"]["python"].startswith("3.")

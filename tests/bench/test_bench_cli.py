"""`streamscribe bench` parses into the benchmarks to run with the components' own arguments."""

from __future__ import annotations

from pathlib import Path

from streamscribe.bench.cli import default_arguments
from streamscribe.cli import build_parser


def test_bare_bench_runs_every_benchmark_with_defaults() -> None:
    args = build_parser().parse_args(["bench"])
    assert args.benchmarks == ["ingest", "recognizer", "gateway"]
    assert args.results_dir == Path("bench-results") and args.quick is False
    assert build_parser().parse_args(["bench", "all", "--quick"]).benchmarks == ["ingest", "recognizer", "gateway"]


def test_a_component_benchmark_takes_its_own_flags_and_the_report_flags() -> None:
    args = build_parser().parse_args(["bench", "ingest", "--streams", "10", "--results-dir", "out", "--quick"])
    assert args.benchmarks == ["ingest"] and args.component_args
    assert args.streams == "10" and args.results_dir == Path("out") and args.quick


def test_report_flags_before_the_sub_command_are_kept() -> None:
    args = build_parser().parse_args(["bench", "--quick", "--results-dir", "r", "recognizer"])
    assert args.quick and args.results_dir == Path("r") and args.benchmarks == ["recognizer"]


def test_default_arguments_are_the_components_defaults_plus_quick_and_kafka() -> None:
    args = default_arguments("recognizer", quick=True, bootstrap_servers="127.0.0.1:1")
    assert args.quick and args.bootstrap_servers == "127.0.0.1:1"
    assert args.batch_sizes == build_parser().parse_args(["bench", "recognizer"]).batch_sizes


def test_bench_gateway_takes_its_client_counts() -> None:
    args = build_parser().parse_args(["bench", "gateway", "--streams", "10,20", "--seconds", "3"])
    assert (args.benchmarks, args.streams, args.seconds) == (["gateway"], "10,20", 3.0)

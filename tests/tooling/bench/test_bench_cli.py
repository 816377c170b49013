"""`streamscribe bench` parses into the benchmarks to run with the components' own arguments."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tooling.bench.cli import benchmark_settings
from tooling.bench.recognizer import RecognizerBenchSettings
from tooling.cli import build_parser


def test_bare_bench_runs_every_benchmark_with_defaults() -> None:
    args = build_parser().parse_args(["bench"])
    assert args.benchmarks == ["ingest", "recognizer", "gateway"]
    assert args.results_dir == Path("bench-results") and args.quick is False
    assert build_parser().parse_args(["bench", "all", "--quick"]).benchmarks == ["ingest", "recognizer", "gateway"]


def test_a_component_benchmark_takes_its_own_flags_and_the_report_flags() -> None:
    args = build_parser().parse_args(["bench", "ingest", "--streams", "10", "--results-dir", "out", "--quick"])
    assert args.benchmarks == ["ingest"]
    assert args.streams == "10" and args.results_dir == Path("out") and args.quick
    assert benchmark_settings("ingest", args).streams == (10,)


def test_report_flags_before_the_sub_command_are_kept() -> None:
    args = build_parser().parse_args(["bench", "--quick", "--results-dir", "r", "recognizer"])
    assert args.quick and args.results_dir == Path("r") and args.benchmarks == ["recognizer"]


def test_bench_all_runs_each_benchmark_with_its_defaults() -> None:
    args = build_parser().parse_args(["bench", "all", "--quick", "--bootstrap-servers", "127.0.0.1:1"])
    assert args.quick and args.bootstrap_servers == "127.0.0.1:1"
    settings = benchmark_settings("recognizer", args)
    assert settings == RecognizerBenchSettings()
    named = build_parser().parse_args(["bench", "recognizer"])
    assert settings == benchmark_settings("recognizer", named) and settings.batch_sizes == (1, 8, 32)


def test_bench_gateway_takes_its_client_counts() -> None:
    args = build_parser().parse_args(["bench", "gateway", "--streams", "10,20", "--seconds", "3"])
    assert (args.benchmarks, args.streams, args.seconds) == (["gateway"], "10,20", 3.0)


def test_bench_flags_come_from_the_benchmarks_settings_class(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["bench", "latency", "--stream-app-option", "a=1", "--stream-app-option", "b=2",
                                      "--decoder", "greedy", "--streams", "10"])
    settings = benchmark_settings("latency", args)
    assert (settings.stream_app_option, settings.decoder, settings.streams) == (["a=1", "b=2"], "greedy", (10,))
    with pytest.raises(SystemExit):
        build_parser().parse_args(["bench", "latency", "--decoder", "viterbi"])
    with pytest.raises(SystemExit):
        build_parser().parse_args(["bench", "latency", "--help"])
    assert "--stream-app-option NAME=VALUE" in capsys.readouterr().out


def test_comma_separated_flags_and_env_vars_are_checked_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMSCRIBE_BENCH_LATENCY_MODES", "finals")
    args = build_parser().parse_args(["bench", "latency", "--streams", "10, 100"])
    settings = benchmark_settings("latency", args)
    assert (settings.streams, settings.modes) == ((10, 100), ("finals",))
    for bad in ("10,x", "0", ""):
        with pytest.raises(ValidationError):
            benchmark_settings("latency", build_parser().parse_args(["bench", "latency", "--streams", bad]))


def test_the_recognizer_benchmark_finds_the_shipped_speech_by_default() -> None:
    from tooling.bench.recognizer import SHIPPED_SAMPLES

    assert len(list(SHIPPED_SAMPLES.glob("*.flac"))) >= 30

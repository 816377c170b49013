"""`streamscribe bench [BENCHMARK|all]`: run the benchmarks, write one report with plots.

Each benchmark is a module of this package (`tooling/bench/<name>.py`: a settings class
`SETTINGS`, whose fields are the benchmark's flags as for every command
(`streamscribe.cli_settings`), `QUICK_HELP` and `run(settings, options) -> dict`); this command
gives every benchmark `--quick`, `--results-dir` and `--bootstrap-servers` (`BenchOptions`), runs
them, describes the machine and writes `report.json`, `report.md` and PNG plots into the results
folder.
"""

from __future__ import annotations

import argparse
import importlib
import logging
from pathlib import Path
from types import ModuleType

from pydantic_settings import BaseSettings

from streamscribe.cli_settings import add_settings_arguments, settings_from_args
from streamscribe.errors import StreamscribeError
from tooling.bench.options import BenchOptions

log = logging.getLogger(__name__)

BENCHMARKS = {
    "ingest": ("tooling.bench.ingest", "chunks → segments throughput and latency through the stream app"),
    "recognizer": ("tooling.bench.recognizer", "recognizer throughput and latency against batch size and streams"),
    "gateway": ("tooling.bench.gateway", "WebSocket clients through the gateway: CPU, memory, added latency, reads"),
    "autoscale": ("tooling.bench.autoscale", "up --autoscale under a 10 -> 300 -> 10 step of live streams"),
    "capacity": ("tooling.bench.capacity", "production-size models (random weights): real-time factor and live streams "
                 "one recognizer sustains under 1 s p95"),
    "speedups": ("tooling.bench.speedups", "CPU forward pass: eager against int8, torch.compile and ONNX Runtime, "
                 "with text agreement"),
    "latency": ("tooling.bench.latency", "word latency, cost of live results and WER on continuous speech"),
}
# only when named: a whole autoscaled stack for minutes; models up to 0.6 B parameters; the whole
# stack at 10-500 live streams
ON_REQUEST = frozenset({"autoscale", "capacity", "speedups", "latency"})
DEFAULT_RESULTS_DIR = Path("bench-results")


class BenchmarkFailed(StreamscribeError):
    """At least one benchmark failed; the report says which and why."""


def _benchmark_module(name: str) -> ModuleType:
    return importlib.import_module(BENCHMARKS[name][0])


def add_report_arguments(parser: argparse.ArgumentParser, suppress_defaults: bool = False,
                         quick_help: str = "smaller sweeps: a smoke run in a minute or two") -> None:
    """Options every form of `bench` takes (sub-commands suppress defaults not to mask the parent's)."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress_defaults else value

    parser.add_argument("--results-dir", type=Path, default=default(DEFAULT_RESULTS_DIR),
                        help="folder for report.json, report.md and plots (default: bench-results)")
    parser.add_argument("--quick", action="store_true", default=default(False),
                        help=quick_help)
    parser.add_argument("--bootstrap-servers", default=default(None),
                        help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS, else the embedded broker)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `bench` with `ingest`, `recognizer` and `all` (the default)."""
    bench = subparsers.add_parser("bench", help="run the benchmarks and write a report with plots",
                                  description=__doc__)
    add_report_arguments(bench)
    bench.set_defaults(func=run_bench, benchmarks=[name for name in BENCHMARKS if name not in ON_REQUEST])
    choices = bench.add_subparsers(dest="benchmark", metavar="BENCHMARK")
    for name, (_module, help_text) in BENCHMARKS.items():
        sub = choices.add_parser(name, help=help_text)
        module = _benchmark_module(name)
        add_settings_arguments(sub, module.SETTINGS)
        add_report_arguments(sub, suppress_defaults=True, quick_help=module.QUICK_HELP)
        sub.set_defaults(benchmarks=[name])
    everything = choices.add_parser(
        "all", help=f"every benchmark but {', '.join(sorted(ON_REQUEST))} with its defaults (the default)"
    )
    add_report_arguments(everything, suppress_defaults=True)


def benchmark_settings(name: str, args: argparse.Namespace) -> BaseSettings:
    """A benchmark's settings: its flags when it was named (`bench ingest --streams 10`), else (`bench`,
    `bench all`) its env vars and defaults."""
    return settings_from_args(_benchmark_module(name).SETTINGS, args)


def run_bench(args: argparse.Namespace) -> int:
    """Run the chosen benchmarks against a broker (embedded if none is configured), then report."""
    from rich.console import Console  # noqa: PLC0415

    from streamscribe.settings import KafkaSettings  # noqa: PLC0415
    from tooling.bench.machine import describe_machine  # noqa: PLC0415
    from tooling.bench.report import BenchReport, write_report  # noqa: PLC0415
    from tooling.demo.broker_session import kafka_for_session  # noqa: PLC0415

    settings = {name: benchmark_settings(name, args) for name in args.benchmarks}  # bad flags fail here, first
    console = Console(stderr=True)
    report = BenchReport(machine=describe_machine())
    configured = KafkaSettings()
    if args.bootstrap_servers:
        configured = configured.model_copy(update={"bootstrap_servers": args.bootstrap_servers})
    with kafka_for_session(configured) as kafka:
        options = BenchOptions(kafka=kafka, quick=args.quick, results_dir=args.results_dir)
        for name, bench in settings.items():
            console.rule(f"benchmark: {name}")
            try:
                report.results[name] = _benchmark_module(name).run(bench, options)
            except StreamscribeError as exc:
                log.error("benchmark %s failed: %s", name, exc)
                report.failures[name] = str(exc)
    json_path, markdown_path = write_report(report, args.results_dir)
    console.print(f"report written to {markdown_path} and {json_path}")
    if report.failures:
        raise BenchmarkFailed(f"benchmarks failed: {', '.join(report.failures)} (see {markdown_path})")
    return 0

"""`streamscribe demo` and `streamscribe up`."""

from __future__ import annotations

import argparse
from pathlib import Path

from streamscribe.settings import add_kafka_arguments, kafka_settings_from_args


def _add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    add_kafka_arguments(parser)
    parser.add_argument("--recognizers", type=int, help="recognizer group members to run (default 1)")
    parser.add_argument("--stream-app-workers", type=int, help="stream app workers to run (default 1)")
    parser.add_argument("--model", help="recognizer model: a .nemo file or NeMo name (default: the shipped one)")
    parser.add_argument("--decoder", choices=["greedy", "beam"],
                        help="recognizer decoder (default: beam, with the shipped KenLM)")
    parser.add_argument("--stream-app-metrics-port", type=int,
                        help="metrics port of the first stream app worker; the i-th adds i (default: free ports)")
    parser.add_argument("--recognizer-metrics-port", type=int,
                        help="metrics port of the first recognizer; the i-th adds i (default: free ports)")
    parser.add_argument("--log-dir", type=Path, help="where the services' logs go (default: $STREAMSCRIBE_HOME/logs)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `demo` and `up`."""
    demo = subparsers.add_parser(
        "demo", help="run the pipeline on the embedded broker with many live speech streams, then summarise"
    )
    _add_stack_arguments(demo)
    demo.add_argument("--streams", type=int, help="concurrent live streams (default 24)")
    demo.add_argument("--samples", type=Path, help="samples.tsv (path, sentence) to stream (default: shipped)")
    demo.add_argument("--summary-json", type=Path, help="also write the summary as JSON to this file")
    demo.add_argument("--finish-timeout", type=float,
                      help="seconds to wait for the last transcripts after the audio ends (default 120)")
    demo.set_defaults(func=run_demo_command)

    up = subparsers.add_parser("up", help="run broker, topics, stream app and recognizers until Ctrl-C")
    _add_stack_arguments(up)
    up.set_defaults(func=run_up_command)


def _settings_overrides(args: argparse.Namespace, names: tuple[str, ...]) -> dict[str, object]:
    """The flags that were given, as settings fields (unset flags keep env/defaults)."""
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


STACK_FIELDS = (
    "recognizers", "stream_app_workers", "model", "decoder",
    "stream_app_metrics_port", "recognizer_metrics_port", "log_dir",
)
DEMO_FIELDS = ("streams", "samples", "summary_json", "finish_timeout")


def run_demo_command(args: argparse.Namespace) -> int:
    """Run the demo, print the summary table; exit 1 when some streams got no final transcript."""
    from rich.console import Console  # noqa: PLC0415

    from streamscribe.demo.runner import run_demo  # noqa: PLC0415
    from streamscribe.demo.settings import DemoSettings  # noqa: PLC0415
    from streamscribe.demo.summary import summary_table, write_summary_json  # noqa: PLC0415
    from streamscribe.demo.supervisor import interrupt_on_sigterm  # noqa: PLC0415

    interrupt_on_sigterm()
    kafka, topics = kafka_settings_from_args(args)
    settings = DemoSettings(kafka=kafka, topics=topics, **_settings_overrides(args, STACK_FIELDS + DEMO_FIELDS))
    console = Console()
    try:
        summary = run_demo(settings, console)
    except KeyboardInterrupt:
        console.print("interrupted: the services and anything the demo started have been stopped")
        return 130
    console.print(summary_table(summary))
    if settings.summary_json:
        write_summary_json(summary, settings.summary_json)
        console.print(f"summary written to {settings.summary_json}")
    missing = summary.streams - summary.completed_streams
    if missing:
        console.print(f"[red]{missing} of {summary.streams} streams got no final transcript in time[/]")
        return 1
    return 0


def run_up_command(args: argparse.Namespace) -> int:
    """Start everything and keep it running until Ctrl-C or until a service fails."""
    from rich.console import Console  # noqa: PLC0415

    from streamscribe.demo.runner import describe_services, stack_plan  # noqa: PLC0415
    from streamscribe.demo.broker_session import kafka_for_session  # noqa: PLC0415
    from streamscribe.demo.settings import StackSettings  # noqa: PLC0415
    from streamscribe.demo.stack import start_stack  # noqa: PLC0415
    from streamscribe.demo.supervisor import Supervisor, interrupt_on_sigterm  # noqa: PLC0415

    interrupt_on_sigterm()
    kafka, topics = kafka_settings_from_args(args)
    settings = StackSettings(kafka=kafka, topics=topics, **_settings_overrides(args, STACK_FIELDS))
    console = Console()
    try:
        with kafka_for_session(settings.kafka) as session_kafka, Supervisor(settings.ready_timeout) as supervisor:
            services = start_stack(supervisor, stack_plan(settings, session_kafka))
            console.print(f"streamscribe is up on Kafka {session_kafka.bootstrap_servers}:")
            describe_services(console, services)
            console.print("send audio with `streamscribe send FILE…`, read with `streamscribe listen`; Ctrl-C stops")
            supervisor.watch()
    except KeyboardInterrupt:
        console.print("stopped")
    return 0

"""`streamscribe demo` and `streamscribe up`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from streamscribe.cli_settings import add_settings_command, settings_from_args
from tooling.demo.settings import DemoSettings, UpSettings

if TYPE_CHECKING:
    from rich.console import Console

    from tooling.demo.stack import StackPlan
    from tooling.demo.supervisor import Supervisor
    from tooling.scaling.settings import AutoscaleSettings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `demo` and `up` (flags: DemoSettings' and StackSettings' fields)."""
    add_settings_command(
        subparsers, "demo", DemoSettings, run_demo_command,
        "run the pipeline on the embedded broker with many live speech streams, then summarise",
    )
    add_settings_command(
        subparsers, "up", UpSettings, run_up_command, "run broker, topics, stream app and recognizers until Ctrl-C"
    )


def run_demo_command(args: argparse.Namespace) -> int:
    """Run the demo, print the summary table; exit 1 when some streams got no final transcript."""
    from rich.console import Console  # noqa: PLC0415

    from tooling.demo.runner import run_demo  # noqa: PLC0415
    from tooling.demo.summary import summary_table, write_summary_json  # noqa: PLC0415
    from tooling.demo.supervisor import interrupt_on_sigterm  # noqa: PLC0415

    interrupt_on_sigterm()
    settings = settings_from_args(DemoSettings, args)
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

    from tooling.demo.broker_session import kafka_for_session  # noqa: PLC0415
    from tooling.demo.runner import describe_services, stack_plan  # noqa: PLC0415
    from tooling.demo.stack import start_stack  # noqa: PLC0415
    from tooling.demo.supervisor import Supervisor, interrupt_on_sigterm  # noqa: PLC0415
    from tooling.scaling.settings import parse_bounds  # noqa: PLC0415

    interrupt_on_sigterm()
    settings = settings_from_args(UpSettings, args)
    bounds = parse_bounds(settings.autoscale) if settings.autoscale else None
    console = Console()
    try:
        with kafka_for_session(settings.kafka) as session_kafka, Supervisor(settings.ready_timeout) as supervisor:
            plan = stack_plan(settings, session_kafka)
            if bounds is not None:
                _run_autoscaled(supervisor, plan, bounds, settings.scaling, console)
                return 0
            services = start_stack(supervisor, plan)
            console.print(f"streamscribe is up on Kafka {session_kafka.bootstrap_servers}:")
            describe_services(console, services)
            console.print("send audio with `streamscribe send FILE…`, read with `streamscribe listen`; Ctrl-C stops")
            supervisor.watch()
    except KeyboardInterrupt:
        console.print("stopped")
    return 0


def _run_autoscaled(
    supervisor: Supervisor, plan: StackPlan, bounds: tuple[int, int], scaling: AutoscaleSettings, console: Console
) -> None:
    """`up --autoscale`: the minimum now, then replicas follow the load until Ctrl-C."""
    from streamscribe.metrics import serve_metrics  # noqa: PLC0415
    from tooling.scaling.loop import start_autoscaled_stack  # noqa: PLC0415
    from tooling.scaling.metrics import AutoscaleMetrics  # noqa: PLC0415

    metrics = AutoscaleMetrics() if scaling.metrics_port is not None else None
    serve_metrics(scaling.metrics_port, "autoscaler")
    autoscaler = start_autoscaled_stack(supervisor, plan, bounds, scaling, metrics)
    console.print(
        f"streamscribe is up on Kafka {plan.kafka.bootstrap_servers}, autoscaling recognizers "
        f"{bounds[0]}..{bounds[1]} (decisions in the log); Ctrl-C stops"
    )
    try:
        autoscaler.run()
    finally:
        autoscaler.close()

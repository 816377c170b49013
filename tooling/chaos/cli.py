"""`streamscribe chaos`: flags are ChaosSettings' fields."""

from __future__ import annotations

import argparse

from streamscribe.cli_settings import add_settings_command, settings_from_args
from tooling.chaos.settings import ChaosSettings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `chaos`."""
    add_settings_command(
        subparsers, "chaos", ChaosSettings, run_chaos_command,
        "live streams through the pipeline while services and brokers are killed, paused and kept down",
        "Repeatable (--seed) random SIGKILLs of stream-app workers, recognizers and brokers, SIGSTOP pauses and "
        "whole-cluster outages for --duration-s with --streams live streams; then reports streams complete, "
        "holes, duplicates, conflicting finals and rejected chunks (exit 1 unless all clean).",
    )


def run_chaos_command(args: argparse.Namespace) -> int:
    """Run, print the report; 0 only when it is clean."""
    from tooling.chaos.run import run_chaos  # noqa: PLC0415 - confluent_kafka, the stack

    report = run_chaos(settings_from_args(ChaosSettings, args))
    for line in report.lines():
        print(line)
    return 0 if report.clean else 1

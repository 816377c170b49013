"""`streamscribe stream-app` (a worker; start several to share the partitions).

Its flags are StreamAppSettings' fields (streamscribe.cli_settings). Its benchmark
(`tooling.bench.ingest`) is run by `streamscribe bench ingest` (tooling.bench).
"""

from __future__ import annotations

import argparse

from infra.cluster import with_embedded_broker
from stream_app.settings import StreamAppSettings
from streamscribe.cli_settings import add_settings_command, settings_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `stream-app`."""
    add_settings_command(
        subparsers, "stream-app", StreamAppSettings, run_stream_app,
        "run a stream-app worker: audio.chunks → audio.segments (faust)",
        "Workers with the same --app-id form one consumer group and share the partitions.",
    )


def run_stream_app(args: argparse.Namespace) -> int:
    """Run one worker until SIGINT/SIGTERM."""
    from stream_app.worker import run_worker  # noqa: PLC0415 - faust, numba

    return run_worker(with_embedded_broker(settings_from_args(StreamAppSettings, args)), args.log_level)

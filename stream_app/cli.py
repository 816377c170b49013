"""`streamscribe stream-app` (a worker; start several to share the partitions).

Its benchmark (`stream_app.bench`) is run by `streamscribe bench ingest` (streamscribe.bench)."""

from __future__ import annotations

import argparse
import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from streamscribe.settings import add_kafka_arguments, kafka_settings_from_args

# StreamAppSettings fields offered as flags (`max_segment_bytes` → `--max-segment-bytes`)
FLAG_FIELDS = (
    "app_id", "workdir", "max_segment_bytes", "max_segment_age_ms", "min_silence_ms", "silence_threshold_dbfs",
    "frame_ms", "cut_search_ms", "idle_timeout_ms", "interim_interval_ms", "max_chunk_bytes",
    "commit_interval_ms", "session_timeout_ms", "fetch_min_bytes", "fetch_max_wait_ms", "batch_queue",
    "metrics_port", "web_port",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `stream-app`."""
    worker = subparsers.add_parser(
        "stream-app", help="run a stream-app worker: audio.chunks → audio.segments (faust)",
        description="Workers with the same --app-id form one consumer group and share the partitions.",
    )
    add_settings_arguments(worker)
    worker.set_defaults(func=run_stream_app)


def _flag_type(annotation: Any) -> type:
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
    return Path if annotation is Path else annotation


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """--bootstrap-servers, the topic flags and one flag per tunable setting."""
    from stream_app.settings import StreamAppSettings  # noqa: PLC0415

    add_kafka_arguments(parser)
    for name in FLAG_FIELDS:
        field = StreamAppSettings.model_fields[name]
        default = field.default if field.default_factory is None else "see settings"
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, type=_flag_type(field.annotation),
                            help=f"{field.description or name} (default: {default})")


def settings_from_args(args: argparse.Namespace) -> Any:
    """StreamAppSettings from env vars, overridden by the flags given."""
    from stream_app.settings import StreamAppSettings  # noqa: PLC0415

    kafka, topics = kafka_settings_from_args(args)
    overrides = {name: getattr(args, name) for name in FLAG_FIELDS if getattr(args, name, None) is not None}
    return StreamAppSettings(kafka=kafka, topics=topics, **overrides)


def run_stream_app(args: argparse.Namespace) -> int:
    """Run one worker until SIGINT/SIGTERM."""
    from stream_app.worker import run_worker  # noqa: PLC0415 - faust, numba

    return run_worker(settings_from_args(args), args.log_level)

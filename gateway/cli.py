"""`streamscribe gateway`: WebSocket/HTTP ingest, the vosk endpoint and the browser page."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path
from typing import Any

from streamscribe.settings import add_kafka_arguments, kafka_settings_from_args

log = logging.getLogger(__name__)

# GatewaySettings fields offered as flags; API keys only as STREAMSCRIBE_GATEWAY_API_KEYS (argv is public)
FLAGS: tuple[tuple[str, type], ...] = (
    ("host", str), ("port", int), ("max_streams", int), ("max_streams_per_key", int), ("max_frame_bytes", int),
    ("idle_timeout_s", float), ("result_timeout_s", float), ("home_partitions", int), ("home_first", int),
    ("instance_id", str), ("tls_cert", Path), ("tls_key", Path), ("allowed_origins", str),
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `gateway`."""
    parser = subparsers.add_parser(
        "gateway", help="WebSocket/HTTP gateway: /v1/stream, /vosk, /v1/recognize and the browser page",
        description="Turns each connection into a stream (producer SDK) and sends back its results. "
                    "API keys: STREAMSCRIBE_GATEWAY_API_KEYS (comma-separated); without them it runs open.",
    )
    add_kafka_arguments(parser)
    add_gateway_arguments(parser)
    parser.set_defaults(func=run_gateway_command)


def add_gateway_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per GatewaySettings field in FLAGS (defaults in the help)."""
    from gateway.settings import GatewaySettings  # noqa: PLC0415

    for name, kind in FLAGS:
        field = GatewaySettings.model_fields[name]
        default = "see settings" if field.default_factory is not None else field.default
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, type=kind,
                            help=f"{field.description or name} (default: {default})")


def settings_from_args(args: argparse.Namespace) -> Any:
    """GatewaySettings from env vars, overridden by the flags given."""
    from gateway.settings import GatewaySettings  # noqa: PLC0415

    kafka, topics = kafka_settings_from_args(args)
    overrides = {name: getattr(args, name) for name, _ in FLAGS if getattr(args, name, None) is not None}
    return GatewaySettings(kafka=kafka, topics=topics, **overrides)


def run_gateway_command(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM."""
    from gateway.server import serve_forever  # noqa: PLC0415 - aiohttp, confluent_kafka

    asyncio.run(serve_forever(settings_from_args(args), _stop_event_on_signals))
    return 0


def _stop_event_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop

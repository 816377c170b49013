"""`streamscribe gateway`: WebSocket/HTTP ingest, the vosk endpoint and the browser page.

Its flags are GatewaySettings' fields (streamscribe.cli_settings); the API keys only as
STREAMSCRIBE_GATEWAY_API_KEYS (argv is visible to every user of the machine).
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from gateway.settings import GatewaySettings
from infra.cluster import with_embedded_broker
from streamscribe.cli_settings import add_settings_command, settings_from_args
from streamscribe.shutdown import ShutdownDeadline


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `gateway`."""
    add_settings_command(
        subparsers, "gateway", GatewaySettings, run_gateway_command,
        "WebSocket/HTTP gateway: /v1/stream, /vosk, /v1/recognize and the browser page",
        "Turns each connection into a stream (producer SDK) and sends back its results. "
        "API keys: STREAMSCRIBE_GATEWAY_API_KEYS (comma-separated); without them it runs open.",
    )


def run_gateway_command(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM."""
    from gateway.server import serve_forever  # noqa: PLC0415 - aiohttp, confluent_kafka

    settings = with_embedded_broker(settings_from_args(GatewaySettings, args))
    deadline = ShutdownDeadline(f"gateway {settings.instance_id}", settings.shutdown_timeout_s,
                                lambda: "its open connections (their clients see the connection drop)")
    asyncio.run(serve_forever(settings, lambda: _stop_event_on_signals(deadline)))
    return 0


def _stop_event_on_signals(deadline: ShutdownDeadline) -> asyncio.Event:
    """An event set by SIGINT/SIGTERM, which also arm the hard deadline."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        deadline.arm()
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal)
    return stop

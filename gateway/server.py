"""Running the gateway: listening (TCP or TLS), in the foreground or in a thread (tests, bench)."""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
from collections.abc import Callable

from aiohttp import web

from gateway.app import build_app
from gateway.metrics import GatewayMetrics
from gateway.service import Gateway
from gateway.settings import GatewaySettings

log = logging.getLogger(__name__)


def tls_context(settings: GatewaySettings) -> ssl.SSLContext | None:
    """The server TLS context of the configured certificate and key, or None."""
    if settings.tls_cert is None or settings.tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.tls_cert, settings.tls_key)
    return context


async def start_site(settings: GatewaySettings, metrics: GatewayMetrics | None = None,
                     ) -> tuple[web.AppRunner, Gateway, int]:
    """Start the app and listen; returns the runner (to clean up), the gateway and the bound port.

    Without `metrics` the gateway reports to a registry of its own (tests, benches)."""
    gateway = Gateway(settings, metrics)
    runner = web.AppRunner(build_app(gateway), access_log=None, handle_signals=False)
    await runner.setup()
    context = tls_context(settings)
    site = web.TCPSite(runner, settings.host, settings.port, ssl_context=context)
    await site.start()
    port = runner.addresses[0][1]
    scheme = "https" if context else "http"
    log.info("gateway listening on %s://%s:%d (page at /, WebSocket /v1/stream and /vosk)", scheme,
             settings.host, port)
    if not settings.keys:
        log.warning("no API keys configured (STREAMSCRIBE_GATEWAY_API_KEYS): the gateway is open to anyone "
                    "who can reach %s:%d", settings.host, port)
    return runner, gateway, port


async def serve_forever(settings: GatewaySettings, stop_event: Callable[[], asyncio.Event]) -> None:
    """Serve until the event `stop_event()` returns is set."""
    stop = stop_event()
    runner, _gateway, _port = await start_site(settings, GatewayMetrics())  # the process's default registry
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


class GatewayThread:
    """A gateway on its own event loop in a background thread (tests, the bench)."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.port = 0
        self.gateway: Gateway | None = None
        self.loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="gateway", daemon=True)

    def start(self, timeout: float = 60.0) -> GatewayThread:
        """Start and wait until it listens."""
        self._thread.start()
        if not self._started.wait(timeout) or self._error is not None:
            raise RuntimeError(f"the gateway did not start: {self._error}")
        return self

    def stop(self) -> None:
        """Stop serving and join the thread."""
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def url(self, path: str = "/", scheme: str = "http") -> str:
        """A URL of this gateway on 127.0.0.1."""
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        try:
            runner, self.gateway, self.port = await start_site(self.settings)
        except BaseException as exc:  # noqa: BLE001 - reported by start()
            self._error = exc
            self._started.set()
            return
        self._started.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

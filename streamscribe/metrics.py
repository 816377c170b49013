"""Serving Prometheus metrics over HTTP: each service calls `serve_metrics` once at start."""

from __future__ import annotations

import logging

from prometheus_client import start_http_server

log = logging.getLogger(__name__)


def serve_metrics(port: int | None, service: str) -> None:
    """Expose the default registry on `port` (0 picks a free port; None disables)."""
    if port is None:
        return
    server, _thread = start_http_server(port)
    log.info("%s metrics on http://127.0.0.1:%d/metrics", service, server.server_port)

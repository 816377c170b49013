"""SIGTERM stops the gateway within a bounded time even with its broker dead and a client streaming
(issue 22): its producer cannot deliver, so its flush would wait out its timeout; the hard deadline
ends it first."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from infra.broker import EmbeddedBroker, free_port
from streamscribe.shutdown import ABANDONED_EXIT_STATUS
from tests.broker_faults import kill_broker
from tests.topics import fresh_topics

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.timeout(180)]

SHUTDOWN_TIMEOUT_S = 4.0
MARGIN_S = 5.0
FRAME = bytes(3200)  # 100 ms of 16 kHz s16 silence


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_ready(process: subprocess.Popen, port: int, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not ready(port):
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"gateway not ready after {timeout:.0f} s:\n{log.read_text()}"
        time.sleep(0.2)


async def stream_through_outage(port: int, break_broker: Callable[[], None], terminate: Callable[[], None]) -> None:
    """A client streams; the broker dies under it; the gateway gets SIGTERM while the client still sends."""
    async with aiohttp.ClientSession() as session, session.ws_connect(f"http://127.0.0.1:{port}/v1/stream") as ws:
        await ws.send_str(json.dumps({"type": "start", "sample_rate": 16000}))
        assert (await ws.receive_json())["type"] == "started"
        for _ in range(10):
            await ws.send_bytes(FRAME)
        await asyncio.to_thread(break_broker)
        for _ in range(10):
            await ws.send_bytes(FRAME)
        terminate()
        async for _message in ws:  # until the gateway closes the connection or goes away
            pass


def test_sigterm_stops_a_streaming_gateway_with_its_broker_dead(own_broker: EmbeddedBroker, tmp_path: Path) -> None:
    bootstrap = own_broker.bootstrap_servers
    topics = fresh_topics(bootstrap, "gwstop", partitions=2)
    port, log = free_port(), tmp_path / "gateway.log"
    argv = [sys.executable, "-m", "tooling.cli", "gateway", "--bootstrap-servers", bootstrap, "--port", str(port),
            "--chunks-topic", topics.chunks, "--transcripts-topic", topics.transcripts,
            "--shutdown-timeout-s", str(SHUTDOWN_TIMEOUT_S)]
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_ready(process, port, log)

        terminated_at: list[float] = []

        def terminate() -> None:
            terminated_at.append(time.monotonic())
            process.send_signal(signal.SIGTERM)

        asyncio.run(stream_through_outage(port, lambda: kill_broker(own_broker), terminate))
        status = process.wait(SHUTDOWN_TIMEOUT_S + MARGIN_S)
        took = time.monotonic() - terminated_at[0]
    except subprocess.TimeoutExpired:
        raise AssertionError(f"gateway still running after SIGTERM:\n{log.read_text()[-4000:]}") from None
    finally:
        process.kill()
        process.wait()
    assert took <= SHUTDOWN_TIMEOUT_S + MARGIN_S
    assert status in (0, ABANDONED_EXIT_STATUS), log.read_text()[-4000:]

"""SIGTERM stops a recognizer within a bounded time with its broker dead (issue 22): it stops its
batch and exits, or its hard deadline ends it (status 75)."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from infra.broker import EmbeddedBroker, free_port
from streamscribe.shutdown import ABANDONED_EXIT_STATUS
from tests.broker_faults import DEAD_FOR_S, kill_broker
from tests.topics import fresh_topics
from tooling.demo.stack import RECOGNIZER_READY
from tooling.demo.supervisor import Child, ChildSpec, metrics_endpoint_answers, streamscribe_command

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.timeout(240)]

SHUTDOWN_TIMEOUT_S = 5.0
MARGIN_S = 5.0


def test_sigterm_stops_a_recognizer_whose_broker_died(
    own_broker: EmbeddedBroker, tiny_model_path: Path, tmp_path: Path,
) -> None:
    bootstrap = own_broker.bootstrap_servers
    topics = fresh_topics(bootstrap, "recstop", partitions=2)
    metrics_port = free_port()
    argv = streamscribe_command(
        "recognizer", "--bootstrap-servers", bootstrap, "--model", str(tiny_model_path), "--device", "cpu",
        "--decoder", "greedy", "--group-id", f"recstop-{uuid.uuid4().hex[:8]}", "--torch-threads", "1",
        "--segments-topic", topics.segments, "--transcripts-topic", topics.transcripts,
        "--rejected-topic", topics.rejected, "--metrics-port", str(metrics_port),
        "--shutdown-timeout-ms", str(int(SHUTDOWN_TIMEOUT_S * 1000)),
    )
    ready = metrics_endpoint_answers(metrics_port, RECOGNIZER_READY)  # its signal handlers are set by then
    recognizer = Child(ChildSpec("recognizer", argv, tmp_path / "recognizer.log", ready))
    try:
        recognizer.wait_ready(180)
        kill_broker(own_broker)
        time.sleep(DEAD_FOR_S)
        began = time.monotonic()
        recognizer.process.send_signal(signal.SIGTERM)
        try:
            status = recognizer.process.wait(SHUTDOWN_TIMEOUT_S + MARGIN_S)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running after SIGTERM:\n{recognizer.log_tail(40)}") from None
        took = time.monotonic() - began
    finally:
        recognizer.process.kill()
        recognizer.process.wait()
    assert status in (0, ABANDONED_EXIT_STATUS), recognizer.log_tail(40)
    assert took <= SHUTDOWN_TIMEOUT_S + MARGIN_S

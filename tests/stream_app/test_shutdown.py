"""SIGTERM stops a stream-app worker within a bounded time whatever the broker's state (issue 22):
with the broker up it drains and exits 0; with the broker SIGKILLed a few seconds before, faust's
own stop usually blocks for good (its consumer thread dies in aiokafka's close, and the worker waits
on it: still running after 60 s before the deadline existed), and the worker exits at its shutdown
deadline with status 75, saying what it abandoned."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from infra.broker import EmbeddedBroker
from streamscribe.settings import TopicSettings
from streamscribe.shutdown import ABANDONED_EXIT_STATUS
from tests.broker_faults import DEAD_FOR_S, kill_broker
from tests.stream_app.kafka_io import TopicReader, WorkerProcess
from tests.topics import fresh_topics

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.timeout(240)]

SHUTDOWN_TIMEOUT_S = 3.0
MARGIN_S = 5.0  # process exit, log flushing, a loaded machine


def ready_worker(bootstrap: str, topics: TopicSettings, workdir: Path) -> WorkerProcess:
    """A worker that has joined its group and recovered its table (its ready metric)."""
    worker = WorkerProcess(bootstrap, topics, f"shutdown-{uuid.uuid4().hex[:8]}", workdir,
                           "--shutdown-timeout-ms", str(int(SHUTDOWN_TIMEOUT_S * 1000)))
    reader = TopicReader(bootstrap, topics.segments)
    try:
        reader.poll_until(lambda _: worker.metrics().get("streamscribe_stream_app_ready") == 1.0, 120,
                          worker.assert_running, lambda: f"\n{worker.log_tail()}")
    finally:
        reader.close()
    return worker


def sigterm_and_time(worker: WorkerProcess, limit_s: float) -> tuple[int, float]:
    """SIGTERM, then (exit status, seconds until the exit); AssertionError if it outlives `limit_s`."""
    began = time.monotonic()
    worker.process.send_signal(signal.SIGTERM)
    try:
        status = worker.process.wait(limit_s)
    except subprocess.TimeoutExpired:
        worker.kill()
        raise AssertionError(f"still running {limit_s:.0f} s after SIGTERM:\n{worker.log_tail()}") from None
    return status, time.monotonic() - began


def test_sigterm_stops_the_worker_in_bounded_time_with_the_broker_up_or_dead(
    own_broker: EmbeddedBroker, tmp_path: Path,
) -> None:
    bootstrap = own_broker.bootstrap_servers
    topics = fresh_topics(bootstrap, "shutdown", partitions=2)

    with ready_worker(bootstrap, topics, tmp_path / "up") as worker:
        status, took = sigterm_and_time(worker, SHUTDOWN_TIMEOUT_S + MARGIN_S)
    assert status == 0, worker.log_tail()  # a clean drain, not the deadline

    with ready_worker(bootstrap, topics, tmp_path / "dead") as worker:
        kill_broker(own_broker)
        time.sleep(DEAD_FOR_S)
        status, took = sigterm_and_time(worker, SHUTDOWN_TIMEOUT_S + MARGIN_S)
    # exit 0 when faust's stop happened to finish, else the deadline's status and its account
    assert status in (0, ABANDONED_EXIT_STATUS), worker.log_tail()
    if status == ABANDONED_EXIT_STATUS:
        assert took >= SHUTDOWN_TIMEOUT_S - 0.5
        assert "abandoning:" in worker.log_path.read_text()

"""`streamscribe up` exits within a bounded time of SIGTERM with its broker SIGKILLed (issue 22): its
services are stopped together (each at worst at its own shutdown deadline, SIGKILLed at up's 15 s
grace), and none is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from infra.broker import EmbeddedBroker, free_port
from tests.broker_faults import DEAD_FOR_S, kill_broker
from tests.topics import fresh_topics
from tooling.demo.stack import RECOGNIZER_READY, STREAM_APP_READY
from tooling.demo.supervisor import metrics_endpoint_answers

pytestmark = [pytest.mark.broker, pytest.mark.model, pytest.mark.slow, pytest.mark.timeout(400)]

UP_GRACE_S = 15.0  # the Supervisor's stop_grace
MARGIN_S = 10.0  # up's own exit, a loaded machine


def test_up_exits_in_bounded_time_after_sigterm_with_its_broker_dead(
    own_broker: EmbeddedBroker, tmp_path: Path,
) -> None:
    bootstrap = own_broker.bootstrap_servers
    topics = fresh_topics(bootstrap, "updead", partitions=2)
    stream_app_port, recognizer_port = free_port(), free_port()
    command = [
        sys.executable, "-m", "tooling.cli", "up", "--bootstrap-servers", bootstrap, "--decoder", "greedy",
        "--chunks-topic", topics.chunks, "--segments-topic", topics.segments,
        "--transcripts-topic", topics.transcripts, "--rejected-topic", topics.rejected,
        "--stream-app-metrics-port", str(stream_app_port), "--recognizer-metrics-port", str(recognizer_port),
    ]
    log = tmp_path / "up.log"
    env = {**os.environ, "STREAMSCRIBE_HOME": str(tmp_path)}
    with log.open("wb") as out:
        up = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        ready = [metrics_endpoint_answers(stream_app_port, STREAM_APP_READY),
                 metrics_endpoint_answers(recognizer_port, RECOGNIZER_READY)]
        deadline = time.monotonic() + 300
        while not all(probe() for probe in ready):
            assert up.poll() is None, log.read_text()[-4000:]
            assert time.monotonic() < deadline, f"up not ready:\n{log.read_text()[-4000:]}"
            time.sleep(0.5)
        services = psutil.Process(up.pid).children(recursive=True)
        kill_broker(own_broker)
        time.sleep(DEAD_FOR_S)
        began = time.monotonic()
        up.send_signal(signal.SIGTERM)
        try:
            up.wait(UP_GRACE_S + MARGIN_S)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"up still running after SIGTERM:\n{log.read_text()[-4000:]}") from None
        took = time.monotonic() - began
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
    _gone, alive = psutil.wait_procs(services, timeout=5)
    assert not alive, f"services outlived up: {alive}"
    assert took <= UP_GRACE_S + MARGIN_S
    assert "Traceback" not in log.read_text()

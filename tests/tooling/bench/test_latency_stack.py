"""`bench latency` runs one after another on one broker: a run's stream app must not take over the
streams an earlier run left open. With the default app id it restored them from the shared
stream-state table and idle-closed them into the new topics, stamped with chunk times hours old
(chunk → final segment read ~1,000 s). Real broker, real stream app processes (no recognizer)."""

from __future__ import annotations

import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from producers import AudioProducer
from streamscribe.settings import KafkaSettings
from tooling.bench.latency import isolated_plan
from tooling.demo.stack import StackPlan, start_stack
from tooling.demo.supervisor import Supervisor

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

METRIC = "streamscribe_stream_app_{}_total"


def metric(url: str, name: str) -> float:
    """One unlabelled counter of the service at `url` (0 while it has not been reported)."""
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - the test's own child
        for line in response.read().decode().splitlines():
            if line.startswith(f"{name} "):
                return float(line.split()[-1])
    return 0.0


def wait_for(url: str, name: str, supervisor: Supervisor, timeout_s: float = 60.0) -> float:
    """The counter once it is above 0 (the stream app reports the event)."""
    deadline = time.monotonic() + timeout_s
    while (value := metric(url, name)) <= 0:
        supervisor.check()
        assert time.monotonic() < deadline, f"{name} still 0 after {timeout_s:.0f} s"
        time.sleep(0.2)
    return value


def restored_by(plan: StackPlan) -> float:
    """How many streams the plan's stream app rebuilt from the stream-state table when it started."""
    with Supervisor(ready_timeout=120) as supervisor:
        [stream_app] = start_stack(supervisor, replace(plan, recognizers=0))
        wait_for(stream_app.metrics_url, METRIC.format("recoveries"), supervisor)  # the table is read
        return metric(stream_app.metrics_url, METRIC.format("restored_streams"))


def test_a_run_takes_over_no_stream_an_earlier_run_left_open(kafka_settings: KafkaSettings, tmp_path: Path) -> None:
    earlier = isolated_plan(kafka_settings, "greedy", tmp_path / "earlier")
    with Supervisor(ready_timeout=120) as supervisor:
        [stream_app] = start_stack(supervisor, replace(earlier, recognizers=0))
        with AudioProducer(kafka=kafka_settings, topics=earlier.topics) as producer:
            stream = producer.open_stream("left-open", 16000, 1, "pcm_s16le")
            for _ in range(5):
                stream.write(bytes(3200))  # 100 ms chunks, and no eos: the stream stays open
        wait_for(stream_app.metrics_url, METRIC.format("changelog_bytes"), supervisor)  # its checkpoint
    # the hazard is real: a stream app with the earlier run's app id takes the stream over
    later = isolated_plan(kafka_settings, "greedy", tmp_path / "later")
    assert restored_by(replace(later, stream_app_id=earlier.stream_app_id)) == 1
    # a later run's own plan starts from a state of its own
    assert later.stream_app_id != earlier.stream_app_id and later.recognizer_group != earlier.recognizer_group
    assert restored_by(later) == 0

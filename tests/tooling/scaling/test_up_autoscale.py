"""`streamscribe up --autoscale 0:2` for real: no recognizer while idle, one or two when audio comes (two
when the backlog is deep, as when the files are sent faster than real time on a quiet machine), none after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from infra.broker import free_port
from producers.reader import TranscriptReader
from streamscribe.paths import REPO_ROOT
from streamscribe.settings import KafkaSettings, TopicSettings

pytestmark = [pytest.mark.broker, pytest.mark.slow]

SAMPLES = sorted((REPO_ROOT / "recognizer" / "models" / "samples").glob("sample_0[0-2].flac"))


def topic_flags(topics: TopicSettings) -> list[str]:
    return ["--chunks-topic", topics.chunks, "--segments-topic", topics.segments,
            "--transcripts-topic", topics.transcripts, "--rejected-topic", topics.rejected]


def scrape(port: int) -> dict[tuple[str, ...], float]:
    """The autoscaler's samples, keyed by (name, service[, direction]); empty while it does not answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
    except OSError:
        return {}
    return {(sample.name, *(sample.labels[label] for label in ("service", "direction") if label in sample.labels)):
            sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples
            if sample.name.startswith("streamscribe_autoscale_")}


def wait_for_metrics(port: int, until: Callable[[dict], bool], process: subprocess.Popen, log: Path,
                     timeout: float = 300) -> dict[tuple[str, ...], float]:
    """Until the autoscaler's metrics satisfy `until` (fails with up's output if it exits first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        samples = scrape(port)
        if samples and until(samples):
            return samples
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        time.sleep(0.5)  # the autoscaler's own interval is 1 s here
    raise AssertionError(f"autoscaler metrics never matched within {timeout}s: {scrape(port)}\n"
                         f"{log.read_text()[-3000:]}")


RECOGNIZERS = ("streamscribe_autoscale_replicas", "recognizers")
SCALED_OUT = ("streamscribe_autoscale_changes_total", "recognizers", "out")
SCALED_IN = ("streamscribe_autoscale_changes_total", "recognizers", "in")


def test_recognizers_follow_the_load_from_zero_and_back(
    kafka_settings: KafkaSettings, topic_settings: TopicSettings, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    env = {**os.environ, "STREAMSCRIBE_HOME": str(tmp_path / "home"),
           "STREAMSCRIBE_STREAM_APP_APP_ID": f"autoscale-app-{suffix}",
           "STREAMSCRIBE_RECOGNIZER_GROUP_ID": f"autoscale-recognizers-{suffix}"}
    out, port = tmp_path / "up.out", free_port()
    up = subprocess.Popen(
        [sys.executable, "-m", "tooling.cli", "up", "--autoscale", "0:2", "--decoder", "greedy",
         "--bootstrap-servers", kafka_settings.resolved_bootstrap(), *topic_flags(topic_settings),
         "--interval-s", "1", "--idle-s", "5", "--scale-in-window-s", "5", "--log-dir", str(tmp_path / "logs"),
         "--autoscale-metrics-port", str(port)],
        stdout=out.open("wb"), stderr=subprocess.STDOUT, env=env,
    )
    try:
        idle = wait_for_metrics(port, lambda m: RECOGNIZERS in m, up, out)
        assert idle[RECOGNIZERS] == 0 and SCALED_OUT not in idle  # idle: no recognizer at all

        stream_ids = [f"scale-{n}-{suffix}" for n in range(len(SAMPLES))]
        ids = [arg for stream_id in stream_ids for arg in ("--stream-id", stream_id)]
        sent = subprocess.run(
            [sys.executable, "-m", "tooling.cli", "send", *map(str, SAMPLES), *ids,
             "--bootstrap-servers", kafka_settings.resolved_bootstrap(), *topic_flags(topic_settings)],
            capture_output=True, text=True, timeout=120, env=env,
        )
        assert sent.returncode == 0, sent.stderr
        busy = wait_for_metrics(port, lambda m: m.get(SCALED_OUT, 0) >= 1, up, out)
        assert 1 <= busy[RECOGNIZERS] <= 2, busy
        with TranscriptReader(kafka_settings, topic_settings) as reader:
            finished = reader.wait_for_streams(stream_ids, timeout=300)
        assert all(finished[s].finals for s in stream_ids)

        done = wait_for_metrics(port, lambda m: m.get(SCALED_IN, 0) >= 1 and m[RECOGNIZERS] == 0, up, out,
                                timeout=120)
        assert done[("streamscribe_autoscale_lag", "recognizers")] == 0, done
        assert up.poll() is None
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(60)
    assert up.returncode == 0, out.read_text()[-3000:]

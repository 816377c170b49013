"""`streamscribe up --autoscale 0:2` for real: no recognizer while idle, one or two when audio comes (two
when the backlog is deep, as when the files are sent faster than real time on a quiet machine), none after."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from producers.reader import TranscriptReader
from streamscribe.paths import REPO_ROOT
from streamscribe.settings import KafkaSettings, TopicSettings

pytestmark = [pytest.mark.broker, pytest.mark.slow]

SAMPLES = sorted((REPO_ROOT / "recognizer" / "models" / "samples").glob("sample_0[0-2].flac"))


def topic_flags(topics: TopicSettings) -> list[str]:
    return ["--chunks-topic", topics.chunks, "--segments-topic", topics.segments,
            "--transcripts-topic", topics.transcripts, "--rejected-topic", topics.rejected]


def wait_for_output(log: Path, pattern: str, process: subprocess.Popen, timeout: float = 300) -> re.Match[str]:
    """Until `pattern` appears in the output of `up` (fails with the output if it exits first)."""
    regex = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = regex.search(log.read_text(errors="replace"))
        if match:
            return match
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        time.sleep(0.2)
    raise AssertionError(f"{pattern!r} not in the output of up within {timeout}s:\n{log.read_text()[-3000:]}")


def test_recognizers_follow_the_load_from_zero_and_back(
    kafka_settings: KafkaSettings, topic_settings: TopicSettings, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    env = {**os.environ, "STREAMSCRIBE_HOME": str(tmp_path / "home"),
           "STREAMSCRIBE_STREAM_APP_APP_ID": f"autoscale-app-{suffix}",
           "STREAMSCRIBE_RECOGNIZER_GROUP_ID": f"autoscale-recognizers-{suffix}"}
    out = tmp_path / "up.out"
    up = subprocess.Popen(
        [sys.executable, "-m", "tooling.cli", "up", "--autoscale", "0:2", "--decoder", "greedy",
         "--bootstrap-servers", kafka_settings.resolved_bootstrap(), *topic_flags(topic_settings),
         "--interval-s", "1", "--idle-s", "5", "--scale-in-window-s", "5", "--log-dir", str(tmp_path / "logs")],
        stdout=out.open("wb"), stderr=subprocess.STDOUT, env=env,
    )
    try:
        wait_for_output(out, r"autoscaling recognizers 0\.\.2", up)
        assert "recognizer-0" not in out.read_text()  # idle: no recognizer at all

        stream_ids = [f"scale-{n}-{suffix}" for n in range(len(SAMPLES))]
        ids = [arg for stream_id in stream_ids for arg in ("--stream-id", stream_id)]
        sent = subprocess.run(
            [sys.executable, "-m", "tooling.cli", "send", *map(str, SAMPLES), *ids,
             "--bootstrap-servers", kafka_settings.resolved_bootstrap(), *topic_flags(topic_settings)],
            capture_output=True, text=True, timeout=120, env=env,
        )
        assert sent.returncode == 0, sent.stderr
        wait_for_output(out, r"autoscale recognizers: 0 -> [12] \(lag [1-9]", up)
        with TranscriptReader(kafka_settings, topic_settings) as reader:
            finished = reader.wait_for_streams(stream_ids, timeout=300)
        assert all(finished[s].finals for s in stream_ids)

        wait_for_output(out, r"autoscale recognizers: [12] -> 0 \(lag 0, input 0\.0/s, idle for [5-9]", up, timeout=120)
        assert up.poll() is None
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(60)
    assert up.returncode == 0, out.read_text()[-3000:]

"""demo/up fail with a clear message, no traceback, and stop whatever they started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from streamscribe.settings import TopicSettings
from tooling.cli import main


def test_bad_demo_flags_are_refused_before_anything_starts(caplog: pytest.LogCaptureFixture) -> None:
    assert main(["demo", "--streams", "0"]) == 2
    assert "invalid settings" in caplog.text and "streams" in caplog.text


@pytest.mark.broker
def test_up_stops_the_other_services_and_explains_when_one_fails(
    kafka_bootstrap: str, topic_settings: TopicSettings, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "STREAMSCRIBE_HOME": str(tmp_path),
        "STREAMSCRIBE_STREAM_APP_FRAME_MS": "1",  # below the stream app's minimum: it exits at start-up
    }
    command = [
        sys.executable, "-m", "tooling.cli", "up", "--bootstrap-servers", kafka_bootstrap,
        "--chunks-topic", topic_settings.chunks, "--segments-topic", topic_settings.segments,
        "--transcripts-topic", topic_settings.transcripts, "--rejected-topic", topic_settings.rejected,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "stream-app-0 exited with status" in output and "frame_ms" in output
    assert "stopped recognizer-0" in output  # started alongside, stopped because of the failure
    assert "Traceback" not in output
    assert (tmp_path / "logs" / "stream-app-0.log").exists()

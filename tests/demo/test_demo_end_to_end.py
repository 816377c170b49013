"""`streamscribe demo` end to end: real broker, stream app, recognizer and shipped model."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from streamscribe.paths import REPO_ROOT
from streamscribe.settings import TopicSettings

pytestmark = [pytest.mark.broker, pytest.mark.slow]

MODEL_CARD = REPO_ROOT / "recognizer" / "models" / "MODEL_CARD.md"


def model_card_wer_bound() -> float:
    """The WER the model card promises on the shipped samples, as a fraction."""
    match = re.search(r"WER bound[^0-9]*([0-9]+(?:\.[0-9]+)?)\s*(%?)", MODEL_CARD.read_text(), re.IGNORECASE)
    assert match, f"{MODEL_CARD} states no WER bound"
    value = float(match.group(1))
    return value / 100 if match.group(2) else value


def topic_flags(topics: TopicSettings) -> list[str]:
    return [
        "--chunks-topic", topics.chunks, "--segments-topic", topics.segments,
        "--transcripts-topic", topics.transcripts, "--rejected-topic", topics.rejected,
    ]


def isolated_env(unique_suffix: str, tmp_path: Path) -> dict[str, str]:
    """Consumer groups and state of this test's services only."""
    return {
        **os.environ,
        "STREAMSCRIBE_STREAM_APP_APP_ID": f"demo-test-stream-app-{unique_suffix}",
        "STREAMSCRIBE_HOME": str(tmp_path / "home"),
        "STREAMSCRIBE_RECOGNIZER_GROUP_ID": f"demo-test-recognizers-{unique_suffix}",
    }


def test_demo_transcribes_every_stream_within_the_model_cards_wer(
    kafka_bootstrap: str, topic_settings: TopicSettings, unique_suffix: str, tmp_path: Path
) -> None:
    summary_path = tmp_path / "summary.json"
    command = [
        sys.executable, "-m", "streamscribe.cli", "demo", "--streams", "3",
        "--bootstrap-servers", kafka_bootstrap, *topic_flags(topic_settings),
        "--summary-json", str(summary_path), "--log-dir", str(tmp_path / "logs"),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=240, env=isolated_env(unique_suffix, tmp_path)
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output
    assert "streamscribe demo summary" in result.stdout

    summary = json.loads(summary_path.read_text())
    assert summary["streams"] == summary["completed_streams"] == 3
    for stream in summary["per_stream"]:
        assert stream["completed"] and stream["final_results"] >= 1 and stream["hypothesis"], stream
    assert summary["audio_seconds"] > 0 and summary["throughput"] > 0
    assert 0 < summary["latency_p50"] <= summary["latency_p95"] <= summary["latency_p99"]
    assert summary["wer"] <= model_card_wer_bound()
    # the services' logs went to files, not to the terminal
    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == ["recognizer-0.log", "stream-app-0.log"]

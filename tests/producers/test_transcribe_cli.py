"""`streamscribe transcribe` and `listen --format` against a real pipeline: text, JSON and captions files."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from streamscribe.paths import REPO_ROOT
from streamscribe.settings import KafkaSettings, TopicSettings
from tooling.demo.stack import StackPlan, start_stack
from tooling.demo.supervisor import Supervisor

pytestmark = [pytest.mark.broker, pytest.mark.model, pytest.mark.slow]

SAMPLES = sorted((REPO_ROOT / "recognizer" / "models" / "samples").glob("sample_0[0-1].flac"))


def streamscribe(*args: str, kafka: KafkaSettings, topics: TopicSettings) -> subprocess.CompletedProcess[str]:
    flags = ["--bootstrap-servers", kafka.resolved_bootstrap(), "--chunks-topic", topics.chunks,
             "--segments-topic", topics.segments, "--transcripts-topic", topics.transcripts,
             "--rejected-topic", topics.rejected]
    return subprocess.run([sys.executable, "-m", "tooling.cli", *args, *flags],
                          capture_output=True, text=True, timeout=300, check=False)


def test_files_come_back_as_text_json_and_captions(
    kafka_settings: KafkaSettings, topic_settings: TopicSettings, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    plan = StackPlan(kafka=kafka_settings, topics=topic_settings, state_dir=tmp_path / "state",
                     log_dir=tmp_path / "logs", decoder="greedy", stream_app_id=f"transcribe-app-{suffix}",
                     recognizer_group=f"transcribe-recognizers-{suffix}")
    out = tmp_path / "out"
    with Supervisor(ready_timeout=600) as supervisor:
        start_stack(supervisor, plan)
        ids = [f"t-{n}-{suffix}" for n in range(len(SAMPLES))]
        id_flags = [flag for stream_id in ids for flag in ("--stream-id", stream_id)]
        for fmt in ("txt", "srt"):
            done = streamscribe("transcribe", *map(str, SAMPLES), *id_flags, "--format", fmt, "-o", str(out),
                                kafka=kafka_settings, topics=topic_settings)
            assert done.returncode == 0, done.stderr[-3000:]
            ids = [f"{stream_id}-again" for stream_id in ids]  # a second run sends the files again
            id_flags = [flag for stream_id in ids for flag in ("--stream-id", stream_id)]
        listened = streamscribe("listen", "--stream-id", f"t-0-{suffix}", "--from-beginning", "--format", "vtt",
                                kafka=kafka_settings, topics=topic_settings)
        supervisor.check()

    texts = {path.stem: (out / f"{path.stem}.txt").read_text().strip() for path in SAMPLES}
    assert all(len(text.split()) >= 2 for text in texts.values()), texts
    for path in SAMPLES:
        srt = (out / f"{path.stem}.srt").read_text()
        assert srt.startswith("1\n00:00:") and " --> " in srt
        assert srt.split("\n")[2].split()[0] == texts[path.stem].split()[0]  # same words, first cue first
    assert listened.returncode == 0, listened.stderr[-3000:]
    assert listened.stdout.startswith("WEBVTT\n\n") and " --> " in listened.stdout
    assert texts[SAMPLES[0].stem].split()[-1] in listened.stdout

    json_run = streamscribe("listen", "--stream-id", f"t-1-{suffix}", "--from-beginning", "--format", "json",
                            kafka=kafka_settings, topics=topic_settings)
    results = [json.loads(line) for line in json_run.stdout.splitlines()]
    assert results[-1]["eos"] and {r["stream_id"] for r in results} == {f"t-1-{suffix}"}

"""Exactly-once under a crash: two `streamscribe recognizer` processes, one SIGKILLed mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException
from confluent_kafka.admin import AdminClient

from producers.reader import TranscriptReader
from streamscribe.contracts import Transcript
from tests.recognizer.conftest import make_segments, produce_segments

pytestmark = [pytest.mark.broker, pytest.mark.slow]

STREAMS = 12
COORDINATOR_NOT_READY = frozenset({KafkaError.NOT_COORDINATOR, KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
                                   KafkaError.COORDINATOR_NOT_AVAILABLE, KafkaError._TIMED_OUT})
SEGMENTS_PER_STREAM = 6


def start_worker(instance: str, model: Path, topics, group: str, log_dir: Path) -> subprocess.Popen:
    log_file = (log_dir / f"{instance}.log").open("wb")
    command = [
        sys.executable, "-m", "tooling.cli", "recognizer", "--model", str(model), "--device", "cpu",
        "--decoder", "greedy", "--group-id", group, "--instance-id", instance,
        "--max-batch", "4", "--max-wait-ms", "50",
        "--torch-threads", "1", "--session-timeout-ms", "6000", "--transaction-timeout-ms", "5000",
        "--segments-topic", topics.segments, "--transcripts-topic", topics.transcripts,
        "--rejected-topic", topics.rejected,
    ]
    return subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=os.environ.copy())


def wait_for_group(admin: AdminClient, group: str, members: int, processes, timeout: float = 300) -> None:
    """Until `members` consumers of the group each hold partitions (fails early if one exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert all(p.poll() is None for p in processes), "a recognizer exited during start-up"
        try:
            description = admin.describe_consumer_groups([group])[group].result()
        except KafkaException as exc:  # the group's coordinator still loading or moving: ask again
            if exc.args[0].code() not in COORDINATOR_NOT_READY:
                raise
            time.sleep(0.5)
            continue
        holding = [m for m in description.members if m.assignment.topic_partitions]
        if len(holding) == members:
            return
        time.sleep(0.5)
    raise AssertionError(f"group {group} never had {members} members with partitions")


def finals_on_topic(bootstrap: str, topic: str, expected: int, timeout: float = 30) -> Counter:
    """How often each final result's identity occurs in the raw read_committed topic."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"raw-{topic}", "auto.offset.reset": "earliest",
                         "isolation.level": "read_committed", "enable.auto.commit": False})
    consumer.subscribe([topic])
    counts: Counter = Counter()
    deadline = time.monotonic() + timeout
    try:
        while sum(counts.values()) < expected and time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is not None and message.error() is None:
                counts[Transcript.from_json_bytes(message.value()).dedupe_key] += 1
        end = time.monotonic() + 2  # anything beyond the expected count would be a duplicate
        while time.monotonic() < end:
            message = consumer.poll(0.2)
            if message is not None and message.error() is None:
                counts[Transcript.from_json_bytes(message.value()).dedupe_key] += 1
        return counts
    finally:
        consumer.close()


def test_sigkilled_worker_loses_nothing_and_duplicates_nothing(
    tiny_model_path, kafka_bootstrap, kafka_settings, topic_settings, unique_group, tmp_path
) -> None:
    streams = {
        f"crash-{n}": make_segments(f"crash-{n}", [1.0 + 0.25 * (i % 3) for i in range(SEGMENTS_PER_STREAM)], seed=n)
        for n in range(STREAMS)
    }
    workers = [start_worker(name, tiny_model_path, topic_settings, unique_group, tmp_path) for name in ("w1", "w2")]
    victim, survivor = workers
    try:
        wait_for_group(AdminClient(kafka_settings.client_config()), unique_group, 2, workers)
        with TranscriptReader(kafka_settings, topic_settings) as reader:
            for index in range(SEGMENTS_PER_STREAM):  # segments keep flowing, a round every 0.3 s
                produce_segments(kafka_bootstrap, topic_settings.segments, [s[index] for s in streams.values()])
                if index == SEGMENTS_PER_STREAM // 2:
                    while sum(len(reader.stream(s).finals) for s in streams) < STREAMS:
                        reader.poll()
                    victim.send_signal(signal.SIGKILL)
                time.sleep(0.3)
            finished = reader.wait_for_streams(streams, timeout=120)
        assert survivor.poll() is None, "the surviving recognizer died too"
    finally:
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in workers:
            process.wait(30)

    assert victim.returncode == -signal.SIGKILL
    assert survivor.returncode == 0  # SIGTERM: finishes its batch, leaves the group, exits cleanly
    for stream_id, segments in streams.items():
        assert [t.segment for t in finished[stream_id].segments] == list(range(len(segments)))
    counts = finals_on_topic(kafka_bootstrap, topic_settings.transcripts, STREAMS * SEGMENTS_PER_STREAM)
    assert len(counts) == STREAMS * SEGMENTS_PER_STREAM
    assert max(counts.values()) == 1, [key for key, n in counts.items() if n > 1]

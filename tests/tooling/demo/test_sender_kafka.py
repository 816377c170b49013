"""The demo's real-time sender through the real producer SDK into a real broker."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from confluent_kafka import Consumer

from producers import AudioProducer
from streamscribe.contracts.headers import headers_to_dict
from streamscribe.settings import KafkaSettings, TopicSettings
from tooling.demo.board import Board, DemoStream, StreamStatus
from tooling.demo.samples import SpeechSample
from tooling.demo.sender import RealtimeSender, plan_streams

pytestmark = pytest.mark.broker


def read_chunks(kafka: KafkaSettings, topic: str, group: str, expected_eos: int) -> dict[str, list]:
    """Every chunk of the topic by stream id, until `expected_eos` streams have ended."""
    consumer = Consumer(kafka.client_config(**{"group.id": group, "auto.offset.reset": "earliest"}))
    consumer.subscribe([topic])
    by_stream: dict[str, list] = {}
    ended = 0
    deadline = time.monotonic() + 30
    try:
        while ended < expected_eos and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            headers = headers_to_dict(message.headers())
            by_stream.setdefault(message.key().decode(), []).append((headers, message.value() or b""))
            ended += "eos" in headers
    finally:
        consumer.close()
    return by_stream


def test_every_stream_arrives_whole_in_order_and_paced(
    kafka_settings: KafkaSettings, topic_settings: TopicSettings, unique_group: str
) -> None:
    tone = (np.sin(np.arange(8000) / 3) * 9000).astype("<i2").tobytes()  # 1 s at 8 kHz
    samples = [SpeechSample(Path("tone.wav"), "tone", tone, 8000)]
    planned = plan_streams(samples, count=3, ramp_seconds=0.2, run_id="t")
    board = Board([DemoStream(p.stream_id, "tone", 1.0) for p in planned])
    with AudioProducer(kafka_settings, topic_settings) as producer:
        sender = RealtimeSender(
            planned, lambda stream_id, rate: producer.open_stream(stream_id, rate), board, chunk_seconds=0.1
        )
        started = time.monotonic()
        sender.start()
        sender.join(timeout=20)
        elapsed = time.monotonic() - started
    assert sender.error is None
    assert elapsed >= 0.8  # 1 s of audio per stream is sent in real time, not at once

    chunks = read_chunks(kafka_settings, topic_settings.chunks, unique_group, expected_eos=3)
    assert sorted(chunks) == sorted(p.stream_id for p in planned)
    for stream_chunks in chunks.values():
        seqs = [int(headers["seq"]) for headers, _ in stream_chunks]
        assert seqs == list(range(len(seqs)))
        assert b"".join(payload for _, payload in stream_chunks) == tone
        assert all(headers["sample_rate"] == b"8000" for headers, _ in stream_chunks)
    for state in board.states():
        assert state.status is StreamStatus.SENT
        assert state.sent_audio_ends[-1] == pytest.approx(1.0)

"""A stale checkpoint in the changelog does not reopen a stream (the fence of issue 22's chaos run).

A worker paused past its session wakes and writes the checkpoints it had due, though its
successor has since moved the same streams on (the changelog has no fence; its offset commits
are refused, its changelog writes are not). The next worker to rebuild the table must keep each
stream's most advanced checkpoint: here a stream its successor had closed, whose late chunk must
be refused as `after_eos`. Rebuilt from the stale entry instead, the stream would be open again at
seq 0 and the chunk refused as a `seq_gap`; in the chaos run such streams got a second eos final.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from confluent_kafka import KafkaError, Message, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from stream_app.checkpoint import Checkpoint, ResumePoint
from stream_app.worker import changelog_topic
from streamscribe.contracts.chunk import AudioFormat, ChunkHeaders, Encoding
from streamscribe.settings import TopicSettings
from tests.stream_app.kafka_io import TopicReader, WorkerProcess

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.timeout(240)]

STREAM = "paused-successor-1"
FORMAT = AudioFormat(16_000, 1, Encoding.PCM_S16LE)


def write(bootstrap: str, topic: str, records: list[tuple[bytes, list[tuple[str, bytes]]]]) -> None:
    """Records of STREAM, in order, to partition 0 of `topic`."""
    errors: list[KafkaError] = []

    def delivered(error: KafkaError | None, _message: Message) -> None:
        if error is not None:
            errors.append(error)

    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for value, headers in records:
        producer.produce(topic, value, key=STREAM.encode(), headers=headers, partition=0, on_delivery=delivered)
    assert producer.flush(30) == 0 and not errors, errors


def test_a_checkpoint_written_late_by_a_paused_worker_does_not_reopen_a_closed_stream(
    kafka_bootstrap: str, topic_settings: TopicSettings, unique_group: str, tmp_path: Path,
) -> None:
    closed = Checkpoint(0, ResumePoint(0, 5, 0), emitted_sample=8_000, next_index=2, format=FORMAT, closed=True)
    stale = Checkpoint(0, ResumePoint(0, 0, 0), emitted_sample=0, next_index=0, format=None)
    table_topic = NewTopic(changelog_topic(unique_group), topic_settings.audio_partitions, 1)
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([table_topic])[table_topic.topic].result(30)
    write(kafka_bootstrap, changelog_topic(unique_group), [(closed.encode(), []), (stale.encode(), [])])
    late_chunk = ChunkHeaders(5, FORMAT.sample_rate, FORMAT.channels, FORMAT.encoding).to_kafka()
    write(kafka_bootstrap, topic_settings.chunks, [(bytes(3_200), late_chunk)])
    rejected = TopicReader(kafka_bootstrap, topic_settings.rejected)
    try:
        with WorkerProcess(kafka_bootstrap, topic_settings, unique_group, tmp_path / "worker") as worker:
            records = rejected.poll_until(bool, 120, worker.assert_running, lambda: f"\n{worker.log_tail()}")
    finally:
        rejected.close()
    reasons = [dict(record.headers())["reject_reason"].decode() for record in records]
    assert reasons == ["after_eos"]

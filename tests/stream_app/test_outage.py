"""A broker outage longer than the idle timeout, in the middle of live streams, loses nothing.

The test owns its broker (the session's is shared): live streams go through the producer SDK at
the pace of their audio into a real stream-app worker; once every stream has segments out, the
broker is stopped as `streamscribe broker stop` does, kept down for longer than the worker's idle
timeout, and started again. The chunks sent meanwhile wait in the producer's buffer. Every stream
must come out whole (its final segments, without a hole, are its audio up to its eos) and nothing
may be rejected: judged by wall clock, the worker closed every stream as idle during the outage
and rejected the backlog as `after_eos` (issue 22).
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import pytest

from infra.broker import EmbeddedBroker
from infra.topics import ensure_topics
from producers import AudioProducer
from streamscribe.contracts.segment import EmitReason
from streamscribe.settings import KafkaSettings, TopicSettings
from tests.stream_app.kafka_io import (
    TopicReader, WorkerProcess, concatenated, describe_mismatch, ended_streams, finals_by_stream, segments_of,
    topic_size,
)
from tests.stream_app.streams import SampleStream, interleave, make_streams

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.timeout(240)]

IDLE_TIMEOUT_MS = 5_000
FLAGS = ("--idle-timeout-ms", str(IDLE_TIMEOUT_MS), "--commit-interval-ms", "500", "--session-timeout-ms", "6000")
STREAMS = 6
STREAM_SECONDS = 24.0


class LiveSender(threading.Thread):
    """Sends the streams' chunks through the producer SDK at the pace of their audio, then eos and flush."""

    def __init__(self, producer: AudioProducer, streams: list[SampleStream]) -> None:
        super().__init__(name="live-sender", daemon=True)
        self.producer, self.streams = producer, streams
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            handles = {s.stream_id: self.producer.open_stream(s.stream_id, s.fmt.sample_rate, s.fmt.channels,
                                                              s.fmt.encoding.value) for s in self.streams}
            left = {s.stream_id: len(s.chunks) for s in self.streams}
            messages = interleave(self.streams, partitions=1)
            began, first_ms = time.monotonic(), messages[0].timestamp_ms
            for message in messages:  # real-time pacing (each chunk leaves when its audio has been "spoken")
                time.sleep(max(0.0, began + (message.timestamp_ms - first_ms) / 1000 - time.monotonic()))
                stream_id = message.key.decode()
                handles[stream_id].write(message.value)
                left[stream_id] -= 1
                if not left[stream_id]:
                    handles[stream_id].close()  # eos
            self.producer.flush(120)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = error


def test_a_broker_outage_longer_than_the_idle_timeout_cuts_no_stream(
    own_broker: EmbeddedBroker, tmp_path: Path,
) -> None:
    bootstrap = own_broker.bootstrap_servers
    kafka = KafkaSettings(bootstrap_servers=bootstrap)
    suffix = uuid.uuid4().hex[:8]
    topics = TopicSettings.suffixed("outage", suffix, audio_partitions=4, transcript_partitions=4,
                                    rejected_partitions=1)
    ensure_topics(kafka, topics)
    streams = make_streams(STREAMS, STREAM_SECONDS, seed=22, prefix="live-")
    reader = TopicReader(bootstrap, topics.segments)
    worker = WorkerProcess(bootstrap, topics, f"outage-{suffix}", tmp_path / "worker", *FLAGS)
    producer = AudioProducer(kafka=kafka, topics=topics)
    sender = LiveSender(producer, streams)
    try:
        worker_ready = lambda records: worker.metrics().get("streamscribe_stream_app_ready") == 1.0  # noqa: E731
        reader.poll_until(worker_ready, 120, worker.assert_running, lambda: f"\n{worker.log_tail()}")
        sender.start()
        everyone_started = lambda records: len({r.key() for r in records}) == STREAMS  # noqa: E731
        reader.poll_until(everyone_started, 60, worker.assert_running, lambda: f"\n{worker.log_tail()}")

        down_at = time.monotonic()
        own_broker.stop()  # what `streamscribe broker stop` does: SIGTERM, wait for the exit
        time.sleep(max(0.0, down_at + 1.5 * IDLE_TIMEOUT_MS / 1000 - time.monotonic()))  # the outage itself
        own_broker.start()
        outage_s = time.monotonic() - down_at
        assert outage_s > IDLE_TIMEOUT_MS / 1000
        worker.assert_running()

        ids = {s.stream_id for s in streams}
        reader.poll_until(lambda records: ended_streams(segments_of(records)) >= ids, 120, worker.assert_running,
                          lambda: f"\n{worker.log_tail()}")
        sender.join(120)
        assert sender.error is None, sender.error
    finally:
        worker.stop()
        reader.close()
    finals = finals_by_stream(segments_of(reader.records))
    for stream in streams:
        stream_finals = finals[stream.stream_id]
        last = stream_finals[max(stream_finals)]
        assert last.headers.reason is EmitReason.EOS, describe_mismatch(stream_finals, stream.expected)
        assert concatenated(stream_finals) == stream.expected, describe_mismatch(stream_finals, stream.expected)
    assert topic_size(bootstrap, topics.rejected) == 0  # no chunk refused (after_eos, seq gap)

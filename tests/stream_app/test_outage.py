"""A broker outage longer than the idle timeout, in the middle of live streams, loses nothing.

The test owns its broker (the session's is shared): live streams go through the producer SDK at
the pace of their audio into a real stream-app worker; once every stream has segments out, the
broker is stopped as `streamscribe broker stop` does, kept down for longer than the worker's idle
timeout, and started again. The chunks sent meanwhile wait in the producer's buffer. Every stream
must come out whole (its final segments, without a hole, are its audio up to its eos) and nothing
may be rejected but byte-identical second copies of chunks (`seq_repeat`): when every broker goes
down with a produce request unanswered, librdkafka's idempotent producer bumps its epoch and sends
the request again, so Kafka can hold a chunk twice; the stream app keeps the first copy. Judged by
wall clock, the worker closed every stream as idle during the outage and rejected the backlog as
`after_eos` (issue 22).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.broker import EmbeddedBroker
from producers import AudioProducer
from producers.errors import DeliveryError
from streamscribe.contracts.segment import EmitReason
from streamscribe.settings import KafkaSettings, TopicSettings
from tests.stream_app.kafka_io import (
    TopicReader,
    WorkerProcess,
    concatenated,
    describe_mismatch,
    ended_streams,
    finals_by_stream,
    refusals_beyond_redeliveries,
    segments_of,
)
from tests.stream_app.streams import SampleStream, interleave, make_streams
from tests.topics import fresh_topics

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


def streams_survive(bootstrap: str, topics: TopicSettings, workdir: Path, outage: Callable[[], None]) -> None:
    """Live streams through the SDK into a stream-app worker; `outage()` runs once every stream has segments
    out; then every stream must come out whole, ended by its eos, with nothing rejected."""
    kafka = KafkaSettings(bootstrap_servers=bootstrap)
    streams = make_streams(STREAMS, STREAM_SECONDS, seed=22, prefix="live-")
    reader = TopicReader(bootstrap, topics.segments)
    worker = WorkerProcess(bootstrap, topics, f"outage-{uuid.uuid4().hex[:8]}", workdir, *FLAGS)
    producer = AudioProducer(kafka=kafka, topics=topics)
    sender = LiveSender(producer, streams)
    try:
        worker_ready = lambda records: worker.metrics().get("streamscribe_stream_app_ready") == 1.0  # noqa: E731
        reader.poll_until(worker_ready, 120, worker.assert_running, lambda: f"\n{worker.log_tail()}")
        sender.start()
        everyone_started = lambda records: len({r.key() for r in records}) == STREAMS  # noqa: E731
        reader.poll_until(everyone_started, 60, worker.assert_running, lambda: f"\n{worker.log_tail()}")
        outage()
        worker.assert_running()
        ids = {s.stream_id for s in streams}
        reader.poll_until(lambda records: ended_streams(segments_of(records)) >= ids, 120, worker.assert_running,
                          lambda: f"\n{worker.log_tail()}")
        sender.join(120)
        assert sender.error is None, sender.error
        producer.close(30)
    finally:
        worker.stop()
        reader.close()
    finals = finals_by_stream(segments_of(reader.records))
    for stream in streams:
        stream_finals = finals[stream.stream_id]
        last = stream_finals[max(stream_finals)]
        assert last.headers.reason is EmitReason.EOS, describe_mismatch(stream_finals, stream.expected)
        assert concatenated(stream_finals) == stream.expected, describe_mismatch(stream_finals, stream.expected)
    # no chunk refused (after_eos, seq gap); Kafka may deliver a chunk twice when its brokers all go down
    assert refusals_beyond_redeliveries(bootstrap, topics, streams) == []


def held_down(stop: Callable[[], object], start: Callable[[], object]) -> Callable[[], None]:
    """An outage: `stop()`, keep it down until 1.5 idle timeouts have passed since it began, `start()`."""

    def outage() -> None:
        down_at = time.monotonic()
        stop()
        time.sleep(max(0.0, down_at + 1.5 * IDLE_TIMEOUT_MS / 1000 - time.monotonic()))  # the outage itself
        start()
        assert time.monotonic() - down_at > IDLE_TIMEOUT_MS / 1000

    return outage


def test_a_broker_outage_longer_than_the_idle_timeout_cuts_no_stream(
    own_broker: EmbeddedBroker, tmp_path: Path,
) -> None:
    bootstrap = own_broker.bootstrap_servers
    topics = fresh_topics(bootstrap, "outage")
    # `streamscribe broker stop` (SIGTERM, wait for the exit), then `broker start`
    streams_survive(bootstrap, topics, tmp_path / "worker", held_down(own_broker.stop, own_broker.start))


def test_a_stream_closed_as_idle_is_reported_to_its_producer(
    kafka_bootstrap: str, topic_settings: TopicSettings, unique_group: str, tmp_path: Path,
) -> None:
    """Its producer pauses for longer than the idle timeout while the stream app reads on (as with a
    network cut on the producer's side only): the stream is closed, and the producer's next calls
    raise the stream app's refusal of what it sent after that, never silently."""
    stream = make_streams(1, 2.0, seed=23, prefix="paused-")[0]
    reader = TopicReader(kafka_bootstrap, topic_settings.segments)
    worker = WorkerProcess(kafka_bootstrap, topic_settings, unique_group, tmp_path / "worker",
                           "--idle-timeout-ms", "2000")
    producer = AudioProducer(KafkaSettings(bootstrap_servers=kafka_bootstrap), topic_settings)
    try:
        handle = producer.open_stream(stream.stream_id, stream.fmt.sample_rate, stream.fmt.channels,
                                      stream.fmt.encoding.value)
        for pcm in stream.chunks[:5]:
            handle.write(pcm)
        producer.flush(30)
        reader.poll_until(lambda records: stream.stream_id in ended_streams(segments_of(records)), 120,
                          worker.assert_running, lambda: f"\n{worker.log_tail()}")  # closed as idle
        handle.write(stream.chunks[5])  # the producer is back: too late
        deadline = time.monotonic() + 60
        with pytest.raises(DeliveryError, match=r"refused by the stream app \(after_eos\)"):
            while time.monotonic() < deadline:  # until the refusal has come back from audio.rejected
                producer.flush(30)
                time.sleep(0.2)
        producer.close(30)
    finally:
        worker.stop()
        reader.close()
    last = segments_of(reader.records)[-1].headers
    assert (last.reason, last.eos) == (EmitReason.IDLE, True)

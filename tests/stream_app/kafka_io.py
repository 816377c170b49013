"""Real-broker helpers for the stream-app tests: send streams, read segments, run workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from confluent_kafka import Consumer, Producer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from infra.broker import free_port
from producers import AudioProducer
from producers.refusals import refusal_of
from streamscribe.contracts.headers import KafkaHeaders
from streamscribe.contracts.segment import Segment, SegmentHeaders
from streamscribe.settings import KafkaSettings, TopicSettings
from tests.stream_app.audio import stitch
from tests.stream_app.streams import SampleStream, interleave


def produce(bootstrap: str, topic: str, messages: Iterable[tuple[bytes | None, bytes, KafkaHeaders, int]]) -> int:
    """Send (key, value, headers, timestamp_ms) messages in order; returns how many were sent."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "enable.idempotence": True,
                         "partitioner": "murmur2_random", "message.max.bytes": 4_000_000})
    sent = 0
    for key, value, headers, timestamp_ms in messages:
        producer.produce(topic, value, key=key, headers=headers, timestamp=timestamp_ms)
        producer.poll(0)
        sent += 1
    if producer.flush(30):
        raise RuntimeError("messages still undelivered after 30 s")
    return sent


@dataclass
class TopicReader:
    """Reads a topic from the beginning, accumulating what it finds."""

    bootstrap: str
    topic: str
    records: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self._consumer = Consumer({"bootstrap.servers": self.bootstrap,
                                   "group.id": f"reader-{self.topic}-{os.getpid()}",
                                   "auto.offset.reset": "earliest", "enable.auto.commit": False})
        self._consumer.subscribe([self.topic])

    def poll_until(self, done: Callable[[list], bool], timeout_s: float,
                   alive: Callable[[], None] = lambda: None, context: Callable[[], str] = lambda: "") -> list:
        """Poll until `done(records)` holds; AssertionError after `timeout_s` (or when `alive` raises),
        with `context()` appended to its message."""
        deadline = time.monotonic() + timeout_s
        while not done(self.records):
            alive()
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.topic}: condition not met after {timeout_s:.0f} s "
                                     f"({len(self.records)} records){context()}")
            for message in self._consumer.consume(500, timeout=0.2):
                if message.error() is None:
                    self.records.append(message)
        return self.records

    def close(self) -> None:
        self._consumer.close()


def segments_of(records: list) -> list[Segment]:
    """The records of an `audio.segments` topic as Segments."""
    return [Segment(r.key().decode(), SegmentHeaders.from_kafka(r.headers()), r.value() or b"") for r in records]


def finals_by_stream(segments: list[Segment]) -> dict[str, dict[int, Segment]]:
    """Final segments per stream, deduplicated on (stream_id, index); a duplicate must match."""
    by_stream: dict[str, dict[int, Segment]] = defaultdict(dict)
    for segment in segments:
        if segment.headers.final:
            first = by_stream[segment.stream_id].setdefault(segment.headers.index, segment)
            assert (first.pcm, first.headers.start_sample) == (segment.pcm, segment.headers.start_sample), (
                f"{segment.stream_id} segment {segment.headers.index} differs between copies")
    return by_stream


def ended_streams(segments: list[Segment]) -> set[str]:
    """Streams whose eos segment has arrived."""
    return {segment.stream_id for segment in segments if segment.headers.eos}


def describe_mismatch(finals: dict[int, Segment], expected: bytes) -> str:
    """How a stream's final segments differ from its expected audio (for failure messages): where
    they start and end against the expected length, how the stream ended, the first differing one."""
    if not finals:
        return "no final segment"
    ordered = [finals[index] for index in sorted(finals)]
    first, last = ordered[0], ordered[-1]
    end = last.headers.start_sample + last.num_samples
    parts = [f"{len(ordered)} final segments (indices {first.headers.index}..{last.headers.index}) cover samples "
             f"{first.headers.start_sample}..{end} of {len(expected) // 2} expected; the last is "
             f"{last.headers.reason.value} with eos={int(last.headers.eos)}"]
    for segment in ordered:
        start = segment.headers.start_sample * 2
        want = expected[start:start + len(segment.pcm)]
        if segment.pcm != want:
            got_s, want_s = np.frombuffer(segment.pcm[:len(want)], "<i2"), np.frombuffer(want, "<i2")
            diff = np.nonzero(got_s != want_s)[0]
            where = f"{len(diff)} samples differ from sample {diff[0]} on" if len(diff) else "no sample differs"
            parts.append(f"segment {segment.headers.index} ({segment.headers.reason.value}, start "
                         f"{segment.headers.start_sample}, {segment.num_samples} samples, {len(want) // 2} expected "
                         f"there): {where}")
            break
    else:
        parts.append("every segment matches the expected audio at its position")
    return "; ".join(parts)


def concatenated(finals: dict[int, Segment]) -> bytes:
    """A stream's final segments in order; asserts they are contiguous and end with eos."""
    ordered = [finals[index] for index in sorted(finals)]
    assert [s.headers.index for s in ordered] == list(range(len(ordered))), "missing segment index"
    assert ordered[-1].headers.eos
    return stitch([(s.headers.start_sample, s.pcm) for s in ordered])


def topic_size(bootstrap: str, topic: str) -> int:
    """Messages in `topic` (the sum of its partitions' high watermarks: a fresh topic starts at 0)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"size-{topic}-{os.getpid()}"})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        return sum(consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions)
    finally:
        consumer.close()


def refusals_beyond_redeliveries(bootstrap: str, topics: TopicSettings, streams: list[SampleStream]) -> list[str]:
    """The records of `audio.rejected`, except second copies of chunks the streams sent through the SDK:
    a `seq_repeat` whose bytes are the stream's chunk of that seq (Kafka delivered it twice; the stream
    app kept the first copy), the eos chunk at the seq after the last being empty."""
    size = topic_size(bootstrap, topics.rejected)
    reader = TopicReader(bootstrap, topics.rejected)
    try:
        records = reader.poll_until(lambda records: len(records) >= size, 60)
    finally:
        reader.close()
    sent = {stream.stream_id: [*stream.chunks, b""] for stream in streams}
    refused = []
    for record in records:
        refusal = refusal_of(record.key(), record.headers(), topics.chunks)
        chunks = sent.get(refusal.stream_id, []) if refusal is not None else []
        copy = refusal is not None and refusal.seq is not None and refusal.seq < len(chunks) and (
            record.value() or b"") == chunks[refusal.seq]
        if not (copy and refusal.is_redelivery):
            refused.append(f"{record.key()!r}: {refusal or record.headers()}")
    return refused


class SdkSender:
    """The chunks of `streams` sent through the producer SDK, a part at a time, in the order given."""

    def __init__(self, bootstrap: str, topics: TopicSettings, streams: list) -> None:
        self.chunks = [(m.key.decode(), m.value) for m in interleave(streams, partitions=4)]  # real-time order
        self._producer = AudioProducer(KafkaSettings(bootstrap_servers=bootstrap), topics)
        self._handles = {s.stream_id: self._producer.open_stream(s.stream_id, s.fmt.sample_rate, s.fmt.channels,
                                                                 s.fmt.encoding.value) for s in streams}

    def send(self, part: list[tuple[str, bytes]]) -> None:
        """These chunks, then wait until the broker has them."""
        for stream_id, pcm in part:
            self._handles[stream_id].write(pcm)
        self._producer.flush()

    def end(self) -> None:
        """Every stream's eos message; the producer closes."""
        for handle in self._handles.values():
            handle.close()
        self._producer.close()


class WorkerProcess:
    """`streamscribe stream-app` as a real subprocess (SIGKILL-able), logging to a file; its progress
    (readiness, owned partitions, restored streams) is read from its metrics, not from its log."""

    def __init__(self, bootstrap: str, topics: TopicSettings, app_id: str, workdir: Path, *flags: str) -> None:
        self.log_path = workdir / f"worker-{time.monotonic_ns()}.log"
        self.metrics_port = free_port()
        command = [
            sys.executable, "-m", "tooling.cli", "--log-level", "INFO", "stream-app",
            "--bootstrap-servers", bootstrap, "--app-id", app_id, "--workdir", str(workdir),
            "--chunks-topic", topics.chunks, "--segments-topic", topics.segments,
            "--rejected-topic", topics.rejected, "--transcripts-topic", topics.transcripts,
            "--metrics-port", str(self.metrics_port), *flags,
        ]
        workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log_file:
            self.process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, nothing is flushed or committed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait (SIGKILL if it hangs); returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode

    def assert_running(self) -> None:
        """AssertionError with the log's tail when the worker has exited."""
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited with {self.process.returncode}:\n{self.log_tail()}")

    def metrics(self) -> dict[str, float]:
        """Its metrics now, `name{label="value",…}` → value (empty while it does not answer)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2) as response:
                text = response.read().decode()
        except (urllib.error.URLError, OSError):
            return {}
        values = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = ",".join(f'{name}="{value}"' for name, value in sorted(sample.labels.items()))
                values[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
        return values

    def owned_partitions(self) -> set[int]:
        """The input partitions it owns now (its `owned_partition` gauge)."""
        prefix = 'streamscribe_stream_app_owned_partition{partition="'
        return {int(name[len(prefix):-2]) for name in self.metrics() if name.startswith(prefix)}

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def shared_between(one: WorkerProcess, other: WorkerProcess) -> bool:
    """True when the workers' current assignments split all four partitions between them (their metrics)."""
    mine, theirs = one.owned_partitions(), other.owned_partitions()
    return bool(mine) and bool(theirs) and not mine & theirs and mine | theirs == {0, 1, 2, 3}


def two_workers_on_a_third(
    bootstrap: str, topics: TopicSettings, app_id: str, workdir: Path, flags: tuple[str, ...], streams: list,
) -> tuple[SdkSender, TopicReader, WorkerProcess, WorkerProcess]:
    """The first third of `streams`' chunks sent, and two workers of `app_id` once they split the four
    partitions and a segment per stream has arrived (the sender, the segments' reader, the workers)."""
    sender, reader = SdkSender(bootstrap, topics, streams), TopicReader(bootstrap, topics.segments)
    sender.send(sender.chunks[:len(sender.chunks) // 3])
    records = len(streams)
    first = WorkerProcess(bootstrap, topics, app_id, workdir / "first", *flags)
    second = WorkerProcess(bootstrap, topics, app_id, workdir / "second", *flags)
    try:
        reader.poll_until(lambda r: len(r) >= records and shared_between(first, second), 120,
                          lambda: (first.assert_running(), second.assert_running()),
                          lambda: f"\nowned partitions: {first.owned_partitions()} and {second.owned_partitions()}")
    except BaseException:
        first.kill()
        second.kill()
        raise
    return sender, reader, first, second

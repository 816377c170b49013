"""The transactional worker against the real broker: results, rejects, aborts, fencing."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from prometheus_client import CollectorRegistry

from producers.reader import TranscriptReader
from recognizer.engine import GreedyDecoder, RecognitionEngine
from recognizer.metrics import RecognizerMetrics
from recognizer.settings import RecognizerSettings
from recognizer.worker import FENCED, RecognizerError, RecognizerWorker, TransactionCalls, WorkerThread, stage_seconds
from streamscribe.contracts import EmitReason, SegmentHeaders, Transcript
from tests.recognizer.conftest import make_segments, produce_segments

pytestmark = pytest.mark.broker


@pytest.fixture
def settings(tiny_model_path, kafka_settings, topic_settings, unique_group) -> RecognizerSettings:
    return RecognizerSettings(
        model=str(tiny_model_path), kafka=kafka_settings, topics=topic_settings, group_id=unique_group,
        max_batch=8, max_wait_ms=100, session_timeout_ms=6000, transaction_timeout_ms=5000,
    )


REGISTRY = CollectorRegistry()  # this module's workers report here
METRICS = RecognizerMetrics(REGISTRY)


@pytest.fixture
def engine(tiny_model) -> RecognitionEngine:
    return RecognitionEngine(tiny_model, GreedyDecoder(tiny_model.vocabulary), max_batch=8, metrics=METRICS)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def aborts() -> float:
    return sample("streamscribe_recognizer_errors_total", kind="transaction_aborted")


def backlog() -> float:
    return sample("streamscribe_recognizer_backlog_segments")


def wait_until(condition, timeout: float = 30.0) -> bool:
    """Poll `condition` (a metric the worker thread updates) until it holds or the time is up."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


@contextmanager
def running(settings: RecognizerSettings, engine: RecognitionEngine) -> Iterator[WorkerThread]:
    runner = WorkerThread(RecognizerWorker(settings, engine))
    runner.start()
    try:
        yield runner
    finally:
        runner.stop()


def read_all(bootstrap: str, topic: str, expected: int, isolation: str, timeout: float = 30.0) -> list:
    """Every message of a topic (until `expected` arrived or the timeout), raw."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"raw-{topic}-{isolation}",
                         "auto.offset.reset": "earliest", "isolation.level": isolation,
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    messages, deadline = [], time.monotonic() + timeout
    try:
        while len(messages) < expected and time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is not None and message.error() is None:
                messages.append(message)
        return messages
    finally:
        consumer.close()


def test_every_segment_gets_its_transcript_once_and_in_order(settings, engine, kafka_bootstrap) -> None:
    streams = {f"call-{n}": make_segments(f"call-{n}", [1.5, 0.6, 2.2, 1.1][: 2 + n % 3], seed=n) for n in range(6)}
    # a preview of a stream with nothing newer behind it (one followed by a newer segment of its
    # stream in the same batch would be skipped: recognizer.windows.previews_to_skip)
    interim = make_segments("preview-0", [0.8], seed=99, final=False)[0]
    interim = type(interim)("preview-0", SegmentHeaders(0, 0, EmitReason.INTERIM, final=False), interim.pcm)
    produce_segments(kafka_bootstrap, settings.topics.segments, [interim])
    for segments in streams.values():
        produce_segments(kafka_bootstrap, settings.topics.segments, segments, produced_at_ms=1)
    latency_before = sample("streamscribe_recognizer_end_to_end_latency_seconds_count")

    with running(settings, engine), TranscriptReader(settings.kafka, settings.topics) as reader:
        assert sample("streamscribe_recognizer_ready") == 1  # `running` returned once the worker was ready
        finished = reader.wait_for_streams(streams, timeout=60)

    for stream_id, segments in streams.items():
        expected = engine.recognize(segments)
        got = finished[stream_id].segments
        assert [t.segment for t in got] == list(range(len(segments)))
        assert [t.text for t in got] == [t.text for t in expected]
        assert [t.eos for t in got] == [False] * (len(segments) - 1) + [True]
    assert sample("streamscribe_recognizer_end_to_end_latency_seconds_count") > latency_before
    assert sample("streamscribe_recognizer_stage_seconds_count", stage="queue") > 0

    total = sum(len(s) for s in streams.values()) + 1
    raw = read_all(kafka_bootstrap, settings.topics.transcripts, total, "read_uncommitted")
    keys = Counter(Transcript.from_json_bytes(m.value()).dedupe_key for m in raw)
    assert len(raw) == total and max(keys.values()) == 1
    assert ("preview-0", 0, False) in keys  # the interim preview


def test_a_stream_apps_replayed_copies_of_written_finals_are_not_written_again(
    settings, engine, kafka_bootstrap,
) -> None:
    streams = {f"replay-{n}": make_segments(f"replay-{n}", [1.0, 0.7, 1.2], seed=40 + n) for n in range(4)}
    redelivered_before = sample("streamscribe_recognizer_finals_redelivered_total")
    with running(settings, engine), TranscriptReader(settings.kafka, settings.topics) as reader:
        for segments in streams.values():
            produce_segments(kafka_bootstrap, settings.topics.segments, segments[:2], produced_at_ms=1)
        deadline = time.monotonic() + 60
        while any(len(reader.stream(s).finals) < 2 for s in streams) and time.monotonic() < deadline:
            reader.poll()
        for segments in streams.values():  # the stream app restarted: it replays from segment 0 on
            produce_segments(kafka_bootstrap, settings.topics.segments, segments, produced_at_ms=1)
        finished = reader.wait_for_streams(streams, timeout=60)
        assert wait_until(lambda: sample("streamscribe_recognizer_finals_redelivered_total")
                          == redelivered_before + 2 * len(streams))

    for stream_id, segments in streams.items():
        assert [t.segment for t in finished[stream_id].segments] == list(range(len(segments)))
    total = sum(len(s) for s in streams.values())
    raw = read_all(kafka_bootstrap, settings.topics.transcripts, total + 1, "read_committed", timeout=5)
    keys = Counter(Transcript.from_json_bytes(m.value()).dedupe_key for m in raw)
    assert len(raw) == total and max(keys.values()) == 1


def test_stale_previews_are_read_past_so_one_transaction_holds_the_finals_behind_them(
    settings, engine, kafka_bootstrap
) -> None:
    most = settings.max_batch * settings.batches_per_transaction  # what one read returns at most
    stale = [make_segments(f"late-{n}", [0.3], seed=n, final=False)[0] for n in range(3 * most)]
    finals = make_segments("call", [1.0, 1.0, 1.0], seed=5)
    produce_segments(kafka_bootstrap, settings.topics.segments, stale, produced_at_ms=1)  # long past
    produce_segments(kafka_bootstrap, settings.topics.segments, finals)
    skipped_before = sample("streamscribe_recognizer_previews_skipped_total", reason="stale")
    transactions_before = sample("streamscribe_recognizer_transaction_messages_count")

    def all_skipped() -> bool:  # the previews sit in 4 partitions, the finals in one of them
        return sample("streamscribe_recognizer_previews_skipped_total", reason="stale") - skipped_before == 3 * most

    with running(settings, engine), TranscriptReader(settings.kafka, settings.topics) as reader:
        assert [t.text for t in reader.wait_for_stream("call", timeout=60).segments] == [
            t.text for t in engine.recognize(finals)]
        assert wait_until(all_skipped)
    # reading `most` at a time would take 4 transactions; reading past the skipped previews, the
    # already fetched messages go in one (two if the broker split its fetch)
    assert sample("streamscribe_recognizer_transaction_messages_count") - transactions_before <= 2


def test_malformed_segments_are_rejected_and_other_streams_carry_on(settings, engine, kafka_bootstrap) -> None:
    good = make_segments("good", [1.0, 1.0], seed=3)
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    topic = settings.topics.segments
    producer.produce(topic, key=b"bad-1", value=b"\x00" * 3, headers=good[0].headers.to_kafka())
    producer.produce(topic, key=b"bad-2", value=b"\x00\x00", headers=[("segment", b"zero")])
    producer.produce(topic, value=b"\x00\x00", headers=good[0].headers.to_kafka())
    producer.flush(10)
    produce_segments(kafka_bootstrap, topic, good)

    with running(settings, engine), TranscriptReader(settings.kafka, settings.topics) as reader:
        assert reader.wait_for_stream("good", timeout=60).complete
        rejected = read_all(kafka_bootstrap, settings.topics.rejected, 3, "read_committed")

    reasons = {(m.key(), dict(m.headers())["reject_reason"]) for m in rejected}
    assert reasons == {(b"bad-1", b"odd_byte_count"), (b"bad-2", b"missing_header"), (None, b"missing_key")}
    for message in rejected:
        assert dict(message.headers())["source"].decode().startswith(f"{topic}/")
    assert {m.value() for m in rejected} == {b"\x00" * 3, b"\x00\x00"}


def test_failed_transaction_is_aborted_redone_and_never_seen_by_committed_readers(
    settings, engine, kafka_bootstrap, kafka_settings
) -> None:
    """The rejected topic refuses large messages at first: the batch's transaction fails."""
    from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

    admin = AdminClient(kafka_settings.client_config())
    small = f"{settings.topics.rejected}.small"
    admin.create_topics([NewTopic(small, 1, 1, config={"max.message.bytes": "1000"})])[small].result(30)
    settings = settings.model_copy(update={"topics": settings.topics.model_copy(update={"rejected": small})})
    segments = make_segments("retry", [1.2, 0.7], seed=4)
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    # odd byte count → refused → forwarded to the rejected topic, which is too small for it
    producer.produce(settings.topics.segments, key=b"retry", value=random.randbytes(3001),
                     headers=segments[0].headers.to_kafka())
    producer.flush(10)
    produce_segments(kafka_bootstrap, settings.topics.segments, segments)
    aborts_before = aborts()

    with running(settings, engine) as runner:
        wait_until(lambda: aborts() > aborts_before or runner.error is not None, timeout=60)
        assert aborts() > aborts_before, f"no abort seen (worker error: {runner.error})"
        # the failed batch is rewound and read again: the refused message and both segments wait
        assert wait_until(lambda: backlog() == 3), f"backlog {backlog()}, expected 3"
        resource = ConfigResource("topic", small, set_config={"max.message.bytes": "1000000"})
        admin.alter_configs([resource])[resource].result(30)
        with TranscriptReader(settings.kafka, settings.topics) as reader:
            done = reader.wait_for_stream("retry", timeout=60)
        assert runner.error is None
        assert wait_until(lambda: backlog() == 0), f"backlog {backlog()} after everything was read"

    assert [t.text for t in done.segments] == [t.text for t in engine.recognize(segments)]
    committed = read_all(kafka_bootstrap, settings.topics.transcripts, 3, "read_committed", timeout=5)
    assert Counter(Transcript.from_json_bytes(m.value()).segment for m in committed) == {0: 1, 1: 1}
    uncommitted = read_all(kafka_bootstrap, settings.topics.transcripts, 99, "read_uncommitted", timeout=5)
    assert len(uncommitted) > len(committed)  # the aborted attempts' copies exist, hidden from readers


class StuckCall:
    """A real transactional producer whose call `name` blocks until released.

    A fake, because a real broker cannot be made to hang such a call on demand: librdkafka did it
    for minutes during a rolling broker restart (librdkafka issue 3779; seen twice in
    tests/cluster/test_broker_loss.py, not reproducibly). Every other call is the real producer's.
    """

    def __init__(self, producer: Producer, name: str) -> None:
        self._producer, self._name = producer, name
        self.entered, self.release, self.returned = threading.Event(), threading.Event(), threading.Event()
        self.error: KafkaException | None = None  # what the real call raised once released

    def __getattr__(self, name: str):
        call = getattr(self._producer, name)
        return self._blocking(call) if name == self._name else call

    def _blocking(self, call: Callable[..., object]) -> Callable[..., None]:
        def blocked(*args: object) -> None:
            self.entered.set()
            self.release.wait()
            try:
                call(*args)
            except KafkaException as exc:
                self.error = exc
            finally:
                self.returned.set()

        return blocked


class ProducersStuck(RecognizerWorker):
    """The worker, its Nth producer's call `stuck[N]` made to hang (`StuckCall`); other producers are real."""

    def __init__(self, settings: RecognizerSettings, engine: RecognitionEngine, stuck: dict[int, str]) -> None:
        super().__init__(settings, engine)
        self.stuck = stuck
        self.producers: list = []

    def _producer(self):
        producer = super()._producer()
        name = self.stuck.get(len(self.producers))
        self.producers.append(StuckCall(producer, name) if name else producer)
        return self.producers[-1]


def test_a_transactional_call_stuck_past_its_timeout_is_given_up_and_the_producer_renewed(
    settings, engine, kafka_bootstrap
) -> None:
    settings = settings.model_copy(update={"transaction_call_timeout_ms": 3000, "stuck_call_grace_ms": 500})
    segments = make_segments("stuck", [1.0, 0.6, 0.8], seed=7)
    produce_segments(kafka_bootstrap, settings.topics.segments, segments)
    aborts_before = aborts()
    worker = ProducersStuck(settings, engine, {0: "send_offsets_to_transaction"})
    runner = WorkerThread(worker)
    runner.start()
    try:
        stuck = worker.producers[0]
        assert stuck.entered.wait(60), f"the first batch never reached its offsets (worker error: {runner.error})"
        with TranscriptReader(settings.kafka, settings.topics) as reader:
            done = reader.wait_for_stream("stuck", timeout=60)
        # the batch was committed by a second producer while the first one's call still hung
        assert not stuck.returned.is_set() and len(worker.producers) == 2 and runner.error is None
        assert aborts() == aborts_before + 1
        # one call thread stuck, one that took over and carried every call since
        call_threads = [t for t in threading.enumerate() if t.name == f"kafka-transaction-call-{settings.instance_id}"]
        assert len(call_threads) == 2
    finally:
        worker.producers[0].release.set()
        runner.stop()
    # released at last, the stuck producer finds itself fenced: its successor has its transactional.id
    assert stuck.returned.wait(30)
    assert stuck.error is not None and stuck.error.args[0].code() in FENCED, stuck.error
    # no call thread outlives the worker: the stopped worker's ended, the stuck one ends once released
    for thread in call_threads:
        thread.join(10)
    assert not any(thread.is_alive() for thread in call_threads)
    assert [t.text for t in done.segments] == [t.text for t in engine.recognize(segments)]
    committed = read_all(kafka_bootstrap, settings.topics.transcripts, 4, "read_committed", timeout=5)
    assert Counter(Transcript.from_json_bytes(m.value()).segment for m in committed) == {0: 1, 1: 1, 2: 1}
    uncommitted = read_all(kafka_bootstrap, settings.topics.transcripts, len(committed) + 1, "read_uncommitted")
    assert len(uncommitted) > len(committed)  # the stuck transaction's copies: written, aborted, hidden


def test_a_renewal_whose_init_transactions_sticks_stops_the_worker_with_a_clear_error(
    settings, engine, kafka_bootstrap
) -> None:
    settings = settings.model_copy(update={"transaction_call_timeout_ms": 3000, "stuck_call_grace_ms": 500})
    produce_segments(kafka_bootstrap, settings.topics.segments, make_segments("stuck-renewal", [0.6], seed=8))
    worker = ProducersStuck(settings, engine, {0: "send_offsets_to_transaction", 1: "init_transactions"})
    runner = WorkerThread(worker)
    runner.start()
    try:
        assert wait_until(lambda: runner.error is not None, timeout=60), "the stuck renewal hung the worker"
        assert worker.producers[1].entered.is_set() and not worker.producers[1].returned.is_set()
    finally:
        for producer in worker.producers:
            producer.release.set()
        runner.stop()
    assert all(producer.returned.wait(30) for producer in worker.producers)  # no call thread left hanging
    assert isinstance(runner.error, RecognizerError)
    message = str(runner.error)
    assert f"recognizer {settings.instance_id} could not restart its producer" in message
    assert "stuck past its timeout" in message


def test_transactional_calls_share_one_thread_until_one_sticks_and_leave_no_thread_behind() -> None:
    calls = TransactionCalls("calls-under-test")
    ran_on: list[threading.Thread] = []

    def record() -> None:
        ran_on.append(threading.current_thread())

    def failing() -> None:
        raise KafkaException(KafkaError(KafkaError._STATE, "not in a transaction"))

    release = threading.Event()

    def stuck() -> None:
        record()
        release.wait()

    calls.run(record, stuck_after=60)
    calls.run(record, stuck_after=60)
    first = ran_on[0]
    assert ran_on == [first, first] and first is not threading.current_thread()  # one thread for both
    with pytest.raises(KafkaException, match="not in a transaction"):  # the call's own error, re-raised
        calls.run(failing, stuck_after=60)
    with pytest.raises(KafkaException) as given_up:
        calls.run(stuck, stuck_after=0.05)  # blocks until released: given up after 0.05 s
    assert given_up.value.args[0].fatal() and given_up.value.args[0].code() == KafkaError._TIMED_OUT
    calls.run(record, stuck_after=60)
    assert ran_on[2] is first and ran_on[3] is not first  # the stuck thread was replaced
    release.set()
    first.join(10)
    assert not first.is_alive()  # it ended once its call returned
    calls.close()
    assert not ran_on[3].is_alive()


def test_backlog_counts_unread_messages_of_known_partitions() -> None:
    from confluent_kafka import TopicPartition

    from recognizer.worker import backlog as unread

    positions = [TopicPartition("s", 0, 5), TopicPartition("s", 1, 7), TopicPartition("s", 2, -1001)]
    assert unread(positions, [9, 7, 40]) == 4  # partition 2 has no position yet
    assert unread(positions, [-1001, 10, 40]) == 3  # no fetch from partition 0 yet
    assert unread([], []) == 0


def test_end_to_end_time_splits_into_stream_app_queue_and_recognizer_stages() -> None:
    assert stage_seconds(1_000, 1_150, 1_400, 1_500) == pytest.approx(
        {"stream_app": 0.15, "queue": 0.25, "recognize": 0.1})
    # the stream app's clock ahead of this host's: no negative stage
    assert stage_seconds(1_000, 990, 1_400, 1_500)["stream_app"] == 0.0

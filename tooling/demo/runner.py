"""`streamscribe demo`: the whole pipeline on one machine, fed by many live streams of speech.

Broker (embedded unless one is configured) → topics → stream app and recognizer as supervised
children → the shipped sample speech streamed in real time as concurrent streams through the
producer SDK → transcripts read back with the transcript SDK into a live view → summary.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

from rich.console import Console

from streamscribe.errors import StreamscribeError
from streamscribe.settings import KafkaSettings
from tooling.demo.board import Board, DemoStream
from tooling.demo.broker_session import kafka_for_session
from tooling.demo.live_view import LiveView
from tooling.demo.samples import load_samples
from tooling.demo.sender import PlannedStream, RealtimeSender, plan_streams
from tooling.demo.settings import DemoSettings, StackSettings
from tooling.demo.stack import RunningService, ServicePorts, StackPlan, start_stack
from tooling.demo.summary import DemoSummary, summarize
from tooling.demo.supervisor import POLL_INTERVAL, Supervisor
from tooling.demo.transcript_feed import TranscriptFeed

if TYPE_CHECKING:
    from producers import AudioProducer

log = logging.getLogger(__name__)

PRODUCER_CLOSE_TIMEOUT_S = 10.0  # every chunk is acknowledged long before the results are in


@contextmanager
def demo_producer(kafka: KafkaSettings, settings: DemoSettings) -> Iterator[AudioProducer]:
    """The demo's producer SDK, closed within PRODUCER_CLOSE_TIMEOUT_S: the SDK's own close waits out
    its delivery timeout (2 min) for chunks a dead broker will never take, which kept an interrupted
    demo running long after its SIGTERM (issue 22); an interrupted demo abandons them, logged."""
    from producers import AudioProducer, ProducerError  # noqa: PLC0415 - the SDK pulls in librdkafka

    producer = AudioProducer(kafka=kafka, topics=settings.topics)
    try:
        yield producer
    except BaseException:
        try:
            producer.close(PRODUCER_CLOSE_TIMEOUT_S)
        except ProducerError as exc:
            log.warning("the demo stopped with chunks not delivered (abandoned): %s", exc)
        raise
    producer.close(PRODUCER_CLOSE_TIMEOUT_S)


def stack_plan(settings: StackSettings, kafka: KafkaSettings) -> StackPlan:
    """The services `demo` and `up` start, from their settings."""
    return StackPlan(
        kafka=kafka,
        topics=settings.topics,
        state_dir=settings.state_dir,
        log_dir=settings.logs,
        stream_app_workers=settings.stream_app_workers,
        recognizers=settings.recognizers,
        model=settings.model,
        decoder=settings.decoder,
        ports=ServicePorts(settings.stream_app_metrics_port, settings.recognizer_metrics_port),
        gateway_port=settings.gateway_port,
    )


def _wait_until_done(
    board: Board, sender: RealtimeSender, checks: list[Callable[[], None]], finish_timeout: float
) -> None:
    """Block until every stream has its last result; raise as soon as a part fails."""
    deadline: float | None = None
    while not board.all_done():
        for check in checks:
            check()
        if sender.error is not None:
            raise StreamscribeError(f"sending audio failed: {sender.error}")
        if deadline is None and not sender.is_alive():
            deadline = time.monotonic() + finish_timeout
        if deadline is not None and time.monotonic() > deadline:
            return
        time.sleep(POLL_INTERVAL)


def describe_services(console: Console, services: list[RunningService]) -> None:
    """One line per service: where its metrics and its log are."""
    for service in services:
        console.print(f"  {service.name}: metrics {service.metrics_url}, log {service.log_file}", highlight=False)
        if service.name == "gateway":
            console.print(f"  open the live-captions page: http://127.0.0.1:{service.metrics_port}/", highlight=False)


def stream_speech(
    settings: DemoSettings, kafka: KafkaSettings, planned: list[PlannedStream], board: Board,
    supervisor: Supervisor, console: Console,
) -> float:
    """Send every planned stream and collect results until all are done; returns wall seconds."""
    with ExitStack() as stack:
        view = stack.enter_context(LiveView(board, console))
        feed = stack.enter_context(TranscriptFeed(kafka, settings.topics, board, view.stream_finished))
        producer = stack.enter_context(demo_producer(kafka, settings))
        sender = RealtimeSender(
            planned,
            lambda stream_id, rate: producer.open_stream(stream_id, rate, 1, "pcm_s16le"),
            board,
            settings.chunk_ms / 1000,
        )
        started = time.monotonic()
        sender.start()
        try:
            _wait_until_done(board, sender, [supervisor.check, feed.check], settings.finish_timeout)
        finally:
            sender.stop_requested.set()
            sender.join()
        return time.monotonic() - started


def run_demo(settings: DemoSettings, console: Console) -> DemoSummary:
    """Run the demo end to end and return its summary (streams that timed out count as incomplete)."""
    samples = load_samples(settings.samples)
    planned = plan_streams(samples, settings.streams, settings.ramp_seconds, uuid.uuid4().hex[:6])
    board = Board([
        DemoStream(p.stream_id, p.sample.sentence, p.sample.seconds, source=p.sample.source) for p in planned
    ])
    with kafka_for_session(settings.kafka) as kafka, Supervisor(settings.ready_timeout) as supervisor:
        console.print(f"Kafka at {kafka.bootstrap_servers}; starting the services (logs in {settings.logs})")
        services = start_stack(supervisor, stack_plan(settings, kafka))
        describe_services(console, services)
        total_audio = sum(p.sample.seconds for p in planned)
        console.print(f"streaming {len(planned)} live streams ({total_audio:.0f} s of speech) in real time")
        wall_seconds = stream_speech(settings, kafka, planned, board, supervisor, console)
        console.print("stopping the services")
    return summarize(board.states(), wall_seconds)

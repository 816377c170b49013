"""The chaos run: its own broker (or cluster), the stack under a Supervisor, live streams through the
producer SDK, and faults drawn at random (seeded) until `duration_s`; killed services are started
again at once, killed brokers after `outage_s`. Then the streams finish and `report.judge` says
what they lost. The run is repeatable in what it injects and when (the seed), not in the machine's
timing."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from confluent_kafka import Consumer, TopicPartition

from infra.broker import EmbeddedBroker
from infra.cluster import BrokerCluster
from infra.topics import ensure_topics
from producers.errors import DeliveryError
from streamscribe.contracts.transcript import Transcript
from streamscribe.settings import KafkaSettings, TopicSettings
from tooling.chaos.report import ChaosReport, judge
from tooling.chaos.settings import ChaosSettings
from tooling.demo.stack import StackPlan, start_stack
from tooling.demo.supervisor import Child, Supervisor

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from producers import AudioProducer


class Brokers:
    """The run's broker nodes: one embedded broker, or a cluster's members."""

    def __init__(self, settings: ChaosSettings) -> None:
        home = settings.workdir / "kafka"
        self.cluster = BrokerCluster(home, nodes=settings.nodes) if settings.nodes > 1 else None
        self.single = None if self.cluster else EmbeddedBroker(home / "node-1")

    def start(self) -> str:
        return self.cluster.start() if self.cluster else self.single.start()

    def nodes(self) -> list[EmbeddedBroker]:
        return self.cluster.members() if self.cluster else [self.single]

    def await_all_back(self, timeout: float) -> None:
        """Until every node killed by a fault has been restarted (its timer) and serves again."""
        deadline = time.monotonic() + timeout
        for node in self.nodes():
            while node.pid() is None and time.monotonic() < deadline:
                time.sleep(0.5)  # its restart timer has not fired yet
            node.wait_until_ready(max(1.0, deadline - time.monotonic()))

    def stop(self) -> None:
        if self.cluster:
            self.cluster.stop()
        else:
            self.single.stop()


class Chaos:
    """Draws and injects faults; restarts what it killed; counts what it did."""

    def __init__(self, settings: ChaosSettings, supervisor: Supervisor, brokers: Brokers) -> None:
        self.settings = settings
        self.supervisor = supervisor
        self.brokers = brokers
        self.random = random.Random(settings.seed)
        self.faults: Counter[str] = Counter()
        self.killed: set[int] = set()  # pids this run killed (their exit is not a service failure)
        self.service_exits = 0

    def inject(self, fault: str) -> None:
        """One fault, named as in settings.FAULTS."""
        self.faults[fault] += 1
        services = self.supervisor.children
        if fault == "kill-stream-app":
            self._kill(self._pick(services, "stream-app"))
        elif fault == "kill-recognizer":
            self._kill(self._pick(services, "recognizer"))
        elif fault == "pause-stream-app":
            self._pause(self._pick(services, "stream-app").process.pid)
        elif fault == "kill-broker":
            self._broker_down(self.random.choice(self.brokers.nodes()), signal.SIGKILL)
        elif fault == "pause-broker":
            node = self.random.choice(self.brokers.nodes())
            if node.pid() is not None:
                self._pause(node.pid())
        elif fault == "outage":
            for node in self.brokers.nodes():
                self._broker_down(node, signal.SIGKILL)
        log.warning("chaos: %s", fault)

    def revive(self) -> None:
        """Start again every service that exited (killed here, or by itself: counted)."""
        for child in list(self.supervisor.children):
            if child.exit_code() is None:
                continue
            if child.process.pid not in self.killed:
                self.service_exits += 1
                log.warning("chaos: %s exited by itself with status %s; starting it again", child.name,
                            child.exit_code())
            self.supervisor.children.remove(child)
            self.supervisor.launch(child.spec)

    def _pick(self, services: list[Child], prefix: str) -> Child:
        return self.random.choice([child for child in services if child.name.startswith(prefix)])

    def _kill(self, child: Child) -> None:
        self.killed.add(child.process.pid)
        child.process.send_signal(signal.SIGKILL)

    def _pause(self, pid: int) -> None:
        os.kill(pid, signal.SIGSTOP)
        threading.Timer(self.settings.pause_s, _resume, (pid,)).start()

    def _broker_down(self, node: EmbeddedBroker, how: signal.Signals) -> None:
        pid = node.pid()
        if pid is None:
            return  # already down
        os.kill(pid, how)
        node.await_exit(pid, 30)
        threading.Timer(self.settings.outage_s, node.launch).start()


def _resume(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGCONT)
    except ProcessLookupError:
        pass


def read_results(kafka: KafkaSettings, topic: str, timeout: float = 120.0) -> list[Transcript]:
    """Every committed result in `topic`, copies included (read up to the ends the partitions had)."""
    consumer = Consumer(kafka.client_config(**{"group.id": f"chaos-{uuid.uuid4().hex[:8]}",
                                               "isolation.level": "read_committed",
                                               "auto.offset.reset": "earliest", "enable.auto.commit": False}))
    results = []
    try:
        numbers = consumer.list_topics(topic, timeout=30).topics[topic].partitions
        marks = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30) for p in numbers}
        partitions = [TopicPartition(topic, p, low) for p, (low, high) in marks.items() if high > low]
        consumer.assign(partitions)
        deadline = time.monotonic() + timeout

        def behind() -> bool:  # positions pass the transactions' control records, which are never delivered
            return any(tp.offset < marks[tp.partition][1] for tp in consumer.position(partitions))

        while behind() and time.monotonic() < deadline:
            for message in consumer.consume(500, timeout=1.0):
                if message.error() is None:
                    results.append(Transcript.from_json_bytes(message.value()))
    finally:
        consumer.close()
    return results


@contextmanager
def refusals_logged(producer: AudioProducer) -> Iterator[AudioProducer]:
    """`producer`, closed at the end; chunks the stream app refused are logged, not raised: the report
    counts them from `audio.rejected`, and a run's report must not be lost to them."""
    try:
        yield producer
    finally:
        try:
            producer.close()
        except DeliveryError as exc:
            log.warning("chaos: the producer reports chunks the stream app refused: %s", exc)


def count_messages(kafka: KafkaSettings, topic: str) -> int:
    """Messages in `topic` (high minus low watermark of each partition)."""
    consumer = Consumer(kafka.client_config(**{"group.id": f"chaos-{uuid.uuid4().hex[:8]}"}))
    try:
        partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
        return sum(high - low for low, high in
                   (consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30) for p in partitions))
    finally:
        consumer.close()


def run_chaos(settings: ChaosSettings) -> ChaosReport:
    """The whole run; the report is also written to workdir/report.json."""
    from producers import AudioProducer  # noqa: PLC0415
    from tooling.bench.autoscale import LiveLoad  # noqa: PLC0415
    from tooling.demo.samples import load_samples  # noqa: PLC0415
    from tooling.demo.settings import SHIPPED_SAMPLES  # noqa: PLC0415

    settings.workdir.mkdir(parents=True, exist_ok=True)
    brokers = Brokers(settings)
    kafka = KafkaSettings(bootstrap_servers=brokers.start())
    suffix = uuid.uuid4().hex[:8]
    replication = min(3, settings.nodes)
    topics = TopicSettings.suffixed("chaos", suffix, audio_partitions=8, transcript_partitions=8,
                                    rejected_partitions=1, replication_factor=replication)
    ensure_topics(kafka, topics)
    os.environ["STREAMSCRIBE_TOPIC_REPLICATION_FACTOR"] = str(replication)  # the stream app's state topic too
    plan = StackPlan(kafka=kafka, topics=topics, state_dir=settings.workdir / "state",
                     log_dir=settings.workdir / "logs", stream_app_workers=settings.stream_app_workers,
                     recognizers=settings.recognizers, decoder=settings.decoder,
                     stream_app_id=f"chaos-app-{suffix}", recognizer_group=f"chaos-recognizers-{suffix}")
    chaos_random = random.Random(settings.seed)
    try:
        with Supervisor(ready_timeout=600) as supervisor:
            start_stack(supervisor, plan)
            chaos = Chaos(settings, supervisor, brokers)
            with refusals_logged(AudioProducer(kafka=kafka, topics=topics)) as producer:
                load = LiveLoad(producer, load_samples(SHIPPED_SAMPLES), target=settings.streams)
                load.start()
                began = time.monotonic()
                next_fault = began + chaos_random.expovariate(1 / settings.fault_every_s)
                while time.monotonic() - began < settings.duration_s and load.error is None:
                    chaos.revive()
                    if time.monotonic() >= next_fault:
                        chaos.inject(chaos_random.choice(settings.faults))
                        next_fault += chaos_random.expovariate(1 / settings.fault_every_s)
                    time.sleep(0.5)  # the fault schedule's tick
                log.warning("chaos: faults over (%s); the live streams finish", dict(chaos.faults))
                load.target = 0  # the live streams finish; no new ones
                while load.is_alive():
                    chaos.revive()
                    load.join(0.5)
                brokers.await_all_back(settings.outage_s + 120)
                started = list(load.started_at)
                log.warning("chaos: %d streams were started; waiting for their results", len(started))
                settle_until = time.monotonic() + 300
                report = judge([], started, 0)
                while time.monotonic() < settle_until:  # until every stream has its eos, or 5 minutes
                    chaos.revive()
                    report = judge(read_results(kafka, topics.transcripts), started,
                                   count_messages(kafka, topics.rejected))
                    if report.complete == report.started:
                        break
                    time.sleep(5)
            report.faults = dict(chaos.faults)
            report.service_exits = chaos.service_exits
            if load.error is not None:
                report.incomplete.append(f"(the load stopped: {load.error})")
    finally:
        brokers.stop()
    (settings.workdir / "report.json").write_text(json.dumps(report.__dict__, indent=2))
    return report

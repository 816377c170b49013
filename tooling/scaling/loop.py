"""The glue of `streamscribe up --autoscale MIN:MAX`: measure each group's load, apply the policy.

Every `interval_s` each scaled service reads its consumer group's position in Kafka
(`GroupLoad`), asks its `ScalingPolicy` for a replica count and starts or retires children
through the supervisor. A started child counts at once, and no further one is started while it
warms up (the backlog that builds meanwhile is no reason for more: a recognizer takes tens of
seconds to load its model); a retired one gets SIGTERM and leaves its group cleanly. The newest
child is retired first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from confluent_kafka import Consumer, KafkaException, TopicPartition

from infra.broker import free_port
from streamscribe.settings import KafkaSettings
from tooling.demo.stack import StackPlan, recognizer_spec, start_stack, stream_app_spec
from tooling.demo.supervisor import Child, ChildSpec, Supervisor
from tooling.scaling.metrics import AutoscaleMetrics
from tooling.scaling.policy import Decision, LoadSample, ScalingPolicy
from tooling.scaling.settings import AutoscaleSettings

log = logging.getLogger(__name__)


class GroupLoad:
    """What a consumer group has produced to it and committed, read from Kafka (no member needed)."""

    def __init__(self, kafka: KafkaSettings, group: str, topic: str) -> None:
        self.topic = topic
        # same group id to read its committed offsets; never subscribes, so it never joins the group
        self._consumer = Consumer(kafka.client_config(**{"group.id": group, "enable.auto.commit": False}))

    def sample(self, timeout: float = 10.0) -> LoadSample:
        """End offsets and committed offsets summed over the topic's partitions."""
        metadata = self._consumer.list_topics(self.topic, timeout=timeout).topics[self.topic]
        partitions = [TopicPartition(self.topic, p) for p in metadata.partitions]
        produced = consumed = 0
        for committed in self._consumer.committed(partitions, timeout=timeout):
            low, high = self._consumer.get_watermark_offsets(committed, timeout=timeout)
            produced += high
            consumed += committed.offset if committed.offset >= 0 else low
        return LoadSample(time.monotonic(), produced, consumed)

    def close(self) -> None:
        self._consumer.close()


@dataclass
class ScaledService:
    """One kind of service under the autoscaler: its policy, its load and how to start one more."""

    name: str
    policy: ScalingPolicy
    load: GroupLoad
    new_child: Callable[[int], ChildSpec]
    running: list[Child] = field(default_factory=list)
    started: int = 0

    def adopt(self, children: list[Child]) -> None:
        """Children started before the autoscaler took over."""
        self.running.extend(children)
        self.started += len(children)


class Autoscaler:
    """Applies each service's policy through the supervisor."""

    def __init__(self, supervisor: Supervisor, services: list[ScaledService], interval_s: float = 2.0,
                 metrics: AutoscaleMetrics | None = None) -> None:
        self.supervisor = supervisor
        self.services = services
        self.interval_s = interval_s
        self.metrics = metrics
        for service in services:
            self._report(service)

    def tick(self) -> None:
        """One round: sample, decide, start or retire."""
        for service in self.services:
            try:
                sample = service.load.sample()
            except KafkaException as exc:  # a broker restarting: keep the replicas, ask again next round
                log.warning("autoscale %s: no load sample this round: %s", service.name, exc.args[0].str())
                continue
            service.policy.observe(sample)
            decision = service.policy.decide(len(service.running))
            if self.metrics is not None:
                self.metrics.observed(service.name, decision)
            self._apply(service, decision)

    def _apply(self, service: ScaledService, decision: Decision) -> None:
        current = len(service.running)
        if decision.replicas == current:
            return
        if decision.replicas > current and any(not child.is_ready() for child in service.running):
            return  # one is still warming up (a recognizer loads its model): judge again once it serves
        log.info(
            "autoscale %s: %d -> %d (lag %d, input %.1f/s, %s)",
            service.name, current, decision.replicas, decision.lag, decision.rate, decision.reason,
        )
        while len(service.running) < decision.replicas:
            service.running.append(self.supervisor.launch(service.new_child(service.started)))
            service.started += 1
        while len(service.running) > decision.replicas:
            self.supervisor.retire(service.running.pop())
        self._report(service, current)

    def _report(self, service: ScaledService, before: int | None = None) -> None:
        if self.metrics is not None:
            self.metrics.running(service.name, len(service.running), before)

    def run(self) -> None:
        """Until Ctrl-C (or a child dies: ChildFailed)."""
        while True:
            self.supervisor.check()
            self.tick()
            time.sleep(self.interval_s)  # the sampling period, not synchronisation

    def close(self) -> None:
        for service in self.services:
            service.load.close()


def start_autoscaled_stack(
    supervisor: Supervisor, plan: StackPlan, bounds: tuple[int, int], settings: AutoscaleSettings,
    metrics: AutoscaleMetrics | None = None,
) -> Autoscaler:
    """Start the minimum (one stream app worker, MIN recognizers) and an autoscaler over them.

    Recognizers are sized for MAX sharing this machine (torch threads = cores / MAX).
    """
    from recognizer.settings import RecognizerSettings  # noqa: PLC0415 - the group ids the services use
    from stream_app.settings import StreamAppSettings  # noqa: PLC0415

    minimum, maximum = bounds
    sized = replace(plan, recognizers=maximum)
    running = start_stack(supervisor, replace(plan, stream_app_workers=1, recognizers=minimum))
    children = {child.name: child for child in supervisor.children}
    stream_app = ScaledService(
        "stream-app",
        ScalingPolicy(settings.stream_app_rules(maximum, plan.topics.audio_partitions)),
        GroupLoad(plan.kafka, StreamAppSettings().app_id, plan.topics.chunks),
        lambda index: stream_app_spec(sized, index, free_port()),
    )
    recognizers = ScaledService(
        "recognizers",
        ScalingPolicy(settings.recognizer_rules(minimum, maximum)),
        GroupLoad(plan.kafka, RecognizerSettings().group_id, plan.topics.segments),
        lambda index: recognizer_spec(sized, index, free_port()),
    )
    for service in running:
        (stream_app if service.name.startswith("stream-app") else recognizers).adopt([children[service.name]])
    return Autoscaler(supervisor, [stream_app, recognizers], settings.interval_s, metrics)

"""The pipeline's services as supervised children: topics, stream app workers, recognizers, gateway.

Shared by `streamscribe demo` and `streamscribe up`: both start the same `streamscribe`
subcommands with explicit Kafka and topic flags, logs to files, and a metrics port each
(readiness is observed, never read from log wording: the stream app's and the recognizer's
`…_ready 1.0` metric, the gateway's `/readyz`).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from infra.broker import free_port
from infra.topics import ensure_topics
from streamscribe.settings import KafkaSettings, TopicSettings
from tooling.demo.supervisor import (
    ChildSpec,
    ReadinessProbe,
    Supervisor,
    endpoint_answers,
    metrics_endpoint_answers,
    streamscribe_command,
)

log = logging.getLogger(__name__)

# a service is ready when its metrics say so (no log wording is parsed)
STREAM_APP_READY = "streamscribe_stream_app_ready 1.0"  # faust started: partitions assigned, table recovered
RECOGNIZER_READY = "streamscribe_recognizer_ready 1.0"  # joined its group, transactions initialised
GATEWAY_READY_PATH = "/readyz"  # answers 200 once connected to Kafka and reading its partitions


@dataclass(frozen=True)
class ServicePorts:
    """First metrics port of each kind of service (0 = pick free ports); the i-th instance adds i."""

    stream_app: int = 0
    recognizer: int = 0

    def port(self, base: int, index: int) -> int:
        return free_port() if base == 0 else base + index


@dataclass(frozen=True)
class StackPlan:
    """What to run: how many of each service, with which model, against which Kafka and topics."""

    kafka: KafkaSettings
    topics: TopicSettings
    state_dir: Path
    log_dir: Path
    stream_app_workers: int = 1
    recognizers: int = 1
    model: str | None = None
    decoder: str | None = None
    ports: ServicePorts = field(default_factory=ServicePorts)
    gateway_port: int | None = None  # None: no gateway; its metrics are on its own port
    # the stream app's app id (its consumer group and stream-state table) and the recognizers'
    # consumer group; None: the services' defaults. A stack on fresh topics sets its own: with the
    # default app id the stream app restores the table an earlier stack left on the same broker,
    # and idle-closes that stack's open streams into the new topics, stamped with their old chunks' time
    stream_app_id: str | None = None
    recognizer_group: str | None = None

    @property
    def recognizer_torch_threads(self) -> int | None:
        """Several recognizers on one machine share its cores instead of each taking all of them."""
        return max(1, (os.cpu_count() or 1) // self.recognizers) if self.recognizers > 1 else None

    def kafka_arguments(self) -> list[str]:
        """--bootstrap-servers and topic names, as every service takes them."""
        return [
            "--bootstrap-servers", self.kafka.resolved_bootstrap(),
            "--chunks-topic", self.topics.chunks,
            "--segments-topic", self.topics.segments,
            "--transcripts-topic", self.topics.transcripts,
            "--rejected-topic", self.topics.rejected,
        ]


@dataclass(frozen=True)
class RunningService:
    """A started service: its name and where its metrics and log are."""

    name: str
    metrics_port: int
    log_file: Path

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics"


def _service_spec(plan: StackPlan, name: str, argv: list[str], ready: ReadinessProbe) -> ChildSpec:
    """A service child; the Kafka settings (security included) travel as KAFKA_* env vars, not argv."""
    return ChildSpec(name, argv, plan.log_dir / f"{name}.log", ready, env=plan.kafka.environment())


def _optional_flags(flags: dict[str, object | None]) -> list[str]:
    """`flag value` for each flag that has a value; a flag whose value is None is left out, so the
    service keeps its own default."""
    return [part for flag, value in flags.items() if value is not None for part in (flag, str(value))]


def stream_app_spec(plan: StackPlan, index: int, port: int) -> ChildSpec:
    """The index-th stream app worker."""
    name = f"stream-app-{index}"
    workdir = plan.state_dir / "stream-app" / f"worker-{index}"
    flags = _optional_flags({"--app-id": plan.stream_app_id})
    argv = streamscribe_command(
        "stream-app", *plan.kafka_arguments(), *flags, "--workdir", str(workdir), "--metrics-port", str(port)
    )
    return _service_spec(plan, name, argv, metrics_endpoint_answers(port, STREAM_APP_READY))


def recognizer_spec(plan: StackPlan, index: int, port: int) -> ChildSpec:
    """The index-th recognizer group member."""
    name = f"recognizer-{index}"
    flags = _optional_flags({"--model": plan.model, "--decoder": plan.decoder,
                            "--torch-threads": plan.recognizer_torch_threads, "--group-id": plan.recognizer_group})
    argv = streamscribe_command("recognizer", *plan.kafka_arguments(), *flags, "--metrics-port", str(port))
    return _service_spec(plan, name, argv, metrics_endpoint_answers(port, RECOGNIZER_READY))


def gateway_spec(plan: StackPlan, port: int) -> ChildSpec:
    """The WebSocket/HTTP gateway (its API keys, if any, reach it in the inherited environment)."""
    argv = streamscribe_command("gateway", *plan.kafka_arguments(), "--port", str(port))
    return _service_spec(plan, "gateway", argv, endpoint_answers(port, GATEWAY_READY_PATH))


def start_stack(supervisor: Supervisor, plan: StackPlan) -> list[RunningService]:
    """Create missing topics, then start every service and wait until each is ready."""
    created = ensure_topics(plan.kafka, plan.topics)
    if created:
        log.info("created topics %s", ", ".join(created))
    specs: list[tuple[ChildSpec, int]] = []
    for index in range(plan.stream_app_workers):
        port = plan.ports.port(plan.ports.stream_app, index)
        specs.append((stream_app_spec(plan, index, port), port))
    for index in range(plan.recognizers):
        port = plan.ports.port(plan.ports.recognizer, index)
        specs.append((recognizer_spec(plan, index, port), port))
    if plan.gateway_port is not None:
        port = plan.gateway_port or free_port()
        specs.append((gateway_spec(plan, port), port))
    supervisor.start_all([spec for spec, _ in specs])
    return [RunningService(spec.name, port, spec.log_file) for spec, port in specs]

"""The pipeline's services as supervised children: topics, stream app workers, recognizers, gateway.

Shared by `streamscribe demo` and `streamscribe up`: both start the same `streamscribe`
subcommands with explicit Kafka and topic flags, logs to files, and a metrics port each
(readiness = the metrics endpoint answers with the service's own metrics and the service has
logged that it consumes: faust's worker "Ready", the recognizer's "reading <topic>").
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from infra.broker import free_port
from infra.topics import ensure_topics
from streamscribe.demo.supervisor import (
    ChildSpec,
    Supervisor,
    all_of,
    log_line_appears,
    metrics_endpoint_answers,
    streamscribe_command,
)
from streamscribe.settings import KafkaSettings, TopicSettings

log = logging.getLogger(__name__)

STREAM_APP_READY_METRIC = "streamscribe_stream_app_"
STREAM_APP_READY_LINE = r"Worker\]: Ready"  # faust logs it once the worker has its partitions
RECOGNIZER_READY_METRIC = "streamscribe_recognizer_"
RECOGNIZER_READY_LINE = r"recognizer \S+ reading "
GATEWAY_READY_METRIC = "streamscribe_gateway_"
GATEWAY_READY_LINE = r"gateway listening on "


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


def _service_spec(plan: StackPlan, name: str, argv: list[str], port: int, metric: str, ready_line: str) -> ChildSpec:
    """A service child; the Kafka settings (security included) travel as KAFKA_* env vars, not argv."""
    log_file = plan.log_dir / f"{name}.log"
    ready = all_of(metrics_endpoint_answers(port, metric), log_line_appears(log_file, ready_line))
    return ChildSpec(name, argv, log_file, ready, env=plan.kafka.environment())


def stream_app_spec(plan: StackPlan, index: int, port: int) -> ChildSpec:
    """The index-th stream app worker."""
    name = f"stream-app-{index}"
    workdir = plan.state_dir / "stream-app" / f"worker-{index}"
    argv = streamscribe_command(
        "stream-app", *plan.kafka_arguments(), "--workdir", str(workdir), "--metrics-port", str(port)
    )
    return _service_spec(plan, name, argv, port, STREAM_APP_READY_METRIC, STREAM_APP_READY_LINE)


def recognizer_spec(plan: StackPlan, index: int, port: int) -> ChildSpec:
    """The index-th recognizer group member."""
    name = f"recognizer-{index}"
    optional = {"--model": plan.model, "--decoder": plan.decoder, "--torch-threads": plan.recognizer_torch_threads}
    flags = [part for flag, value in optional.items() if value is not None for part in (flag, str(value))]
    argv = streamscribe_command("recognizer", *plan.kafka_arguments(), *flags, "--metrics-port", str(port))
    return _service_spec(plan, name, argv, port, RECOGNIZER_READY_METRIC, RECOGNIZER_READY_LINE)


def gateway_spec(plan: StackPlan, port: int) -> ChildSpec:
    """The WebSocket/HTTP gateway (its API keys, if any, reach it in the inherited environment)."""
    argv = streamscribe_command("gateway", *plan.kafka_arguments(), "--port", str(port))
    return _service_spec(plan, "gateway", argv, port, GATEWAY_READY_METRIC, GATEWAY_READY_LINE)


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

"""Prometheus can scrape every service: `streamscribe up` with metrics ports, a little load,
then each /metrics endpoint over HTTP names its component's metrics and the counters move."""

from __future__ import annotations

import signal
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from infra.broker import free_port
from producers import AudioProducer
from streamscribe.settings import KafkaSettings, TopicSettings
from tests.observability.metric_names import SERVICE_FAMILIES
from tests.terminal import as_from_terminal
from tooling.demo.samples import load_samples
from tooling.demo.settings import SHIPPED_SAMPLES
from tooling.demo.stack import RECOGNIZER_READY, STREAM_APP_READY
from tooling.demo.supervisor import ChildSpec, Supervisor, metrics_endpoint_answers

pytestmark = [pytest.mark.broker, pytest.mark.slow]

MOVING_UNDER_LOAD = {
    "stream_app": ("streamscribe_stream_app_chunks_total",),
    "recognizer": ("streamscribe_recognizer_audio_seconds_total", "streamscribe_recognizer_segments_total"),
}


def scrape(port: int) -> tuple[set[str], dict[str, float]]:
    """Family names, and each sample name's value summed over its label sets."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    families, totals = set(), {}
    for family in text_string_to_metric_families(text):
        families.add(family.name)
        for sample in family.samples:
            totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
    return families, totals


def send_speech(kafka: KafkaSettings, topics: TopicSettings, streams: int) -> None:
    """A few sample utterances as whole streams, as fast as Kafka takes them."""
    with AudioProducer(kafka, topics) as producer:
        for index, sample in enumerate(load_samples(SHIPPED_SAMPLES, limit=streams)):
            stream = producer.open_stream(f"metrics-test-{index}", sample.sample_rate)
            stream.write(sample.pcm)
            stream.close()


def test_every_service_serves_its_metrics_and_they_move_under_load(
    kafka_settings: KafkaSettings, topic_settings: TopicSettings, unique_suffix: str, tmp_path: Path
) -> None:
    ports = {"stream_app": free_port(), "recognizer": free_port()}
    log_file = tmp_path / "up.log"
    argv = as_from_terminal([
        sys.executable, "-m", "tooling.cli", "up",
        "--bootstrap-servers", kafka_settings.resolved_bootstrap(),
        "--chunks-topic", topic_settings.chunks, "--segments-topic", topic_settings.segments,
        "--transcripts-topic", topic_settings.transcripts, "--rejected-topic", topic_settings.rejected,
        "--stream-app-metrics-port", str(ports["stream_app"]),
        "--recognizer-metrics-port", str(ports["recognizer"]),
        "--log-dir", str(tmp_path / "logs"),
    ])  # up must see the test's Ctrl-C even when the test run was started with SIGINT ignored
    env = {
        "STREAMSCRIBE_STREAM_APP_APP_ID": f"metrics-test-stream-app-{unique_suffix}",
        "STREAMSCRIBE_HOME": str(tmp_path / "home"),
        "STREAMSCRIBE_RECOGNIZER_GROUP_ID": f"metrics-test-recognizers-{unique_suffix}",
    }
    with Supervisor(ready_timeout=180) as supervisor:
        services_ready = (metrics_endpoint_answers(ports["stream_app"], STREAM_APP_READY),
                          metrics_endpoint_answers(ports["recognizer"], RECOGNIZER_READY))
        up = supervisor.start(ChildSpec("up", argv, log_file, lambda: all(ready() for ready in services_ready), env))
        before = {service: scrape(port) for service, port in ports.items()}
        for service, defined_families in SERVICE_FAMILIES.items():
            families, _ = before[service]
            missing = set(defined_families()) - families
            assert not missing, f"{service} does not export {sorted(missing)}"

        send_speech(kafka_settings, topic_settings, streams=2)
        deadline = time.monotonic() + 120
        pending = {(service, name) for service, names in MOVING_UNDER_LOAD.items() for name in names}
        while pending and time.monotonic() < deadline:
            supervisor.check()
            for service, name in sorted(pending):
                if scrape(ports[service])[1].get(name, 0.0) > before[service][1].get(name, 0.0):
                    pending.discard((service, name))
            time.sleep(0.5)  # scrape interval while waiting for the counters to move
        assert not pending, f"metrics that did not move under load: {sorted(pending)}"

        up.process.send_signal(signal.SIGINT)  # Ctrl-C: up stops its services and exits cleanly
        assert up.process.wait(timeout=60) == 0
    for port in ports.values():
        assert not metrics_endpoint_answers(port)()
    assert "Traceback" not in log_file.read_text()

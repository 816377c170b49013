"""docker-compose.yml, Prometheus and Grafana configs agree with the code they deploy.

No Docker engine runs here, so the files are checked structurally: each container command is
parsed by the real `streamscribe` parser, mounted files exist, Prometheus scrapes the port the
services serve metrics on, and every metric the dashboard plots is one a component defines.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from streamscribe.paths import REPO_ROOT
from tests.observability.metric_names import all_sample_names
from tooling.cli import COMMAND_MODULES, build_parser

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
PROMETHEUS = yaml.safe_load((REPO_ROOT / "infra/prometheus/prometheus.yml").read_text())
DASHBOARD = json.loads((REPO_ROOT / "infra/grafana/dashboards/streamscribe.json").read_text())
EXPORTER_METRICS = {"kafka_consumergroup_lag"}
CONTAINER_METRICS_PORT = 9100


def streamscribe_services() -> dict[str, dict]:
    return {name: spec for name, spec in SERVICES.items() if spec.get("image", "").startswith("streamscribe")}


def test_compose_runs_the_whole_stack() -> None:
    assert {"kafka", "topics", "stream-app", "recognizer", "kafka-exporter", "prometheus", "grafana"} <= set(SERVICES)
    kafka = SERVICES["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper


@pytest.mark.parametrize("service", sorted(streamscribe_services()))
def test_each_container_command_is_a_real_subcommand(service: str) -> None:
    command = [str(part) for part in SERVICES[service]["command"]]
    args = build_parser().parse_args(command)
    assert args.command == command[0]
    assert callable(args.func)


def test_services_serve_metrics_where_prometheus_scrapes() -> None:
    jobs = {job["job_name"]: job for job in PROMETHEUS["scrape_configs"]}
    for service in ("stream-app", "recognizer"):
        command = [str(part) for part in SERVICES[service]["command"]]
        assert int(command[command.index("--metrics-port") + 1]) == CONTAINER_METRICS_PORT
        (discovery,) = jobs[service]["dns_sd_configs"]
        assert discovery["names"] == [service] and discovery["port"] == CONTAINER_METRICS_PORT
    exporter_target = jobs["kafka"]["static_configs"][0]["targets"][0]
    assert exporter_target.split(":")[0] in SERVICES


def test_recognizers_reserve_a_gpu_and_the_topic_job_runs_first() -> None:
    recognizer = SERVICES["recognizer"]
    (device,) = recognizer["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    for service in ("stream-app", "recognizer"):
        assert SERVICES[service]["depends_on"]["topics"]["condition"] == "service_completed_successfully"


def test_mounted_config_files_exist() -> None:
    for spec in SERVICES.values():
        for volume in spec.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (REPO_ROOT / source).exists(), volume
    build = SERVICES["stream-app"]["build"]
    assert (REPO_ROOT / build["context"] / build["dockerfile"]).is_file()


def test_dashboard_plots_only_metrics_that_exist() -> None:
    defined = all_sample_names() | EXPORTER_METRICS
    expressions = [target["expr"] for panel in DASHBOARD["panels"] for target in panel["targets"]]
    used = {name for expr in expressions for name in re.findall(r"\b(streamscribe_\w+|kafka_\w+)", expr)}
    assert used, "the dashboard plots nothing"
    assert used <= defined, f"unknown metrics: {sorted(used - defined)}"


def test_dashboard_covers_streams_throughput_lag_latency_and_real_time_factor() -> None:
    titles = " ".join(panel["title"].lower() for panel in DASHBOARD["panels"])
    for topic in ("streams", "throughput", "lag", "latency", "real-time factor"):
        assert topic in titles


def test_grafana_provisioning_points_at_the_dashboards_folder() -> None:
    provider = yaml.safe_load((REPO_ROOT / "infra/grafana/provisioning/dashboards/streamscribe.yml").read_text())
    mounted = {v.split(":")[1]: Path(v.split(":")[0]) for v in SERVICES["grafana"]["volumes"]}
    dashboards_dir = provider["providers"][0]["options"]["path"]
    assert (REPO_ROOT / mounted[dashboards_dir] / "streamscribe.json").is_file()


def test_the_image_holds_every_package_the_cli_imports() -> None:
    dockerfile = (REPO_ROOT / "infra/docker/Dockerfile").read_text().splitlines()
    copied = {line.split()[1] for line in dockerfile if line.startswith("COPY ") and "--from" not in line}
    ignored = set((REPO_ROOT / "infra/docker/Dockerfile.dockerignore").read_text().split())
    for module in COMMAND_MODULES:
        package = module.split(".")[0]
        assert package in copied and package not in ignored, package

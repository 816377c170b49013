"""Describe the machine a benchmark ran on: CPU, cores, memory, GPU and software versions."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psutil

from streamscribe.paths import REPO_ROOT, cache_home

VERSIONED_PACKAGES = (
    "streamscribe", "torch", "nemo_toolkit", "faust-streaming", "confluent-kafka", "pyctcdecode", "kenlm",
)


def cpu_model() -> str:
    """The CPU's marketing name from /proc/cpuinfo (platform's guess elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def gpu_names() -> list[str]:
    """Names and memory of the NVIDIA GPUs (empty without a GPU or its driver)."""
    nvidia_smi = shutil.which("nvidia-smi")
    if nvidia_smi is None:
        return []
    result = subprocess.run(
        [nvidia_smi, "--query-gpu=name,memory.total", "--format=csv,noheader"],
        capture_output=True, text=True, check=False,
    )
    return [line.strip() for line in result.stdout.splitlines() if line.strip()]


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape the results."""
    versions: dict[str, str] = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    try:
        import confluent_kafka  # noqa: PLC0415

        versions["librdkafka"] = confluent_kafka.libversion()[0]
    except ImportError:
        pass
    kafka_jars = sorted((cache_home() / "kafka" / "libs").glob("kafka_*.jar"))
    if kafka_jars:
        versions["kafka broker"] = kafka_jars[0].stem.split("-", 1)[-1]
    return versions


def git_commit() -> str:
    """The checked-out commit of this repository, or 'unknown'."""
    result = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True, check=False,
    )
    return result.stdout.strip() or "unknown"


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages, to 2 decimals: the load every benchmark row records."""
    return [round(value, 2) for value in os.getloadavg()]


def describe_machine() -> dict[str, object]:
    """Everything a reader needs to compare a benchmark with another run."""
    memory = psutil.virtual_memory()
    return {
        "hostname": platform.node(),
        "os": f"{platform.system()} {platform.release()}",
        "cpu": cpu_model(),
        "logical_cores": psutil.cpu_count(logical=True),
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_gib": round(memory.total / 2**30, 1),
        "gpus": gpu_names(),
        "git_commit": git_commit(),
        "versions": package_versions(),
    }


def embedded_broker_process(kafka: Any) -> psutil.Process | None:
    """The embedded broker's process, when that is the broker in use (benchmarks report its CPU)."""
    from infra.broker import EmbeddedBroker  # noqa: PLC0415

    broker = EmbeddedBroker.default()
    pid = broker.pid()
    if pid is None or kafka.bootstrap_servers != broker.bootstrap_servers:
        return None
    return psutil.Process(pid)

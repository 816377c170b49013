"""One 3-node Kafka cluster for every cluster test, started and stopped the way a user does it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.cluster import BrokerCluster

NODES = 3


def streamscribe(home: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run the console command in a fresh interpreter with STREAMSCRIBE_HOME=home."""
    env = {**os.environ, "STREAMSCRIBE_HOME": str(home)}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    return subprocess.run(
        [sys.executable, "-m", "tooling.cli", *args],
        env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )


@pytest.fixture(scope="session")
def cluster_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """STREAMSCRIBE_HOME of a running 3-node cluster (`broker start --nodes 3`, then `broker stop`)."""
    home = tmp_path_factory.mktemp("cluster-home")
    started = streamscribe(home, "broker", "start", "--nodes", str(NODES))
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield home
    finally:
        stopped = streamscribe(home, "broker", "stop")
        assert stopped.returncode == 0 and f"cluster stopped ({NODES} nodes)" in stopped.stdout, stopped.stdout


@pytest.fixture(scope="session")
def broker_cluster(cluster_home: Path) -> BrokerCluster:
    """The running cluster, to kill and restart its nodes."""
    return BrokerCluster(cluster_home / "cluster", nodes=NODES)

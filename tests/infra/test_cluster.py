"""Stopping the embedded cluster (no broker needed: the nodes are stand-in processes)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from infra.broker import EmbeddedBroker
from infra.cluster import BrokerCluster

IGNORES_SIGTERM = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); " \
                  "time.sleep(600)"


def test_nodes_that_ignore_sigterm_share_one_timeout_and_are_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # after the broker-loss test all three nodes hung in their shutdown, and 60 s of waiting for
    # each in turn made `broker stop` take 183 s
    cluster = BrokerCluster(tmp_path / "cluster", nodes=3)
    nodes = []
    for node_id in range(1, 4):
        home = cluster.home / f"node-{node_id}"
        home.mkdir(parents=True)
        (home / "server.properties").write_text(f"node.id={node_id}\n")
        process = subprocess.Popen([sys.executable, "-c", IGNORES_SIGTERM], stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None and process.stdout.readline() == "ready\n"  # SIGTERM ignored from now
        EmbeddedBroker(home).pid_file.write_text(str(process.pid))
        nodes.append(process)
    waits: list[float] = []  # what each node's wait was given (the real wait runs)
    real_await_exit = EmbeddedBroker.await_exit

    def await_exit(self: EmbeddedBroker, pid: int, timeout: float) -> None:
        waits.append(timeout)
        real_await_exit(self, pid, timeout)

    monkeypatch.setattr(EmbeddedBroker, "await_exit", await_exit)
    try:
        assert cluster.stop(timeout=1.0)
        assert [process.wait(10) for process in nodes] == [-signal.SIGKILL] * 3
        assert not any(EmbeddedBroker(home).pid_file.exists() for home in cluster.node_homes())
        assert len(waits) == 3 and sum(waits) <= 1.0, waits  # one timeout for all, not one per node
    finally:
        for process in nodes:
            process.kill()
            process.wait()

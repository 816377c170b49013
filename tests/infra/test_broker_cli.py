"""`streamscribe broker start|status|stop` as a user runs it: a subprocess with its own home."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient

from infra.broker import EmbeddedBroker

pytestmark = pytest.mark.broker


def streamscribe(home: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the console command in a fresh interpreter with STREAMSCRIBE_HOME=home."""
    env = {**os.environ, "STREAMSCRIBE_HOME": str(home)}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "tooling.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_start_status_stop(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert streamscribe(home, "broker", "status").returncode == 1
    try:
        started = streamscribe(home, "broker", "start")
        assert started.returncode == 0, started.stderr
        bootstrap = EmbeddedBroker(home / "broker").bootstrap_servers  # where the state says it listens
        assert AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).brokers
        assert bootstrap in started.stdout  # and the command told the user

        status = streamscribe(home, "broker", "status")
        assert status.returncode == 0
        assert f"running at {bootstrap}" in status.stdout

        again = streamscribe(home, "broker", "start")
        assert again.returncode == 0
        assert bootstrap in again.stdout
    finally:
        stopped = streamscribe(home, "broker", "stop")
    assert stopped.returncode == 0
    assert "broker stopped" in stopped.stdout
    status = streamscribe(home, "broker", "status")
    assert (status.returncode, status.stdout.strip()) == (1, "not running")
    assert "was not running" in streamscribe(home, "broker", "stop").stdout


def test_missing_java_is_a_clear_error(tmp_path: Path) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    result = streamscribe(tmp_path / "home", "broker", "start", path=str(empty_bin))
    assert result.returncode == 2
    assert "Java" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "home" / "broker" / "broker.pid").exists()

"""EmbeddedBroker's handling of its process (no broker: a stand-in process)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.broker import EmbeddedBroker
from streamscribe.paths import REPO_ROOT

AWAIT_EXIT = "import sys; from pathlib import Path; from infra.broker import EmbeddedBroker; " \
             "EmbeddedBroker(Path(sys.argv[1])).await_exit(int(sys.argv[2]), timeout=600)"


@contextmanager
def zombie() -> Iterator[int]:
    """A child process that has exited and is not reaped until the block ends: its pid."""
    node = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        os.waitid(os.P_PID, node.pid, os.WEXITED | os.WNOWAIT)  # waits for the exit, leaves it unreaped
        yield node.pid
    finally:
        node.wait()


def broker_with_pid(home: Path, pid: int) -> EmbeddedBroker:
    """An EmbeddedBroker whose pid file names `pid`."""
    broker = EmbeddedBroker(home)
    broker.home.mkdir()
    broker.pid_file.write_text(str(pid))
    return broker


def test_a_broker_process_that_exited_but_is_not_reaped_is_not_running(tmp_path: Path) -> None:
    # kill(pid, 0) succeeds for a zombie: `broker status` listed such a node as running
    with zombie() as pid:
        assert broker_with_pid(tmp_path / "node-1", pid).pid() is None


def test_a_live_broker_process_is_running(tmp_path: Path) -> None:
    # it reads until its stdin closes, which leaving the block does (then waits for it)
    with subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE) as node:
        assert broker_with_pid(tmp_path / "node-1", node.pid).pid() == node.pid


def test_awaiting_the_exit_of_a_node_started_by_another_process_returns_once_it_exited(tmp_path: Path) -> None:
    # a node the broker-loss test restarts is the test process's child: stopped by `broker stop`
    # (another process) it stays a zombie until the test reaps it, and was waited on for the whole
    # stop timeout as if it still ran (3 nodes x 60 s of that test's 384 s)
    with zombie() as pid:
        broker = broker_with_pid(tmp_path / "node-1", pid)
        waited = subprocess.run([sys.executable, "-c", AWAIT_EXIT, str(broker.home), str(pid)], cwd=REPO_ROOT,
                                capture_output=True, text=True, timeout=60, check=False)  # 600 s would time out here
        assert waited.returncode == 0, waited.stderr
        assert not broker.pid_file.exists()

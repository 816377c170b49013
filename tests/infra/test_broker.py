"""EmbeddedBroker's handling of its process (no broker: a stand-in process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from infra.broker import EmbeddedBroker
from streamscribe.paths import REPO_ROOT

STOP = "import sys; from pathlib import Path; from infra.broker import EmbeddedBroker; " \
       "print(EmbeddedBroker(Path(sys.argv[1])).stop(timeout=600))"


def test_stopping_a_node_that_exited_but_was_started_by_another_process_returns_at_once(tmp_path: Path) -> None:
    # a node the broker-loss test restarts is the test process's child: stopped by `broker stop`
    # (another process) it stays a zombie until the test reaps it, and was waited on for the whole
    # stop timeout as if it still ran (3 nodes x 60 s of that test's 384 s)
    node = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        os.waitid(os.P_PID, node.pid, os.WEXITED | os.WNOWAIT)  # it has exited and is not reaped: a zombie
        broker = EmbeddedBroker(tmp_path / "node-1")
        broker.home.mkdir()
        broker.pid_file.write_text(str(node.pid))
        stopped = subprocess.run([sys.executable, "-c", STOP, str(broker.home)], cwd=REPO_ROOT, capture_output=True,
                                 text=True, timeout=60, check=False)  # waiting out the 600 s would time out here
        assert (stopped.returncode, stopped.stdout.strip()) == (0, "True"), stopped.stderr
        assert not broker.pid_file.exists()
    finally:
        node.wait()

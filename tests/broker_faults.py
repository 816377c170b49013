"""Faults a test inflicts on an embedded broker of its own (the `own_broker` fixture)."""

from __future__ import annotations

import os
import signal

from infra.broker import EmbeddedBroker

DEAD_FOR_S = 3.0  # how long the broker stays dead before the test's next step (the scenario, not a wait for an event)


def kill_broker(broker: EmbeddedBroker) -> None:
    """SIGKILL the broker, as a crash would, and wait until its process is gone."""
    pid = broker.pid()
    assert pid is not None, "the broker is not running"
    os.kill(pid, signal.SIGKILL)
    broker.await_exit(pid, timeout=30)

"""FreezeWatch: a gap in the process's own time keeping, noticed whichever runs first (pure)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from stream_app.freeze import FreezeWatch


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_gap_is_noticed_before_and_after_the_next_beat_until_cleared() -> None:
    clock = Clock()
    watch = FreezeWatch(limit_s=6.0, clock=clock)
    clock.now += 5.9
    assert watch.frozen_for() is None  # shorter than the session: the membership still holds
    clock.now += 4.0  # stopped: nothing beat for 9.9 s
    assert watch.frozen_for() == pytest.approx(9.9)  # asked before the watch thread beat again
    watch.beat()
    clock.now += 0.5
    assert watch.frozen_for() == pytest.approx(9.9)  # and after it did
    watch.clear()
    clock.now += 0.5
    assert watch.frozen_for() is None


def test_a_real_sigstop_longer_than_the_limit_is_noticed() -> None:
    script = ("import time; from stream_app.freeze import FreezeWatch; w = FreezeWatch(1.0, beat_s=0.05); "
              "w.start(); print('ready', flush=True); input(); print(w.frozen_for(), flush=True)")
    child = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        assert child.stdout.readline().strip() == "ready"
        child.send_signal(signal.SIGSTOP)
        time.sleep(1.5)  # the fault itself: the child does not run meanwhile
        child.send_signal(signal.SIGCONT)
        child.stdin.write("\n")
        child.stdin.flush()
        gap = float(child.stdout.readline())
        assert 1.4 <= gap < 5
    finally:
        child.kill()
        child.wait()

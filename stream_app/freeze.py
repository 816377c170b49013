"""Whether this process was stopped (SIGSTOP, a paused VM, a debugger) longer than its group session.

A worker frozen that long has been dropped from the consumer group: its partitions belong to
another worker, which has carried the streams on. When it runs again it still holds their old
state, and until its consumer learns of the rebalance it would emit segments cut from that state
and write checkpoints that override the newer ones (the offset commits of a stale generation are
refused; the changelog has no such fence). `FreezeWatch` lets it notice first: a thread notes the
time every `beat_s`, so a gap of `limit_s` between notes, or a note that old when asked, means
that no thread of the process ran for that long.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class FreezeWatch:
    """Notices that the process did not run for `limit_s` or longer (call `start` once)."""

    def __init__(self, limit_s: float, beat_s: float = 0.5, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit_s = limit_s
        self._beat_s = beat_s
        self._clock = clock
        self._last = clock()
        self._longest_gap = 0.0  # the longest gap noticed since `clear`
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def start(self) -> None:
        """Beat in a daemon thread until `stop`."""
        threading.Thread(target=self._run, name="freeze-watch", daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()

    def beat(self) -> None:
        """Note the time (the thread does this every `beat_s`)."""
        with self._lock:
            now = self._clock()
            self._longest_gap = max(self._longest_gap, now - self._last)
            self._last = now

    def frozen_for(self) -> float | None:
        """The longest gap of `limit_s` or more since `clear` (the current one included), else None."""
        with self._lock:
            gap = max(self._longest_gap, self._clock() - self._last)
        return gap if gap >= self.limit_s else None

    def clear(self) -> None:
        """Forget the gaps noticed so far (the group has assigned partitions again)."""
        with self._lock:
            self._last = self._clock()
            self._longest_gap = 0.0

    def _run(self) -> None:
        while not self._stopped.wait(self._beat_s):
            self.beat()

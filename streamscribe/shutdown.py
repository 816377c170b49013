"""The last resort after SIGTERM: a hard deadline that ends the process when its shutdown hangs.

A service's own shutdown commits and flushes through its Kafka clients, and some of those calls
block for good on a dead broker (faust's consumer thread, for one: issue 22). Once asked to stop,
a service arms a `ShutdownDeadline`; if it has not exited when the deadline passes, a daemon
thread logs what it abandons and ends the process at once with `ABANDONED_EXIT_STATUS`. That is no
worse than a SIGKILL, which every service survives by design: what was committed stays committed,
and input not committed yet is read again by the next owner of its partitions.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

ABANDONED_EXIT_STATUS = 75  # EX_TEMPFAIL: the shutdown was cut short; what it abandoned is redone elsewhere


def nothing_to_report() -> str:
    """The default account of an abandoned shutdown."""
    return "nothing recorded"


class ShutdownDeadline:
    """Ends the process `seconds` after `arm()` unless it has exited by then (each arm after the first is ignored)."""

    def __init__(self, service: str, seconds: float, abandoned: Callable[[], str] = nothing_to_report,
                 exit_now: Callable[[int], None] = os._exit) -> None:
        self.service = service
        self.seconds = seconds
        self._abandoned = abandoned
        self._exit_now = exit_now
        self._timer: threading.Timer | None = None

    @property
    def armed(self) -> bool:
        """True once a stop was asked for."""
        return self._timer is not None

    def arm(self) -> None:
        """Start counting (call it where the stop is asked for, e.g. the SIGTERM handler)."""
        if self._timer is not None:
            return
        log.info("%s: stopping; it is ended in %.0f s if its shutdown hangs", self.service, self.seconds)
        self._timer = threading.Timer(self.seconds, self._expire)
        self._timer.name = f"{self.service}-shutdown-deadline"
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        """The shutdown finished in time (for callers that go on living, e.g. tests)."""
        if self._timer is not None:
            self._timer.cancel()

    def _expire(self) -> None:
        try:
            abandoned = self._abandoned()
        except Exception as exc:  # noqa: BLE001 - the exit must happen whatever the account does
            abandoned = f"(could not be described: {exc!r})"
        log.error("%s: shutdown still not finished %.0f s after the stop was asked for; exiting with status %d, "
                  "abandoning: %s", self.service, self.seconds, ABANDONED_EXIT_STATUS, abandoned)
        for handler in logging.getLogger().handlers:
            handler.flush()
        sys.stderr.flush()
        self._exit_now(ABANDONED_EXIT_STATUS)

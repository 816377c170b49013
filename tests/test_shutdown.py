"""The hard deadline after a stop request: it ends the process only when the shutdown hangs."""

from __future__ import annotations

import threading

import pytest

from streamscribe.shutdown import ABANDONED_EXIT_STATUS, ShutdownDeadline


class ExitRecorder:
    """Stands in for os._exit: records the status and lets the test wait for it."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.called = threading.Event()

    def __call__(self, status: int) -> None:
        self.status = status
        self.called.set()


def test_a_hanging_shutdown_is_ended_with_its_status_and_what_it_abandons(caplog: pytest.LogCaptureFixture) -> None:
    recorder = ExitRecorder()
    deadline = ShutdownDeadline("svc", 0.05, lambda: "3 open streams", exit_now=recorder)
    assert not deadline.armed
    deadline.arm()
    deadline.arm()  # a second signal does not restart the count
    assert recorder.called.wait(10)
    assert recorder.status == ABANDONED_EXIT_STATUS
    assert "abandoning: 3 open streams" in caplog.text


def test_a_shutdown_that_finishes_in_time_exits_on_its_own() -> None:
    recorder = ExitRecorder()
    deadline = ShutdownDeadline("svc", 0.2, exit_now=recorder)
    deadline.arm()
    deadline.cancel()
    assert not recorder.called.wait(0.5)


def test_an_account_that_fails_does_not_stop_the_exit() -> None:
    recorder = ExitRecorder()

    def broken() -> str:
        raise RuntimeError("state gone")

    ShutdownDeadline("svc", 0.01, broken, exit_now=recorder).arm()
    assert recorder.called.wait(10) and recorder.status == ABANDONED_EXIT_STATUS

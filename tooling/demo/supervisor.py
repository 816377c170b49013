"""Run services as child processes: start, wait until ready, watch, stop in reverse order.

Used by `streamscribe demo` and `streamscribe up`. Each child is a `streamscribe` subcommand
whose output goes to its own log file; readiness is an event (its metrics endpoint answers,
a line appears in its log), never a fixed sleep. Children get SIGTERM when the supervisor's
process dies (Linux parent-death signal through `setpriv`), so nothing is left behind.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from streamscribe.errors import StreamscribeError

log = logging.getLogger(__name__)

ReadinessProbe = Callable[[], bool]
POLL_INTERVAL = 0.2


class ChildFailed(StreamscribeError):
    """A child service exited, or did not become ready in time."""


def endpoint_answers(port: int, path: str, required_text: str | None = None) -> ReadinessProbe:
    """Probe: http://127.0.0.1:PORT/PATH answers 200 (and its body holds `required_text`, if given)."""

    def probe() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1.0) as response:
                body = response.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError):
            return False
        return required_text is None or required_text in body

    return probe


def metrics_endpoint_answers(port: int, required_metric: str | None = None) -> ReadinessProbe:
    """Probe: http://127.0.0.1:PORT/metrics answers 200 (and names `required_metric`, if given)."""
    return endpoint_answers(port, "/metrics", required_metric)


def log_line_appears(log_file: Path, pattern: str) -> ReadinessProbe:
    """Probe: a line matching the regular expression `pattern` is in `log_file`."""
    regex = re.compile(pattern)

    def probe() -> bool:
        try:
            text = log_file.read_text(errors="replace")
        except FileNotFoundError:
            return False
        return regex.search(text) is not None

    return probe


def interrupt_on_sigterm() -> None:
    """Treat SIGTERM (docker stop, a parent supervisor) like Ctrl-C, so clean-up code runs."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


@contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM meanwhile (only the main thread can change signal handling)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def streamscribe_command(*args: str) -> list[str]:
    """argv running a `streamscribe` subcommand with this interpreter."""
    return [sys.executable, "-m", "tooling.cli", *args]


def _with_parent_death_signal(argv: Sequence[str]) -> list[str]:
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", *argv] if setpriv else list(argv)


@dataclass
class ChildSpec:
    """What to run: a name for messages, its argv, where its output goes, how to see it is ready."""

    name: str
    argv: list[str]
    log_file: Path
    ready: ReadinessProbe | None = None
    env: dict[str, str] = field(default_factory=dict)


class Child:
    """One running child process."""

    def __init__(self, spec: ChildSpec) -> None:
        self.spec = spec
        spec.log_file.parent.mkdir(parents=True, exist_ok=True)
        if spec.log_file.exists():  # keep the previous run's log; readiness must see only this run's
            spec.log_file.replace(spec.log_file.with_name(spec.log_file.name + ".previous"))
        with spec.log_file.open("wb") as log_out:
            self.process = subprocess.Popen(
                _with_parent_death_signal(spec.argv),
                stdout=log_out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **spec.env},
                start_new_session=True,  # Ctrl-C reaches only us; we stop children in order
            )
        log.info("started %s (pid %d, log %s)", spec.name, self.process.pid, spec.log_file)

    @property
    def name(self) -> str:
        return self.spec.name

    def exit_code(self) -> int | None:
        """The exit status, or None while it runs."""
        return self.process.poll()

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of the child's log, for error messages."""
        try:
            text = self.spec.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def failure(self, what: str) -> ChildFailed:
        """A ChildFailed naming this child, its log file and the log's last lines."""
        return ChildFailed(
            f"{self.name} {what} (log: {self.spec.log_file}); last lines:\n{self.log_tail()}"
        )

    def is_ready(self) -> bool:
        """True once its readiness probe holds (and it still runs)."""
        return self.exit_code() is None and (self.spec.ready is None or self.spec.ready())

    def wait_ready(self, timeout: float) -> None:
        """Block until the readiness probe holds; ChildFailed if it exits or times out."""
        deadline = time.monotonic() + timeout
        while True:
            code = self.exit_code()
            if code is not None:
                raise self.failure(f"exited with status {code} during start-up")
            if self.spec.ready is None or self.spec.ready():
                return
            if time.monotonic() > deadline:
                raise self.failure(f"was not ready after {timeout:.0f}s")
            time.sleep(POLL_INTERVAL)

    def stop(self, grace: float) -> None:
        """SIGTERM, then SIGKILL when it has not exited after `grace` seconds."""
        self.request_stop()
        self.await_stop(time.monotonic() + grace)

    def request_stop(self) -> None:
        """SIGTERM (unless it has exited), without waiting."""
        if self.exit_code() is None:
            self.process.send_signal(signal.SIGTERM)

    def await_stop(self, deadline: float) -> None:
        """Wait until it exits; SIGKILL at `deadline` (monotonic) if it is still running."""
        try:
            self.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s ignored SIGTERM until its deadline; killing it", self.name)
            self.process.kill()
            self.process.wait()
        log.info("stopped %s (status %s)", self.name, self.process.returncode)


class Supervisor:
    """Owns a set of children: starts each until ready, raises when one dies, stops them all.

    Use as a context manager; leaving it stops every child, newest first.
    """

    def __init__(self, ready_timeout: float = 180.0, stop_grace: float = 15.0) -> None:
        self.ready_timeout = ready_timeout
        self.stop_grace = stop_grace
        self.children: list[Child] = []

    def start(self, spec: ChildSpec) -> Child:
        """Start a child and wait for its readiness probe; ChildFailed when it never gets there."""
        return self.start_all([spec])[0]

    def start_all(self, specs: Sequence[ChildSpec]) -> list[Child]:
        """Start every child at once (they warm up in parallel), then wait until each is ready."""
        started = [Child(spec) for spec in specs]
        self.children.extend(started)
        for child in started:
            child.wait_ready(self.ready_timeout)
            log.info("%s is ready", child.name)
        return started

    def launch(self, spec: ChildSpec) -> Child:
        """Start a child without waiting for it to be ready (the autoscaler polls `is_ready`)."""
        child = Child(spec)
        self.children.append(child)
        return child

    def retire(self, child: Child) -> None:
        """Stop one child on purpose (scale-in): it is no longer watched."""
        self.children.remove(child)
        child.stop(self.stop_grace)

    def check(self) -> None:
        """Raise ChildFailed when any child has exited (the caller decides to stop everything)."""
        for child in self.children:
            code = child.exit_code()
            if code is not None:
                raise child.failure(f"exited unexpectedly with status {code}")

    def watch(self, until: Callable[[], bool] = lambda: False) -> None:
        """Block until `until()` holds (or Ctrl-C); ChildFailed as soon as a child dies."""
        while not until():
            self.check()
            time.sleep(POLL_INTERVAL)

    def stop_all(self) -> None:
        """Stop every child at once (SIGTERM newest first), all within one `stop_grace`, then SIGKILL
        the ones still running; a second Ctrl-C meanwhile does not cut this short. Stopped one after
        the other, children that each took their whole grace added up (issue 22)."""
        with _interrupts_ignored():
            stopping = list(reversed(self.children))
            for child in stopping:
                child.request_stop()
            deadline = time.monotonic() + self.stop_grace
            for child in stopping:
                child.await_stop(deadline)
            self.children.clear()

    def __enter__(self) -> Supervisor:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop_all()

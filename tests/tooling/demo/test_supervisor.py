"""Child supervision with real processes: readiness by event, failure reports, clean stops."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from tooling.demo.supervisor import (
    ChildFailed,
    ChildSpec,
    Supervisor,
    log_line_appears,
    metrics_endpoint_answers,
)


def python_child(name: str, code: str, log_dir: Path, ready_pattern: str | None = None) -> ChildSpec:
    log_file = log_dir / f"{name}.log"
    ready = log_line_appears(log_file, ready_pattern) if ready_pattern else None
    return ChildSpec(name, [sys.executable, "-u", "-c", code], log_file, ready)


def test_start_waits_for_the_ready_line_and_stop_ends_the_child(tmp_path: Path) -> None:
    code = "import time; time.sleep(0.5); print('service ready', flush=True); time.sleep(60)"
    with Supervisor(ready_timeout=20) as supervisor:
        child = supervisor.start(python_child("sleeper", code, tmp_path, r"service ready"))
        assert "service ready" in child.log_tail()
        assert child.exit_code() is None
    assert child.exit_code() is not None


def test_a_child_that_dies_during_start_up_is_reported_with_its_log(tmp_path: Path) -> None:
    code = "import sys; print('cannot open model file', flush=True); sys.exit(3)"
    with Supervisor(ready_timeout=20) as supervisor, pytest.raises(ChildFailed) as failure:
        supervisor.start(python_child("broken", code, tmp_path, r"never printed"))
    message = str(failure.value)
    assert "broken exited with status 3" in message and "cannot open model file" in message


def test_check_raises_when_a_running_child_exits(tmp_path: Path) -> None:
    code = "import time; print('up', flush=True); time.sleep(0.3)"
    with Supervisor(ready_timeout=20) as supervisor:
        supervisor.start(python_child("short", code, tmp_path, r"up"))
        with pytest.raises(ChildFailed, match="short exited unexpectedly"):
            supervisor.watch()


def test_watch_returns_when_the_condition_holds(tmp_path: Path) -> None:
    code = "import time; print('up', flush=True); time.sleep(60)"
    deadline = time.monotonic() + 0.5
    with Supervisor(ready_timeout=20) as supervisor:
        child = supervisor.start(python_child("steady", code, tmp_path, r"up"))
        supervisor.watch(until=lambda: time.monotonic() > deadline)
        assert time.monotonic() > deadline  # watch returned because the condition held ...
        assert child.exit_code() is None  # ... not because the child ended
        supervisor.check()


def test_a_child_ignoring_sigterm_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('up', flush=True); time.sleep(60)"
    )
    with Supervisor(ready_timeout=20, stop_grace=0.5) as supervisor:
        child = supervisor.start(python_child("stubborn", code, tmp_path, r"up"))
    assert child.exit_code() == -9


def test_children_are_stopped_together_within_one_grace_period(tmp_path: Path) -> None:
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('up', flush=True); time.sleep(60)"
    )
    with Supervisor(ready_timeout=20, stop_grace=2.0) as supervisor:
        children = supervisor.start_all([python_child(f"stubborn-{i}", code, tmp_path, r"up") for i in range(3)])
        began = time.monotonic()
    took = time.monotonic() - began
    assert [child.exit_code() for child in children] == [-9, -9, -9]
    assert took < 2 * 2.0  # one grace for all, not one each (6 s)


def test_not_ready_in_time_is_a_failure(tmp_path: Path) -> None:
    code = "import time; time.sleep(60)"
    with Supervisor(ready_timeout=0.5) as supervisor, pytest.raises(ChildFailed, match="not ready after"):
        supervisor.start(python_child("silent", code, tmp_path, r"ready"))


def test_metrics_probe_needs_the_endpoint_and_the_metric(tmp_path: Path) -> None:
    from infra.broker import free_port

    port = free_port()
    code = (
        "from prometheus_client import Counter, start_http_server; import time; "
        f"Counter('demo_probe_total', 'x'); start_http_server({port}); time.sleep(60)"
    )
    assert not metrics_endpoint_answers(port)()
    spec = ChildSpec("exporter", [sys.executable, "-c", code], tmp_path / "exporter.log",
                     metrics_endpoint_answers(port, "demo_probe_total"))
    with Supervisor(ready_timeout=20) as supervisor:
        supervisor.start(spec)
        assert not metrics_endpoint_answers(port, "absent_metric")()


def test_a_ready_line_from_a_previous_run_does_not_count(tmp_path: Path) -> None:
    (tmp_path / "again.log").write_text("service ready\n")
    code = "import time; time.sleep(60)"
    with Supervisor(ready_timeout=1) as supervisor, pytest.raises(ChildFailed, match="not ready after"):
        supervisor.start(python_child("again", code, tmp_path, r"service ready"))
    assert (tmp_path / "again.log.previous").read_text() == "service ready\n"

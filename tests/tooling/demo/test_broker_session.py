"""The embedded broker a command starts for its session is stopped again, even when it never got ready."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.broker import BrokerError, EmbeddedBroker
from streamscribe.settings import KafkaSettings
from tooling.demo.broker_session import kafka_for_session

pytestmark = pytest.mark.broker  # launches a real broker process


def test_a_broker_that_never_answers_is_not_left_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMSCRIBE_HOME", str(tmp_path))
    launched: list[int | None] = []

    def not_ready(broker: EmbeddedBroker, timeout: float) -> None:  # the fault: a start-up slower than its timeout
        launched.append(broker.pid())
        raise BrokerError("the broker did not answer")

    monkeypatch.setattr(EmbeddedBroker, "wait_until_ready", not_ready)
    with pytest.raises(BrokerError), kafka_for_session(KafkaSettings(bootstrap_servers=None)):
        pass
    assert launched and launched[0] is not None  # a real process was started
    assert EmbeddedBroker.default().pid() is None

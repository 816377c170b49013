"""`streamscribe broker`'s options are BrokerSettings fields: flags, STREAMSCRIBE_BROKER_* env vars, bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.settings import BrokerSettings
from streamscribe.cli_settings import settings_from_args
from tooling.cli import build_parser, main


def broker_settings(*argv: str) -> BrokerSettings:
    return settings_from_args(BrokerSettings, build_parser().parse_args(["broker", *argv]))


def test_flags_and_env_vars_reach_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert broker_settings("start") == BrokerSettings(port=None, nodes=1, sasl_ssl=False)
    assert broker_settings("start", "--port", "19092", "--nodes", "3", "--sasl-ssl") == BrokerSettings(
        port=19092, nodes=3, sasl_ssl=True
    )
    monkeypatch.setenv("STREAMSCRIBE_BROKER_PORT", "19093")  # the variable EmbeddedBroker.default() reads too
    assert broker_settings("status").port == 19093
    assert broker_settings("status", "--port", "19094").port == 19094
    monkeypatch.setenv("STREAMSCRIBE_BROKER_PORT", "")
    assert broker_settings("status").port is None


def test_a_node_count_below_one_is_refused_before_anything_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("STREAMSCRIBE_HOME", str(tmp_path))
    assert main(["broker", "start", "--nodes", "0"]) == 2
    assert "nodes" in caplog.text
    assert not any(tmp_path.iterdir())

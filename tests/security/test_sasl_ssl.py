"""The pipeline over SASL_SSL (SCRAM-SHA-512, ACLs) on the embedded broker, and who gets refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion

from infra.broker import EmbeddedBroker
from infra.security import BrokerSecrets
from infra.topics import ensure_topics
from streamscribe.paths import REPO_ROOT
from streamscribe.settings import TopicSettings

pytestmark = [pytest.mark.broker, pytest.mark.slow]

SAMPLE = REPO_ROOT / "recognizer" / "models" / "samples" / "sample_00.flac"


@pytest.fixture(scope="module")
def secured_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    broker = EmbeddedBroker(tmp_path_factory.mktemp("secured") / "broker", heap="512m", sasl_ssl=True)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="module")
def topics(secured_broker: EmbeddedBroker) -> TopicSettings:
    suffix = uuid.uuid4().hex[:8]
    topics = TopicSettings.suffixed("sec", suffix, audio_partitions=2, transcript_partitions=2, rejected_partitions=1)
    ensure_topics(secured_broker.secrets().client_settings(secured_broker.bootstrap_servers), topics)
    return topics


def client_env(secured_broker: EmbeddedBroker, **overrides: str) -> dict[str, str]:
    """os.environ with the pipeline user's KAFKA_* settings (from client.env), then `overrides`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("KAFKA_")}
    lines = (secured_broker.security_dir / "client.env").read_text().splitlines()
    env.update(line.split("=", 1) for line in lines if line)
    return env | overrides


def send(env: dict[str, str], topics: TopicSettings) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tooling.cli", "send", str(SAMPLE), "--chunks-topic", topics.chunks],
        capture_output=True, text=True, timeout=120, env=env,
    )


def test_streams_end_to_end_over_sasl_ssl(
    secured_broker: EmbeddedBroker, topics: TopicSettings, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    env = client_env(secured_broker, STREAMSCRIBE_HOME=str(tmp_path / "home"),
                     STREAMSCRIBE_STREAM_APP_APP_ID=f"sec-app-{suffix}",
                     STREAMSCRIBE_RECOGNIZER_GROUP_ID=f"sec-recognizers-{suffix}")
    summary_path = tmp_path / "summary.json"
    result = subprocess.run(
        [sys.executable, "-m", "tooling.cli", "demo", "--streams", "3", "--decoder", "greedy",
         "--chunks-topic", topics.chunks, "--segments-topic", topics.segments,
         "--transcripts-topic", topics.transcripts, "--rejected-topic", topics.rejected,
         "--summary-json", str(summary_path), "--log-dir", str(tmp_path / "logs")],
        capture_output=True, text=True, timeout=400, env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "SASL_SSL" in env["KAFKA_SECURITY_PROTOCOL"] and "--bootstrap-servers" not in result.args
    summary = json.loads(summary_path.read_text())
    assert summary["streams"] == summary["completed_streams"] == 3


def test_a_client_without_credentials_is_refused_clearly(secured_broker: EmbeddedBroker, topics: TopicSettings) -> None:
    env = {k: v for k, v in client_env(secured_broker).items() if not k.startswith(("KAFKA_SASL", "KAFKA_SECURITY"))}
    result = send(env, topics)
    assert result.returncode != 0
    assert "cannot reach Kafka" in result.stderr and "KAFKA_SECURITY_PROTOCOL=SASL_SSL" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_wrong_password_is_refused_clearly(secured_broker: EmbeddedBroker, topics: TopicSettings) -> None:
    result = send(client_env(secured_broker, KAFKA_SASL_PASSWORD="not-the-password"), topics)
    assert result.returncode != 0
    assert "refused the login of user 'streamscribe'" in result.stderr


def test_a_user_without_acls_is_refused_clearly(secured_broker: EmbeddedBroker, topics: TopicSettings) -> None:
    secrets: BrokerSecrets = secured_broker.secrets()
    admin = AdminClient(secrets.client_settings(secured_broker.bootstrap_servers, admin=True).client_config())
    password = uuid.uuid4().hex
    upsert = UserScramCredentialUpsertion("no-acls", ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096),
                                          password.encode())
    for future in admin.alter_user_scram_credentials([upsert]).values():
        future.result()
    result = send(client_env(secured_broker, KAFKA_SASL_USERNAME="no-acls", KAFKA_SASL_PASSWORD=password), topics)
    assert result.returncode != 0
    assert f"user 'no-acls' is not allowed to use topic {topics.chunks!r}" in result.stderr
    assert "needs ACLs" in result.stderr

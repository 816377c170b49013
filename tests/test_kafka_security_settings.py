"""KafkaSettings' security fields: one mapping to librdkafka keys, faust's credentials, child env."""

from __future__ import annotations

import argparse
import ssl

import pytest

from streamscribe.errors import ConfigurationError
from streamscribe.cli_settings import add_settings_arguments, settings_from_args
from streamscribe.settings import KafkaClientSettings, KafkaSettings


def sasl_ssl(tmp_path_ca: str | None = None) -> KafkaSettings:
    return KafkaSettings(
        bootstrap_servers="b1:9093,b2:9093", security_protocol="SASL_SSL", sasl_username="scribe",
        sasl_password="s3cret", ssl_ca_location=tmp_path_ca,
    )


def test_plaintext_adds_no_security_keys() -> None:
    assert KafkaSettings(bootstrap_servers="h:1").client_config() == {"bootstrap.servers": "h:1"}


def test_sasl_ssl_maps_to_librdkafka_keys() -> None:
    config = sasl_ssl("/ca.pem").client_config(**{"group.id": "g"})
    assert config == {
        "bootstrap.servers": "b1:9093,b2:9093", "security.protocol": "sasl_ssl",
        "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "scribe", "sasl.password": "s3cret",
        "ssl.ca.location": "/ca.pem", "ssl.endpoint.identification.algorithm": "https", "group.id": "g",
    }


def test_sasl_without_credentials_is_a_clear_error() -> None:
    settings = KafkaSettings(bootstrap_servers="h:1", security_protocol="SASL_PLAINTEXT")
    with pytest.raises(ConfigurationError, match="KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"):
        settings.client_config()


def test_security_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "u")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "p")
    config = KafkaSettings(bootstrap_servers="h:1").client_config()
    credentials = (config["security.protocol"], config["sasl.username"], config["sasl.password"])
    assert credentials == ("sasl_plaintext", "u", "p")


def test_flags_override_and_the_password_stays_out_of_argv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "p")
    parser = argparse.ArgumentParser()
    add_settings_arguments(parser, KafkaClientSettings)
    kafka = settings_from_args(KafkaClientSettings, parser.parse_args(
        ["--bootstrap-servers", "h:1", "--security-protocol", "SASL_SSL", "--sasl-username", "flag-user"]
    )).kafka
    assert (kafka.security_protocol, kafka.sasl_username) == ("SASL_SSL", "flag-user")
    assert kafka.sasl_password is not None and kafka.sasl_password.get_secret_value() == "p"
    assert not any("password" in action.dest for action in parser._actions)


def test_environment_round_trips_for_child_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    env = sasl_ssl("/ca.pem").model_copy(update={"ssl_check_hostname": False}).environment()
    assert env["KAFKA_SASL_PASSWORD"] == "s3cret"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert KafkaSettings().client_config() == sasl_ssl("/ca.pem").client_config(
        **{"ssl.endpoint.identification.algorithm": "none"}
    )


def test_faust_gets_the_same_credentials_and_every_bootstrap_server() -> None:
    from stream_app.app import broker_options

    options = broker_options(sasl_ssl())
    assert options["broker"] == ["kafka://b1:9093", "kafka://b2:9093"]
    credentials = options["broker_credentials"]
    assert (credentials.username, credentials.password) == ("scribe", "s3cret")
    assert (credentials.protocol.value, credentials.mechanism.value) == ("SASL_SSL", "SCRAM-SHA-512")
    assert isinstance(credentials.ssl_context, ssl.SSLContext)
    assert broker_options(KafkaSettings(bootstrap_servers="h:1"))["broker_credentials"] is None

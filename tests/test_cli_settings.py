"""Settings fields become flags; flags override env vars; absent flags leave them alone.

One mechanism for every command (streamscribe.cli_settings): the training steps' flat settings,
and the services' settings that nest `kafka` and `topics`.
"""

import argparse
from pathlib import Path

import pytest
from pydantic import ValidationError

from infra.cluster import with_embedded_broker
from streamscribe.cli_settings import add_settings_arguments, settings_from_args
from streamscribe.errors import ConfigurationError
from tooling.cli import build_parser
from training.settings import EvaluateSettings, FitSettings


def parse(settings_class: type, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_settings_arguments(parser, settings_class)
    return parser.parse_args(argv)


def test_flags_of_every_kind_reach_the_settings() -> None:
    args = parse(EvaluateSettings, ["--manifests", "a.json", "b.json", "--alpha", "0.3", "--beam-width", "8"])
    settings = settings_from_args(EvaluateSettings, args)
    assert settings.manifests == (Path("a.json"), Path("b.json"))
    assert (settings.alpha, settings.beam_width) == (0.3, 8)
    assert settings_from_args(FitSettings, parse(FitSettings, ["--no-resume"])).resume is False


def test_env_vars_apply_unless_a_flag_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMSCRIBE_TRAIN_FIT_MAX_EPOCHS", "7")
    monkeypatch.setenv("STREAMSCRIBE_TRAIN_FIT_BATCH_SIZE", "4")
    settings = settings_from_args(FitSettings, parse(FitSettings, ["--max-epochs", "2"]))
    assert (settings.max_epochs, settings.batch_size) == (2, 4)


def test_invalid_values_are_refused() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        settings_from_args(FitSettings, parse(FitSettings, ["--max-epochs", "0"]))


def test_nested_kafka_and_topic_settings_take_flags_and_keep_their_env_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    from recognizer.settings import RecognizerSettings

    monkeypatch.setenv("KAFKA_SASL_USERNAME", "env-user")
    monkeypatch.setenv("STREAMSCRIBE_TOPIC_SEGMENTS", "env.segments")
    args = build_parser().parse_args([
        "recognizer", "--bootstrap-servers", "k:1", "--chunks-topic", "in", "--decoder", "beam",
        "--hotword", "acme", "--hotword", "zeta", "--max-batch", "8",
    ])
    settings = settings_from_args(RecognizerSettings, args)
    assert (settings.kafka.bootstrap_servers, settings.kafka.sasl_username) == ("k:1", "env-user")
    assert (settings.topics.chunks, settings.topics.segments) == ("in", "env.segments")
    assert (settings.decoder, settings.hotwords, settings.max_batch) == ("beam", ["acme", "zeta"], 8)


def test_choices_come_from_the_settings_literal() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["recognizer", "--decoder", "viterbi"])


def test_without_configured_kafka_a_service_names_the_ways_to_get_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from recognizer.settings import ListenSettings

    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.setenv("STREAMSCRIBE_HOME", str(tmp_path))  # no embedded broker state here
    settings = settings_from_args(ListenSettings, build_parser().parse_args(["listen"]))
    with pytest.raises(ConfigurationError, match="streamscribe broker start"):
        with_embedded_broker(settings)
    given = settings.model_copy(update={"kafka": settings.kafka.model_copy(update={"bootstrap_servers": "k:1"})})
    assert with_embedded_broker(given) is given

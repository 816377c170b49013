"""Settings fields become flags; flags override env vars; absent flags leave them alone."""

import argparse
from pathlib import Path

import pytest
from pydantic import ValidationError

from training.cli_settings import add_settings_arguments, settings_from_args
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

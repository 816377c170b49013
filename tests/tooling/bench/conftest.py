"""The recognizer's tiny-model fixtures, for the benchmarks that recognise (the replay)."""

from tests.recognizer.conftest import tiny_model, tiny_model_path  # noqa: F401

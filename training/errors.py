"""Errors the training pipeline raises on purpose."""

from streamscribe.errors import ConfigurationError, StreamscribeError


class TrainingError(StreamscribeError):
    """A training step cannot go on (bad input data, a failed external tool)."""


class ToolMissingError(ConfigurationError):
    """An external program or library the step needs is not installed."""

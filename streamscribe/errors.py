"""The root of streamscribe's exceptions: catch `StreamscribeError` to catch them all."""


class StreamscribeError(Exception):
    """Base class of every error streamscribe raises on purpose."""


class ConfigurationError(StreamscribeError):
    """A setting, a path or an installed tool is missing or wrong."""

"""Start a child the way a terminal would, so that a test's Ctrl-C (SIGINT) reaches it.

A job that a non-interactive shell backgrounds inherits SIGINT as ignored, and exec keeps it so:
Python then installs no KeyboardInterrupt handler and never sees the signal. That is the shell's
intended convention (services must respect it), but a test that simulates a person pressing
Ctrl-C must give its child the default disposition, whatever launched the test run.
"""

from __future__ import annotations

from collections.abc import Sequence


def as_from_terminal(argv: Sequence[str]) -> list[str]:
    """argv that runs `argv` with SIGINT at its default disposition (coreutils `env`)."""
    return ["env", "--default-signal=INT", *argv]

"""Where streamscribe keeps its caches and state on this machine."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def state_home() -> Path:
    """Runtime state (embedded broker data, logs): $STREAMSCRIBE_HOME or ./.streamscribe."""
    return Path(os.environ.get("STREAMSCRIBE_HOME", REPO_ROOT / ".streamscribe"))


def cache_home() -> Path:
    """Build caches (Kafka jars, Maven repo, KenLM build): $STREAMSCRIBE_CACHE or ./.cache."""
    return Path(os.environ.get("STREAMSCRIBE_CACHE", REPO_ROOT / ".cache"))

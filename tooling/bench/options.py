"""What `streamscribe bench` hands every benchmark besides the benchmark's own settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from streamscribe.settings import KafkaSettings


@dataclass(frozen=True)
class BenchOptions:
    """The options of `streamscribe bench` itself, the same for every benchmark of one run."""

    kafka: KafkaSettings  # bootstrap servers filled in (the embedded broker when none are configured)
    quick: bool  # the smaller sweep: each benchmark's QUICK_HELP says what it is
    results_dir: Path  # where the report and the plots go

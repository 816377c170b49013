"""How the demo spreads stream starts (its chunks are cut by the SDK: tests/producers/test_sources.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tooling.demo.samples import SpeechSample
from tooling.demo.sender import plan_streams


def test_plan_streams_cycles_samples_and_spreads_starts() -> None:
    samples = [SpeechSample(Path(f"{n}.flac"), f"s{n}", b"\0\0" * 16000, 16000) for n in range(2)]
    planned = plan_streams(samples, count=5, ramp_seconds=1.0, run_id="r")
    assert [p.sample.sentence for p in planned] == ["s0", "s1", "s0", "s1", "s0"]
    assert [p.start_delay for p in planned] == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8])
    assert len({p.stream_id for p in planned}) == 5

"""Deployment sizing arithmetic."""

from __future__ import annotations

import pytest

from tooling.sizing import CPU_STREAMS_PER_RECOGNIZER, size_deployment


def test_sizing_follows_the_per_process_capacities() -> None:
    sizing = size_deployment(10_000, streams_per_recognizer=50)
    assert (sizing.stream_app_workers, sizing.recognizers, sizing.partitions) == (10, 200, 200)
    assert sizing.cores == 10 + 400
    assert sizing.brokers == 13  # 10,000 x 64 kB/s x 3 = 1,920 MB/s over 150 MB/s each


def test_small_fleets_keep_a_replicated_cluster() -> None:
    sizing = size_deployment(100, streams_per_recognizer=120)
    assert (sizing.stream_app_workers, sizing.recognizers, sizing.brokers) == (1, 1, 3)


def test_a_model_that_sustains_nothing_cannot_be_sized() -> None:
    with pytest.raises(ValueError, match="sustains no stream"):
        size_deployment(100, streams_per_recognizer=0)


def test_a_production_model_on_cpu_needs_a_recognizer_per_measured_share() -> None:
    sizing = size_deployment(6_000, CPU_STREAMS_PER_RECOGNIZER["conformer_ctc_large"])
    assert (sizing.stream_app_workers, sizing.recognizers, sizing.partitions) == (6, 750, 750)
    assert sizing.cores == 6 + 1_500

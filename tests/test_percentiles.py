"""Percentiles as the demo and every benchmark compute them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from streamscribe.percentiles import percentile


def test_percentile_interpolates_between_ranks() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == pytest.approx(2.5)
    assert percentile(values, 100) == 4.0
    assert math.isnan(percentile([], 50))


def test_percentile_agrees_with_numpy() -> None:
    values = list(np.random.default_rng(3).exponential(size=101))
    for q in (50, 95, 99):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))

"""The capacity benchmark's pure parts: the stream-count search and the production configs' shapes."""

from __future__ import annotations

from recognizer.architectures import PRODUCTION, model_config
from tooling.bench.capacity import estimate_streams, next_count


def test_the_estimate_leaves_headroom_and_never_goes_negative() -> None:
    assert estimate_streams(0.01) == 80
    assert estimate_streams(0.5) == 1
    assert estimate_streams(2.0) == 0


def test_the_search_climbs_while_runs_pass_then_bisects() -> None:
    assert next_count({8: True}) == 10
    assert next_count({8: True, 10: False}) == 9
    assert next_count({8: True, 9: False}) is None  # the answer is 8
    assert next_count({40: True, 50: False}) == 45
    assert next_count({40: True, 44: False}) is None  # within 10 %


def test_the_search_steps_down_from_a_failure_and_stops_at_zero() -> None:
    assert next_count({8: False}) == 6
    assert next_count({2: False}) == 1
    assert next_count({1: False}) is None  # not even one stream


def test_production_presets_have_the_published_shapes() -> None:
    quartznet = model_config(PRODUCTION["quartznet_15x5"])["encoder"]["jasper"]
    assert sum(block["repeat"] == 5 for block in quartznet) == 15
    conformer = model_config(PRODUCTION["conformer_ctc_large"])["encoder"]
    assert (conformer["n_layers"], conformer["d_model"], conformer["subsampling_factor"]) == (18, 512, 4)
    fast = model_config(PRODUCTION["fastconformer_ctc_0.6b"])
    encoder = fast["encoder"]
    assert (encoder["n_layers"], encoder["d_model"], encoder["subsampling_factor"]) == (24, 1024, 8)
    assert fast["decoder"]["num_classes"] == 1024

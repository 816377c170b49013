"""Pure batching: short-audio padding, sorting/padding and length buckets."""

from __future__ import annotations

import numpy as np
import pytest

from recognizer.batching import (
    SILENCE_FLOOR_DBFS,
    bucket_by_length,
    loudest_frame_dbfs,
    pad_batch,
    pad_to_min_length,
)


def test_short_audio_is_centred_in_silence_and_reports_its_lead_in() -> None:
    audio = np.arange(1, 8, dtype=np.float32)
    prepared = pad_to_min_length(audio, 12)
    assert len(prepared.samples) == 12
    assert prepared.lead_in_samples == 2  # 5 missing: 2 before, 3 after
    np.testing.assert_array_equal(prepared.samples[2:9], audio)
    assert not prepared.samples[:2].any() and not prepared.samples[9:].any()


def test_audio_long_enough_is_left_alone() -> None:
    audio = np.ones(20, dtype=np.float32)
    prepared = pad_to_min_length(audio, 12)
    assert prepared.samples is audio and prepared.lead_in_samples == 0


def test_pad_batch_sorts_longest_first_and_zero_pads_the_tail() -> None:
    waves = [np.full(3, 1.0, np.float32), np.full(5, 2.0, np.float32), np.full(4, 3.0, np.float32)]
    batch = pad_batch(waves)
    assert batch.order == (1, 2, 0)
    assert batch.lengths.tolist() == [5, 4, 3]
    assert batch.signals.shape == (3, 5)
    for row, index in enumerate(batch.order):
        np.testing.assert_array_equal(batch.signals[row, : len(waves[index])], waves[index])
        assert not batch.signals[row, len(waves[index]):].any()


def test_pad_batch_refuses_nothing() -> None:
    with pytest.raises(ValueError):
        pad_batch([])


def test_one_long_utterance_is_not_batched_with_many_short_ones() -> None:
    lengths = [16_000] * 7 + [320_000]
    buckets = bucket_by_length(lengths, max_batch=8, max_padding=0.5)
    assert buckets == [[7], [0, 1, 2, 3, 4, 5, 6]]


@pytest.mark.parametrize("max_batch, max_padding", [(1, 0.0), (3, 0.25), (8, 0.5), (64, 10.0)])
def test_buckets_cover_every_utterance_once_within_the_limits(max_batch: int, max_padding: float) -> None:
    lengths = np.random.default_rng(7).integers(1_000, 200_000, size=50).tolist()
    buckets = bucket_by_length(lengths, max_batch, max_padding)
    assert sorted(i for bucket in buckets for i in bucket) == list(range(50))
    for bucket in buckets:
        members = [lengths[i] for i in bucket]
        assert len(bucket) <= max_batch
        assert members == sorted(members, reverse=True)
        assert max(members) * len(members) <= (1 + max_padding) * sum(members) + 1e-9 or len(bucket) == 1


def test_bucket_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        bucket_by_length([1, 2], max_batch=0, max_padding=0.5)


def test_level_is_that_of_the_loudest_frame() -> None:
    sine = np.sin(2 * np.pi * 440 * np.arange(16_000) / 16_000).astype(np.float32)
    assert loudest_frame_dbfs(sine) == pytest.approx(-3.01, abs=0.1)  # a frame holds 8.8 cycles
    quiet_then_loud = np.concatenate([0.001 * sine, 0.5 * sine[:320]])
    assert loudest_frame_dbfs(quiet_then_loud) == pytest.approx(-9.03, abs=0.1)
    assert loudest_frame_dbfs(0.1 * sine[:100]) == pytest.approx(-23.0, abs=0.5)  # shorter than a frame
    assert loudest_frame_dbfs(np.zeros(800, np.float32)) == SILENCE_FLOOR_DBFS
    assert loudest_frame_dbfs(np.zeros(0, np.float32)) == SILENCE_FLOOR_DBFS

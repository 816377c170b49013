"""16-bit PCM conversions (streamscribe/pcm.py), shared by every package."""

from __future__ import annotations

import numpy as np

from streamscribe.pcm import float_to_pcm_s16le, pcm_s16le_to_float


def test_pcm_is_scaled_to_unit_range_like_soundfile() -> None:
    samples = np.array([-32768, -1, 0, 1, 32767], dtype="<i2")
    converted = pcm_s16le_to_float(samples.tobytes())
    assert converted.dtype == np.float32
    np.testing.assert_array_equal(converted * 32768.0, samples.astype(np.float32))
    assert float_to_pcm_s16le(converted) == samples.tobytes()  # exact round trip
    assert float_to_pcm_s16le(np.array([-2.0, 2.0])) == np.array([-32768, 32767], "<i2").tobytes()

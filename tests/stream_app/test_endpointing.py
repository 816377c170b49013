"""Endpointing: frame energies on a fixed grid, silence threshold, where a cut lands."""

from __future__ import annotations

import numpy as np

from stream_app.endpointing import frame_energies, quiet_cut, silence_energy


def test_frame_energies_are_exact_and_ignore_a_partial_frame() -> None:
    samples = np.array([32767, -32768] * 320 + [5, 5, 5], dtype="<i2")
    energies = frame_energies(samples.tobytes(), 320)
    expected = (samples[:640].astype(np.int64) ** 2).reshape(2, 320).sum(axis=1).tolist()
    assert energies == expected


def test_silence_threshold_matches_the_rms_level() -> None:
    frame = 320
    threshold = silence_energy(-40.0, frame)
    just_below = np.full(frame, int(32768 * 10 ** (-40 / 20)) - 1, dtype="<i2")
    just_above = np.full(frame, int(32768 * 10 ** (-40 / 20)) + 1, dtype="<i2")
    assert frame_energies(just_below.tobytes(), frame)[0] < threshold <= frame_energies(just_above.tobytes(), frame)[0]


def test_quiet_cut_prefers_the_middle_of_the_latest_silent_run() -> None:
    loud, quiet = 100, 1
    energies = [loud, quiet, quiet, loud, loud, quiet, quiet, quiet, loud, loud]
    assert quiet_cut(energies, 0, 10, silent_below=10) == 7  # run 5..7, middle boundary
    assert quiet_cut(energies, 0, 4, silent_below=10) == 2   # only the first run is in reach
    assert quiet_cut(energies, 6, 8, silent_below=10) == 7   # a run clipped by the window


def test_without_silence_quiet_cut_goes_after_the_quietest_frame() -> None:
    energies = [50, 40, 30, 40, 30, 60]
    assert quiet_cut(energies, 0, 6, silent_below=10) == 5  # the later of the two quietest
    assert quiet_cut(energies, 0, 3, silent_below=10) == 3

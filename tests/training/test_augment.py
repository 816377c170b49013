"""Augmentation: each transform measured on signals whose answer is known (tones, noise)."""

import random

import numpy as np
import pytest

from training.augment import (
    AugmentationChain,
    add_noise,
    apply_chain,
    coloured_noise,
    mulaw_round_trip,
    random_chain,
    reverberate,
    room_impulse_response,
    speed_perturb,
    telephone_channel,
    vocal_tract_warp,
)

RATE = 16_000


def tone(frequency: float, seconds: float = 1.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def dominant_frequency(audio: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
    return float(np.argmax(spectrum) * RATE / len(audio))


def power_share_above(audio: np.ndarray, hertz: float) -> float:
    power = np.abs(np.fft.rfft(audio)) ** 2
    freqs = np.fft.rfftfreq(len(audio), 1 / RATE)
    return float(power[freqs > hertz].sum() / power.sum())


@pytest.mark.parametrize("factor", [0.9, 1.1])
def test_speed_perturbation_changes_duration_and_pitch_together(factor: float) -> None:
    out = speed_perturb(tone(1000), factor)
    assert len(out) == pytest.approx(RATE / factor, abs=2)
    assert dominant_frequency(out) == pytest.approx(1000 * factor, abs=5)


@pytest.mark.parametrize("alpha", [0.9, 1.1])
def test_vocal_tract_warp_moves_formants_and_keeps_duration(alpha: float) -> None:
    out = vocal_tract_warp(tone(1000), RATE, alpha)
    assert len(out) == RATE
    assert dominant_frequency(out) == pytest.approx(1000 * alpha, abs=40)


def test_no_warp_is_nearly_the_identity() -> None:
    audio = tone(700)
    out = vocal_tract_warp(audio, RATE, 1.0)
    assert np.corrcoef(audio[1000:-1000], out[1000:-1000])[0, 1] > 0.99


@pytest.mark.parametrize("snr_db", [5.0, 20.0])
def test_noise_is_added_at_the_requested_snr(snr_db: float) -> None:
    speech = tone(440)
    noise = coloured_noise(np.random.default_rng(1), len(speech), "white")
    noisy = add_noise(speech, noise, snr_db)
    measured = 10 * np.log10(np.mean(speech**2) / np.mean((noisy - speech) ** 2))
    assert measured == pytest.approx(snr_db, abs=0.1)


def test_pink_and_brown_noise_lean_to_low_frequencies() -> None:
    rng = np.random.default_rng(2)
    shares = [power_share_above(coloured_noise(rng, RATE, kind), 1000) for kind in ("white", "pink", "brown")]
    assert shares[0] > 0.8 and shares[0] > shares[1] > shares[2]


def test_a_simulated_room_decays_and_keeps_length_and_level() -> None:
    rir = room_impulse_response(np.random.default_rng(3), RATE, rt60=0.5)
    assert len(rir) == RATE // 2 and rir[0] == 1.0
    tenth = len(rir) // 10
    assert np.sum(rir[-tenth:] ** 2) < 1e-3 * np.sum(rir[1:tenth] ** 2)
    audio = tone(300, 0.5)
    wet = reverberate(audio, rir)
    assert len(wet) == len(audio) and np.max(np.abs(wet)) == pytest.approx(np.max(np.abs(audio)))


def test_mulaw_round_trip_is_g711_quantisation() -> None:
    audio = tone(1000)
    once = mulaw_round_trip(audio)
    assert np.array_equal(mulaw_round_trip(once), once)  # decoded values are on the code grid
    snr = 10 * np.log10(np.mean(audio**2) / np.mean((once - audio) ** 2))
    assert 30 < snr < 45  # 8-bit companding: about 38 dB for a loud tone


def test_the_telephone_channel_keeps_the_voice_band_only() -> None:
    noise = coloured_noise(np.random.default_rng(4), RATE, "white") * 0.1
    out = telephone_channel(noise, RATE)
    assert len(out) == RATE
    assert power_share_above(out, 3800) < 0.01
    speech_band = telephone_channel(tone(1000), RATE)
    assert dominant_frequency(speech_band) == pytest.approx(1000, abs=5)


def test_chains_are_drawn_reproducibly_and_cover_every_step() -> None:
    chains = [random_chain(random.Random(seed)) for seed in range(200)]
    assert chains[:5] == [random_chain(random.Random(seed)) for seed in range(5)]
    assert {c.speed for c in chains} == {0.9, 1.0, 1.1}
    assert all(any(getattr(c, step) for c in chains) for step in ("warp", "rt60", "noise", "telephone"))
    assert {c.snr_db for c in chains if c.noise} == {5.0, 10.0, 20.0, 30.0}


def test_a_full_chain_is_deterministic_and_stays_in_range() -> None:
    chain = AugmentationChain(speed=1.1, warp=0.9, rt60=0.4, noise="pink", snr_db=5.0, telephone=True, seed=7)
    audio = tone(500) * 1.9  # too loud: the chain limits its peak
    first, second = apply_chain(audio, RATE, chain), apply_chain(audio, RATE, chain)
    assert np.array_equal(first, second)
    assert np.max(np.abs(first)) <= 0.95 + 1e-6
    assert len(first) == pytest.approx(RATE / 1.1, abs=2)
    assert chain.describe() == "speed 1.1, vtlp 0.90, room rt60 0.40s, pink noise 5 dB, telephone"

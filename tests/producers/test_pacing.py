"""Real-time schedule, driven by a fake clock (no real sleeping)."""

from __future__ import annotations

import random

import pytest

from producers.pacing import RealtimeSchedule


class FakeClock:
    """A monotonic clock that moves only when the code under test sleeps (or a test says so)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_chunk_is_due_when_its_audio_has_been_captured() -> None:
    clock = FakeClock()
    schedule = RealtimeSchedule.starting_now(16_000, clock)
    assert schedule.due(0) == 1000.0
    assert schedule.due(1600) == pytest.approx(1000.1)
    assert schedule.due(16_000 * 60) == pytest.approx(1060.0)


def test_wait_sleeps_until_due_and_not_when_already_due() -> None:
    clock = FakeClock()
    schedule = RealtimeSchedule.starting_now(8000, clock)
    schedule.wait(800, sleep=clock.sleep)
    assert clock.sleeps == [pytest.approx(0.1)]
    clock.now += 0.5  # the sender fell behind: chunks that are overdue leave at once
    schedule.wait(1600, sleep=clock.sleep)
    assert len(clock.sleeps) == 1
    assert schedule.lag(1600) == pytest.approx(0.4)
    assert schedule.delay(1600) == 0.0


def test_late_wakeups_do_not_accumulate_into_drift() -> None:
    """Every sleep overshoots by up to 20 ms; after 10 minutes of 100 ms chunks, each chunk
    still leaves within one overshoot of its due time, and the stream ends on time."""
    clock = FakeClock()
    jitter = random.Random(7)

    def oversleeping(seconds: float) -> None:
        clock.sleep(seconds + jitter.uniform(0, 0.02))

    rate, chunk_frames, chunks = 16_000, 1600, 6000
    schedule = RealtimeSchedule.starting_now(rate, clock)
    lateness = []
    for index in range(1, chunks + 1):
        schedule.wait(index * chunk_frames, sleep=oversleeping)
        lateness.append(clock.now - schedule.due(index * chunk_frames))
    assert max(lateness) <= 0.02 + 1e-9
    assert min(lateness) >= 0.0
    assert clock.now - 1000.0 == pytest.approx(chunks * chunk_frames / rate, abs=0.021)


def test_odd_rates_and_chunk_sizes_stay_exact() -> None:
    clock = FakeClock(now=0.0)
    schedule = RealtimeSchedule.starting_now(44_100, clock)
    assert schedule.due(441 * 100_000) == pytest.approx(1000.0, abs=1e-9)


async def test_async_wait_returns_at_once_when_overdue() -> None:
    clock = FakeClock()
    schedule = RealtimeSchedule.starting_now(16_000, clock)
    clock.now += 5
    await schedule.wait_async(1600)
    assert schedule.lag(1600) == pytest.approx(4.9)

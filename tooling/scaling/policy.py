"""How many replicas a consumer group should have, from its lag and its input rate. Pure.

The input is what Kafka shows of a group without asking its members: the input topic's end
offsets (what was produced) and the group's committed offsets (what was done), so it works
with zero members too. Two signals, as in KEDA's Kafka scaler plus a rate term:

- backlog: `ceil(lag / lag_per_replica)` replicas drain a queue that has built up;
- rate: `ceil(input rate / rate_per_replica)` replicas keep up with the load as it arrives,
  even when the queue is short (lag alone would shrink the fleet as soon as it caught up).

Hysteresis: scaling out happens at once; scaling in only to the highest recommendation of the
last `scale_in_window_s` (so a lull does not remove a replica that the next burst needs), and
down to zero only after `idle_s` with no lag and no input ("no streams, no threads"). Any lag
or input while at zero starts one replica at once (activation).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class ScalingRules:
    """Bounds and targets of one kind of service."""

    minimum: int
    maximum: int
    lag_per_replica: float
    rate_per_replica: float
    scale_in_window_s: float = 30.0
    idle_s: float = 60.0
    rate_window_s: float = 10.0

    def __post_init__(self) -> None:
        if not 0 <= self.minimum <= self.maximum or self.maximum < 1:
            raise ValueError(f"need 0 <= minimum <= maximum and maximum >= 1, got {self.minimum}:{self.maximum}")
        if self.lag_per_replica <= 0 or self.rate_per_replica <= 0:
            raise ValueError("lag_per_replica and rate_per_replica must be positive")


@dataclass(frozen=True)
class LoadSample:
    """The group's position at one moment: messages produced to its input and committed by it."""

    at: float
    produced: int
    consumed: int

    @property
    def lag(self) -> int:
        return max(0, self.produced - self.consumed)


@dataclass(frozen=True)
class Decision:
    """What the policy wants and why (for the log)."""

    replicas: int
    lag: int
    rate: float
    reason: str


class ScalingPolicy:
    """Feed it samples with `observe`, ask `decide(current)`; it keeps what hysteresis needs."""

    def __init__(self, rules: ScalingRules) -> None:
        self.rules = rules
        self._samples: deque[LoadSample] = deque()
        self._recommendations: deque[tuple[float, int]] = deque()
        self._last_busy: float | None = None

    def observe(self, sample: LoadSample) -> None:
        """Record a sample (samples must come in time order)."""
        self._samples.append(sample)
        while len(self._samples) > 2 and sample.at - self._samples[1].at >= self.rules.rate_window_s:
            self._samples.popleft()
        if sample.lag > 0 or self.rate() > 0:
            self._last_busy = sample.at

    def rate(self) -> float:
        """Messages produced per second over the rate window (0 before two samples)."""
        if len(self._samples) < 2:
            return 0.0
        first, last = self._samples[0], self._samples[-1]
        elapsed = last.at - first.at
        return max(0, last.produced - first.produced) / elapsed if elapsed > 0 else 0.0

    def decide(self, current: int) -> Decision:
        """The replica count to run now, given `current` running."""
        if not self._samples:
            return Decision(max(current, self.rules.minimum), 0, 0.0, "no sample yet")
        now, lag, rate = self._samples[-1].at, self._samples[-1].lag, self.rate()
        wanted = max(math.ceil(lag / self.rules.lag_per_replica), math.ceil(rate / self.rules.rate_per_replica))
        idle_for = math.inf if self._last_busy is None else now - self._last_busy
        if wanted == 0 and idle_for < self.rules.idle_s:
            wanted = 1  # quiet, but not for long enough to stop the last replica
        wanted = min(self.rules.maximum, max(self.rules.minimum, wanted))
        self._recommendations.append((now, wanted))
        while self._recommendations and now - self._recommendations[0][0] > self.rules.scale_in_window_s:
            self._recommendations.popleft()
        if wanted >= current:
            reason = "scale out" if wanted > current else "steady"
            return Decision(wanted, lag, rate, reason)
        if wanted == 0:  # the idle time was the hysteresis
            return Decision(0, lag, rate, f"idle for {idle_for:.0f}s" if self._last_busy else "idle")
        held = max(n for _, n in self._recommendations)
        replicas = min(current, max(held, wanted))
        return Decision(replicas, lag, rate, "scale in" if replicas < current else "holding (scale-in window)")

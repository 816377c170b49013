"""The scaling policy on made-up load traces: activation, scale-out, hysteresis, down to zero."""

from __future__ import annotations

import pytest

from tooling.scaling.policy import LoadSample, ScalingPolicy, ScalingRules

RULES = ScalingRules(minimum=0, maximum=8, lag_per_replica=100, rate_per_replica=50,
                     scale_in_window_s=30, idle_s=60, rate_window_s=10)


def run(policy: ScalingPolicy, trace: list[tuple[float, int, int]], current: int) -> list[int]:
    """Feed (at, produced, consumed) samples; apply each decision; the replica counts after each."""
    counts = []
    for at, produced, consumed in trace:
        policy.observe(LoadSample(at, produced, consumed))
        current = policy.decide(current).replicas
        counts.append(current)
    return counts


def steady(start: float, seconds: int, rate: int, produced: int, lag: int = 0) -> list[tuple[float, int, int]]:
    """One sample a second of input arriving at `rate`/s, the group `lag` behind."""
    return [(start + s, produced + rate * s, produced + rate * s - lag) for s in range(1, seconds + 1)]


def test_nothing_to_do_means_no_replicas() -> None:
    assert run(ScalingPolicy(RULES), steady(0, 20, rate=0, produced=500), current=0) == [0] * 20


def test_lag_at_zero_replicas_starts_one_at_once() -> None:
    policy = ScalingPolicy(RULES)
    assert run(policy, [(0.0, 0, 0), (1.0, 30, 0)], current=0) == [0, 1]


def test_scales_out_at_once_to_cover_the_backlog_and_the_rate() -> None:
    policy = ScalingPolicy(RULES)
    run(policy, steady(0, 10, rate=40, produced=0), current=1)
    # input jumps to 300/s and a backlog of 450 builds: max(ceil(450/100), ceil(rate/50))
    decision_counts = run(policy, steady(10, 10, rate=300, produced=400, lag=450), current=1)
    assert decision_counts[-1] == 6  # rate over the 10 s window reaches 300/s -> 6 replicas
    assert decision_counts[0] >= 5  # the backlog alone asked for 5 on the first sample


def test_never_more_than_the_maximum() -> None:
    policy = ScalingPolicy(RULES)
    assert run(policy, steady(0, 5, rate=10_000, produced=0, lag=50_000), current=1)[-1] == RULES.maximum


def test_a_short_lull_does_not_scale_in() -> None:
    policy = ScalingPolicy(RULES)
    run(policy, steady(0, 15, rate=200, produced=0), current=4)
    lull = run(policy, steady(15, 20, rate=0, produced=3000), current=4)
    assert min(lull) == 4  # within the 30 s window the earlier 4 still holds


def test_scales_in_after_the_window_then_to_zero_after_the_idle_time() -> None:
    policy = ScalingPolicy(RULES)
    run(policy, steady(0, 15, rate=200, produced=0), current=4)
    quiet = run(policy, steady(15, 90, rate=0, produced=3000), current=4)
    first_one = quiet.index(1)
    assert 30 <= first_one + 1 <= 45  # after the scale-in window, once the rate window emptied
    assert quiet[first_one:quiet.index(0)] == [1] * (quiet.index(0) - first_one)
    assert quiet.index(0) + 1 >= 60  # zero only after 60 s without lag or input
    assert quiet[-1] == 0


def test_the_minimum_is_kept_when_idle() -> None:
    rules = ScalingRules(minimum=2, maximum=4, lag_per_replica=100, rate_per_replica=50)
    assert run(ScalingPolicy(rules), steady(0, 100, rate=0, produced=0), current=3)[-1] == 2


@pytest.mark.parametrize("bounds", [(3, 2), (0, 0), (-1, 2)])
def test_bad_bounds_are_refused(bounds: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="minimum"):
        ScalingRules(minimum=bounds[0], maximum=bounds[1], lag_per_replica=1, rate_per_replica=1)


@pytest.mark.parametrize("text", ["4", "a:b", "3:2", "0:0", ":2"])
def test_autoscale_flag_errors_say_what_is_wanted(text: str) -> None:
    from streamscribe.errors import ConfigurationError
    from tooling.scaling.settings import parse_bounds

    with pytest.raises(ConfigurationError, match="MIN"):
        parse_bounds(text)
    assert parse_bounds("0:4") == (0, 4)


def test_step_bench_reads_decisions_and_times_them_against_the_steps() -> None:
    from tooling.bench.autoscale import decisions_in, scaling_times

    log = """2026-11-30 04:21:50,364 INFO tooling.scaling.loop: autoscale recognizers: 0 -> 1 (lag 6, ...)
2026-11-30 04:26:40,569 INFO tooling.scaling.loop: autoscale stream-app: 1 -> 2 (lag 56587, ...)
2026-11-30 04:27:44,573 INFO tooling.scaling.loop: autoscale stream-app: 2 -> 4 (lag 222647, ...)
2026-11-30 04:29:45,740 INFO tooling.scaling.loop: autoscale stream-app: 4 -> 3 (lag 310, ...)
2026-11-30 04:30:14,231 INFO tooling.scaling.loop: autoscale stream-app: 3 -> 1 (lag 960, ...)
"""
    decisions = decisions_in(log)
    assert [(name, old, new) for _, name, old, new in decisions][:2] == [("recognizers", 0, 1), ("stream-app", 1, 2)]
    step_up = decisions[1][0] - 20.0
    step_down = decisions[2][0] + 7.0
    times = scaling_times(decisions, "stream-app", step_up, step_down, initial=1)
    assert times == {"before_step": 1, "peak": 4, "first_scale_out_s": 20.0, "reached_peak_s": 84.0,
                     "first_scale_in_s": 114.2, "back_down_s": 142.7, "at_end": 1}
    assert scaling_times(decisions, "recognizers", step_up, step_down, initial=0)["before_step"] == 1

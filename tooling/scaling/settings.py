"""Settings of `streamscribe up --autoscale` (env vars STREAMSCRIBE_AUTOSCALE_*)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from streamscribe.errors import ConfigurationError
from tooling.scaling.policy import ScalingRules


def parse_bounds(text: str) -> tuple[int, int]:
    """`MIN:MAX` as two ints (0 <= MIN <= MAX, MAX >= 1); ConfigurationError otherwise."""
    low, sep, high = text.partition(":")
    if not sep or not low.strip().isdigit() or not high.strip().isdigit():
        raise ConfigurationError(f"--autoscale wants MIN:MAX, e.g. 0:4, not {text!r}")
    bounds = int(low), int(high)
    if bounds[0] > bounds[1] or bounds[1] < 1:
        raise ConfigurationError(f"--autoscale {text}: need MIN <= MAX and MAX >= 1")
    return bounds


class AutoscaleSettings(BaseSettings):
    """Targets per replica and the hysteresis; the defaults fit one CPU recognizer of the shipped model."""

    model_config = SettingsConfigDict(env_prefix="STREAMSCRIBE_AUTOSCALE_")

    interval_s: float = Field(default=2.0, gt=0, description="seconds between load samples")
    recognizer_lag_per_replica: float = Field(default=20, gt=0, description="segments waiting per recognizer")
    recognizer_rate_per_replica: float = Field(default=40, gt=0, description="segments/s one recognizer keeps up with")
    stream_app_lag_per_replica: float = Field(
        default=50_000, gt=0, description="chunks behind per worker (open streams hold their unemitted audio)"
    )
    stream_app_rate_per_replica: float = Field(default=4_000, gt=0, description="chunks/s one worker keeps up with")
    scale_in_window_s: float = Field(default=30, ge=0,
                                     description="scale in only to the highest count wanted this long")
    idle_s: float = Field(default=60, ge=0, description="no lag and no input this long before the last replica stops")
    rate_window_s: float = Field(default=10, gt=0, description="input rate measured over this window")
    metrics_port: int | None = Field(
        default=None, ge=0, description="serve the autoscaler's Prometheus metrics on this port (0: a free one)",
        json_schema_extra={"flag": "autoscale-metrics-port"},
    )

    def recognizer_rules(self, minimum: int, maximum: int) -> ScalingRules:
        return ScalingRules(minimum, maximum, self.recognizer_lag_per_replica, self.recognizer_rate_per_replica,
                            self.scale_in_window_s, self.idle_s, self.rate_window_s)

    def stream_app_rules(self, maximum: int, partitions: int) -> ScalingRules:
        """Stream app workers: at least one (it closes idle streams), no more than the chunk partitions."""
        return ScalingRules(1, max(1, min(maximum, partitions)), self.stream_app_lag_per_replica,
                            self.stream_app_rate_per_replica, self.scale_in_window_s, self.idle_s, self.rate_window_s)

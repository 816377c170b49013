"""The autoscaler's metrics: replicas, the load it saw, and changes counted by direction."""

from prometheus_client import CollectorRegistry

from tooling.scaling.metrics import AutoscaleMetrics
from tooling.scaling.policy import Decision


def test_replicas_and_changes_follow_what_the_autoscaler_did() -> None:
    registry = CollectorRegistry()
    metrics = AutoscaleMetrics(registry)

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(f"streamscribe_autoscale_{name}", labels)

    metrics.running("recognizers", 0)
    assert value("replicas", service="recognizers") == 0
    assert value("changes_total", service="recognizers", direction="out") is None

    metrics.observed("recognizers", Decision(replicas=2, lag=40, rate=12.5, reason="lag"))
    metrics.running("recognizers", 2, before=0)
    metrics.running("recognizers", 2, before=2)  # no change: nothing counted
    metrics.running("recognizers", 1, before=2)
    assert value("replicas", service="recognizers") == 1
    assert (value("lag", service="recognizers"), value("input_rate", service="recognizers")) == (40, 12.5)
    assert value("changes_total", service="recognizers", direction="out") == 1
    assert value("changes_total", service="recognizers", direction="in") == 1

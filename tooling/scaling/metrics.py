"""Prometheus metrics of `up --autoscale` (`streamscribe_autoscale_*`): what each scaled service
runs, the load the policy saw and the changes it made, for dashboards and for tests to wait on."""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge

from tooling.scaling.policy import Decision

PREFIX = "streamscribe_autoscale"


class AutoscaleMetrics:
    """One set per autoscaler; labelled by the scaled service (`stream-app`, `recognizers`)."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.replicas = Gauge(f"{PREFIX}_replicas", "Replicas running (started, ready or warming up)",
                              ["service"], registry=registry)
        self.lag = Gauge(f"{PREFIX}_lag", "Messages produced to the service's group and not committed yet",
                         ["service"], registry=registry)
        self.input_rate = Gauge(f"{PREFIX}_input_rate", "Messages per second produced to the service's input",
                                ["service"], registry=registry)
        self.changes = Counter(f"{PREFIX}_changes", "Replica count changes made, by direction",
                               ["service", "direction"], registry=registry)

    def observed(self, service: str, decision: Decision) -> None:
        """The policy's view of one round."""
        self.lag.labels(service).set(decision.lag)
        self.input_rate.labels(service).set(decision.rate)

    def running(self, service: str, replicas: int, before: int | None = None) -> None:
        """The service runs `replicas` now (`before`: how many it ran before a change)."""
        if before is not None and before != replicas:
            self.changes.labels(service, "out" if replicas > before else "in").inc()
        self.replicas.labels(service).set(replicas)

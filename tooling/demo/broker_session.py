"""A Kafka broker for the length of a command: the configured one, or the embedded one.

This is the embedded-broker fallback of the commands that run a whole stack (`demo`, `up`,
`bench`); the service commands use `infra.cluster.with_embedded_broker`.

When no bootstrap servers are configured, the embedded broker is used; if it is not running
it is started, and then stopped again at the end (only when this command started it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from streamscribe.settings import KafkaSettings

log = logging.getLogger(__name__)


@contextmanager
def kafka_for_session(kafka: KafkaSettings) -> Iterator[KafkaSettings]:
    """Yield `kafka` with explicit bootstrap servers, starting the embedded broker if needed."""
    if kafka.bootstrap_servers:
        yield kafka
        return
    from infra.broker import EmbeddedBroker  # noqa: PLC0415 - only when no Kafka is configured
    from infra.cluster import BrokerCluster  # noqa: PLC0415

    cluster = BrokerCluster.default()
    if cluster.exists and cluster.is_running():
        yield kafka.model_copy(update={"bootstrap_servers": cluster.bootstrap_servers})
        return
    broker = EmbeddedBroker.default()
    if broker.is_running():
        yield kafka.model_copy(update={"bootstrap_servers": broker.bootstrap_servers})
        return
    log.info("starting the embedded Kafka broker (state in %s)", broker.home)
    try:  # a broker that does not answer in time is stopped too, not left running
        yield kafka.model_copy(update={"bootstrap_servers": broker.start()})
    finally:
        log.info("stopping the embedded Kafka broker this command started")
        broker.stop()

"""The whole 3-node cluster goes down mid-stream for longer than the stream app's idle timeout (its
quorum lost: no node serves), then comes back: every live stream still comes out whole (issue 22).

The same check as tests/stream_app/test_outage.py (producer SDK at real-time pace, one stream-app
worker with a 5 s idle timeout), with topics and the stream app's state replicated on three nodes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.cluster import BrokerCluster
from tests.stream_app.test_outage import held_down, streams_survive
from tests.topics import fresh_topics

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.timeout(400)]


def test_a_cluster_that_loses_its_whole_quorum_for_a_while_cuts_no_stream(
    broker_cluster: BrokerCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    bootstrap = broker_cluster.bootstrap_servers
    topics = fresh_topics(bootstrap, "quorum", replication_factor=3)
    monkeypatch.setenv("STREAMSCRIBE_TOPIC_REPLICATION_FACTOR", "3")  # the stream app's own state topic too

    def restart() -> None:
        broker_cluster.start()
        broker_cluster.wait_until_fully_replicated([topics.chunks, topics.segments, topics.rejected])

    streams_survive(bootstrap, topics, tmp_path / "worker", held_down(broker_cluster.stop, restart))

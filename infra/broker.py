"""An embedded Apache Kafka node (KRaft, combined broker+controller mode).

Alone it is the single-node broker; `infra.cluster.BrokerCluster` runs several of them as one
replicated cluster (static controller quorum, `voters`). State lives under `home`:
`server.properties` (written on first start, so a restart reuses its ports and cluster),
`data/`, `broker.pid` and `broker.log`.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka.admin import AdminClient

from infra.kafka_jars import LOG4J_CONFIG, ensure_jars, find_java
from infra.security import BrokerSecrets, grant_pipeline_acls, listener_properties, scram_format_arguments
from streamscribe.errors import ConfigurationError, StreamscribeError
from streamscribe.paths import state_home
from streamscribe.settings import KafkaSettings

log = logging.getLogger(__name__)

BROKER_PROPERTIES = """\
process.roles=broker,controller
node.id={node_id}
{listeners}
controller.listener.names=CONTROLLER
{quorum}
log.dirs={data_dir}
num.partitions=1
default.replication.factor={replicas}
min.insync.replicas={min_isr}
offsets.topic.replication.factor={replicas}
offsets.topic.num.partitions=10
transaction.state.log.replication.factor={replicas}
transaction.state.log.min.isr={min_isr}
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor={replicas}
share.coordinator.state.topic.min.isr={min_isr}
group.initial.rebalance.delay.ms=0
message.max.bytes=10485760
replica.fetch.max.bytes=10485760
log.retention.hours=24
log.segment.bytes=268435456
auto.create.topics.enable=false
"""


PLAINTEXT_LISTENERS = """\
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT"""


class BrokerError(StreamscribeError):
    """The embedded broker could not be started, reached or stopped."""


def min_insync_replicas(replication_factor: int) -> int:
    """Writes need a majority of the replicas from 3 up (so one node may be down), else one.

    With 2 replicas a majority would be both, and any broker loss would stop writes.
    """
    return replication_factor // 2 + 1 if replication_factor >= 3 else 1


EPHEMERAL_PORTS = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST_LISTEN_PORT = 10_000


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now, below the kernel's ephemeral range.

    A port that `bind(0)` hands out comes from that range, where any outgoing connection (a Kafka
    client's, say) can take it in the seconds before the server that was meant to listen there
    starts, which then fails to start. Ports below the range are only ever taken by listeners."""
    first_ephemeral = int(EPHEMERAL_PORTS.read_text().split()[0]) if EPHEMERAL_PORTS.exists() else 32_768
    candidates = range(LOWEST_LISTEN_PORT, first_ephemeral)
    for port in random.sample(candidates, min(200, len(candidates))):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:  # in use (or lingering): try another
                continue
            return port
    with socket.socket() as sock:  # no room below the range on this machine
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class EmbeddedBroker:
    """Start, stop and query the embedded broker whose state is under `home`.

    `voters` (`id@host:port,...`) makes it node `node_id` of a static controller quorum of
    `replicas` nodes sharing `cluster_id`; without it, it is a standalone single node.
    `sasl_ssl` gives it a SASL_SSL client listener with SCRAM users and ACLs (infra.security).
    """

    home: Path
    port: int | None = None
    controller_port: int | None = None
    heap: str = "1g"
    node_id: int = 1
    voters: str | None = None
    replicas: int = 1
    cluster_id: str | None = None
    sasl_ssl: bool = False

    @classmethod
    def default(cls) -> EmbeddedBroker:
        """The broker under $STREAMSCRIBE_HOME (ports from STREAMSCRIBE_BROKER_PORT if set)."""
        port = os.environ.get("STREAMSCRIBE_BROKER_PORT")
        return cls(state_home() / "broker", port=int(port) if port else None)

    @property
    def properties_file(self) -> Path:
        return self.home / "server.properties"

    @property
    def pid_file(self) -> Path:
        return self.home / "broker.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "broker.log"

    @property
    def security_dir(self) -> Path:
        return self.home / "security"

    @property
    def is_secured(self) -> bool:
        """True for a broker started with a SASL_SSL listener (now or on its first start)."""
        return self.sasl_ssl or (self.security_dir / "secrets.json").exists()

    def secrets(self) -> BrokerSecrets:
        """Passwords and certificate files of a secured broker."""
        return BrokerSecrets.load(self.security_dir)

    def admin_settings(self) -> KafkaSettings:
        """How the broker's own tooling reaches it: plain, or as the SCRAM admin when secured."""
        if self.is_secured:
            return self.secrets().client_settings(self.bootstrap_servers, admin=True)
        return KafkaSettings(bootstrap_servers=self.bootstrap_servers)

    @property
    def bootstrap_servers(self) -> str:
        """`host:port` of the client listener, read from the broker's properties."""
        for line in self._read_properties().splitlines():
            if line.startswith("advertised.listeners="):
                return line.split("//", 1)[1].strip()
        raise BrokerError(f"no advertised.listeners in {self.properties_file}")

    def _read_properties(self) -> str:
        if not self.properties_file.exists():
            raise BrokerError(f"the embedded broker was never started here ({self.home})")
        return self.properties_file.read_text()

    def pid(self) -> int | None:
        """PID of the running broker process, or None."""
        try:
            pid = int(self.pid_file.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _running(pid) else None

    def is_running(self) -> bool:
        """True when the process is alive and answers a metadata request."""
        return self.pid() is not None and self._answers(timeout=2.0)

    def start(self, timeout: float = 90.0) -> str:
        """Start the broker (formatting storage the first time); returns bootstrap servers."""
        self.launch()
        self.wait_until_ready(timeout)
        if self.is_secured:
            grant_pipeline_acls(self.bootstrap_servers, self.secrets())
            self.secrets().write_client_env(self.bootstrap_servers)
        log.info("embedded Kafka broker ready at %s (state in %s)", self.bootstrap_servers, self.home)
        return self.bootstrap_servers

    def launch(self) -> None:
        """Start the process unless it runs (formatting storage the first time); does not wait.

        A cluster node answers only once a majority of the quorum runs, so a cluster launches
        every node before it waits for any.
        """
        if self.pid() is not None:
            return
        java = find_java()
        require_java_version(java)
        libs = ensure_jars()
        first_start = not self.properties_file.exists()
        if first_start:
            self._write_properties()
        classpath = f"{libs}/*"
        if first_start or not (self.home / "data" / "meta.properties").exists():
            self._format_storage(java, classpath)
        self._launch(java, classpath)

    def _write_properties(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        controller_port = self.controller_port or free_port()
        port = self.port or free_port()
        listeners = PLAINTEXT_LISTENERS.format(port=port, controller_port=controller_port)
        if self.sasl_ssl:
            listeners = listener_properties(port, controller_port, BrokerSecrets.create(self.security_dir))
        quorum = (
            f"controller.quorum.voters={self.voters}" if self.voters
            else f"controller.quorum.bootstrap.servers=127.0.0.1:{controller_port}"
        )
        text = BROKER_PROPERTIES.format(
            node_id=self.node_id,
            listeners=listeners,
            quorum=quorum,
            data_dir=self.home / "data",
            replicas=self.replicas,
            min_isr=min_insync_replicas(self.replicas),
        )
        self.properties_file.write_text(text)
        if self.sasl_ssl:
            self.properties_file.chmod(0o600)  # it holds the admin's and the keystore's passwords

    def _java_command(self, java: str, classpath: str, *args: str) -> list[str]:
        return [
            java, f"-Xmx{self.heap}", "-XX:+UseG1GC", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}", "-cp", classpath, *args,
        ]

    def _format_storage(self, java: str, classpath: str) -> None:
        quorum = [] if self.voters else ["--standalone"]
        users = scram_format_arguments(self.secrets()) if self.is_secured else []
        command = self._java_command(
            java, classpath, "kafka.tools.StorageTool", "format", *quorum, *users,
            "-t", self.cluster_id or new_cluster_id(), "-c", str(self.properties_file), "--ignore-formatted",
        )
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BrokerError(f"formatting Kafka storage failed:\n{result.stdout}{result.stderr}")

    def _launch(self, java: str, classpath: str) -> None:
        command = self._java_command(java, classpath, "kafka.Kafka", str(self.properties_file))
        with self.log_file.open("ab") as log_out:
            process = subprocess.Popen(
                command, stdout=log_out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        self.pid_file.write_text(str(process.pid))

    def _answers(self, timeout: float) -> bool:
        admin = AdminClient(self.admin_settings().client_config(log_level=0))
        try:
            metadata = admin.list_topics(timeout=timeout)
        except Exception:  # noqa: BLE001 - any failure means "not answering yet"
            return False
        return bool(metadata.brokers)

    def wait_until_ready(self, timeout: float) -> None:
        """Block until the broker answers a metadata request; BrokerError with its log if not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pid() is None:
                raise BrokerError(f"the broker exited during start-up; last log lines:\n{self.log_tail()}")
            if self._answers(timeout=2.0):
                return
        raise BrokerError(f"the broker did not answer within {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the broker cleanly (SIGTERM, then SIGKILL after `timeout`); False if not running."""
        pid = self.request_stop()
        if pid is None:
            return False
        self.await_exit(pid, timeout)
        return True

    def request_stop(self) -> int | None:
        """Send SIGTERM (controlled shutdown) without waiting; the pid, or None if not running."""
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
        return pid

    def await_exit(self, pid: int, timeout: float) -> None:
        """Wait for the process to exit; SIGKILL after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.2)
        if _alive(pid):
            log.warning("broker %d (%s) still running after SIGTERM; killing it", pid, self.home)
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the broker's log, for error messages."""
        if not self.log_file.exists():
            return "(no broker log)"
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


def new_cluster_id() -> str:
    """A fresh KRaft cluster id (22 characters)."""
    return uuid.uuid4().hex[:22]


def _alive(pid: int) -> bool:
    """True while the process runs; reaps it when it is this process's child and has exited."""
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        waited = 0
    return waited != pid and _running(pid)


def _running(pid: int) -> bool:
    """True while the process exists and has not exited. kill(pid, 0) alone also succeeds for a zombie
    (exited, not yet reaped by its parent: a node that another process started, e.g. a test that restarted
    it), which made `broker stop` wait out its timeout and `broker status` list the node as running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """True when the process has exited and waits to be reaped (Linux /proc; elsewhere never)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] == "Z"  # the state follows the command name in parentheses


def require_java_version(java: str) -> None:
    """Fail clearly when `java` is older than 17 (Kafka 4 needs it)."""
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    banner = result.stderr.splitlines()[0] if result.stderr else ""
    digits = banner.split('"')[1].split(".")[0] if '"' in banner else "0"
    if not digits.isdigit() or int(digits) < 17:
        raise ConfigurationError(f"Kafka 4 needs Java 17 or newer; found {banner!r}")

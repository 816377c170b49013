"""Kafka security for the embedded broker: a SASL_SSL listener (SCRAM-SHA-512) with ACLs.

On first start of a secured broker (`streamscribe broker start --sasl-ssl`), under
`<home>/security/`:

- a CA and a broker certificate for `localhost`/`127.0.0.1`, made with openssl, the broker's
  key and chain in a PKCS#12 keystore (`ca.pem` is what clients trust);
- two SCRAM-SHA-512 users, created in the storage format (KRaft has no ZooKeeper to hold them):
  `admin`, the super user the broker itself and ACL management use, and `streamscribe`, the
  pipeline's user, which gets ACLs for the pipeline's topics, groups and transactional ids;
- `client.env`: the KAFKA_* variables a client of the pipeline needs (mode 0600).

The broker then has one client listener, SASL_SSL; everyone else (no credentials, wrong
password, a user without ACLs) is refused. The controller listener stays PLAINTEXT on loopback.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from confluent_kafka.admin import (
    AclBinding,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
)

from streamscribe.errors import ConfigurationError
from streamscribe.settings import KafkaSettings

MECHANISM = "SCRAM-SHA-512"
ADMIN_USER = "admin"
CLIENT_USER = "streamscribe"
CERT_DAYS = 365


@dataclass(frozen=True)
class BrokerSecrets:
    """The passwords and files of one secured broker."""

    directory: Path
    admin_password: str
    client_password: str
    keystore_password: str

    @property
    def ca_file(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def keystore(self) -> Path:
        return self.directory / "broker.p12"

    @classmethod
    def load(cls, directory: Path) -> BrokerSecrets:
        values = json.loads((directory / "secrets.json").read_text())
        return cls(directory, **values)

    @classmethod
    def create(cls, directory: Path) -> BrokerSecrets:
        """New passwords, certificates and client.env under `directory`."""
        directory.mkdir(parents=True, exist_ok=True)
        made = cls(directory, secrets.token_urlsafe(18), secrets.token_urlsafe(18), secrets.token_urlsafe(18))
        _private_file(directory / "secrets.json", json.dumps(
            {k: v for k, v in asdict(made).items() if k != "directory"}
        ))
        made_certificates(made)
        return made

    def client_settings(self, bootstrap_servers: str, admin: bool = False) -> KafkaSettings:
        """KafkaSettings for the pipeline's user (or the admin) over SASL_SSL."""
        return KafkaSettings(
            bootstrap_servers=bootstrap_servers, security_protocol="SASL_SSL", sasl_mechanism=MECHANISM,
            sasl_username=ADMIN_USER if admin else CLIENT_USER,
            sasl_password=self.admin_password if admin else self.client_password,
            ssl_ca_location=self.ca_file,
        )

    def write_client_env(self, bootstrap_servers: str) -> Path:
        """`client.env`: the pipeline user's KAFKA_* variables, for `set -a; . client.env`."""
        env = self.client_settings(bootstrap_servers).environment()
        path = self.directory / "client.env"
        _private_file(path, "".join(f"{name}={value}\n" for name, value in sorted(env.items())))
        return path


def _private_file(path: Path, text: str) -> None:
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text)


def _run(*command: str) -> None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise ConfigurationError(f"{command[0]} was not found: the secured broker needs it (Debian: openssl)") from None
    if result.returncode != 0:
        raise ConfigurationError(f"{' '.join(command[:3])} failed: {result.stderr.strip()}")


def made_certificates(made: BrokerSecrets) -> None:
    """A CA, a broker certificate signed by it (SAN localhost, 127.0.0.1), and the PKCS#12 keystore."""
    d = made.directory
    _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", str(CERT_DAYS),
         "-subj", "/CN=streamscribe embedded CA", "-keyout", str(d / "ca.key"), "-out", str(made.ca_file))
    _run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
         "-keyout", str(d / "broker.key"), "-out", str(d / "broker.csr"))
    (d / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _run("openssl", "x509", "-req", "-in", str(d / "broker.csr"), "-CA", str(made.ca_file), "-CAkey", str(d / "ca.key"),
         "-CAcreateserial", "-days", str(CERT_DAYS), "-extfile", str(d / "san.ext"), "-out", str(d / "broker.pem"))
    _run("openssl", "pkcs12", "-export", "-in", str(d / "broker.pem"), "-inkey", str(d / "broker.key"),
         "-certfile", str(made.ca_file), "-name", "broker", "-out", str(made.keystore),
         "-passout", f"pass:{made.keystore_password}")
    for secret in ("ca.key", "broker.key"):
        (d / secret).chmod(0o600)


def listener_properties(port: int, controller_port: int, made: BrokerSecrets) -> str:
    """The listener and security lines of a secured broker's server.properties."""
    jaas = (f'org.apache.kafka.common.security.scram.ScramLoginModule required '
            f'username="{ADMIN_USER}" password="{made.admin_password}";')
    return "\n".join([
        f"listeners=SASL_SSL://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        f"advertised.listeners=SASL_SSL://127.0.0.1:{port}",
        "listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name=SASL_SSL",
        f"sasl.enabled.mechanisms={MECHANISM}",
        f"sasl.mechanism.inter.broker.protocol={MECHANISM}",
        f"listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config={jaas}",
        "ssl.keystore.type=PKCS12",
        f"ssl.keystore.location={made.keystore}",
        f"ssl.keystore.password={made.keystore_password}",
        f"ssl.truststore.type=PEM",
        f"ssl.truststore.location={made.ca_file}",
        "ssl.endpoint.identification.algorithm=https",
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        # ANONYMOUS reaches only the loopback controller listener (the broker's own controller traffic)
        f"super.users=User:{ADMIN_USER};User:ANONYMOUS",
        "allow.everyone.if.no.acl.found=false",
    ])


def scram_format_arguments(made: BrokerSecrets) -> list[str]:
    """`kafka-storage format` arguments that create the two SCRAM users."""
    return [
        "--add-scram", f"{MECHANISM}=[name={ADMIN_USER},password={made.admin_password}]",
        "--add-scram", f"{MECHANISM}=[name={CLIENT_USER},password={made.client_password}]",
    ]


def pipeline_acls(user: str = CLIENT_USER) -> list[AclBinding]:
    """What the pipeline's user may do: its topics, consumer groups and transactions (any name)."""
    principal = f"User:{user}"

    def allow(kind: ResourceType, name: str, operation: AclOperation) -> AclBinding:
        return AclBinding(kind, name, ResourcePatternType.LITERAL, principal, "*", operation, AclPermissionType.ALLOW)

    return [
        allow(ResourceType.TOPIC, "*", AclOperation.ALL),
        allow(ResourceType.GROUP, "*", AclOperation.ALL),
        allow(ResourceType.TRANSACTIONAL_ID, "*", AclOperation.ALL),
        allow(ResourceType.BROKER, "kafka-cluster", AclOperation.IDEMPOTENT_WRITE),
        allow(ResourceType.BROKER, "kafka-cluster", AclOperation.DESCRIBE),
    ]


def grant_pipeline_acls(bootstrap_servers: str, made: BrokerSecrets, timeout: float = 30.0) -> None:
    """Create the pipeline user's ACLs as the admin (creating an existing ACL is a no-op)."""
    admin = AdminClient(made.client_settings(bootstrap_servers, admin=True).client_config())
    for future in admin.create_acls(pipeline_acls(), request_timeout=timeout).values():
        future.result()

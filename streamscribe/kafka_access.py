"""Why a client may not use Kafka, said plainly: unreachable, refused login, TLS, no ACL, no topic."""

from __future__ import annotations

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient

from streamscribe.errors import ConfigurationError
from streamscribe.settings import KafkaSettings

SECURITY_HINT = (
    "if the brokers require SASL_SSL, set KAFKA_SECURITY_PROTOCOL=SASL_SSL, KAFKA_SASL_USERNAME, "
    "KAFKA_SASL_PASSWORD and KAFKA_SSL_CA_LOCATION (docs/operations.md)"
)


def connection_error(kafka: KafkaSettings, error: KafkaError) -> ConfigurationError:
    """A ConfigurationError that says what went wrong talking to Kafka and what to check."""
    where = f"Kafka at {kafka.bootstrap_servers} ({kafka.security_protocol})"
    code = error.code()
    if code == KafkaError._AUTHENTICATION:
        return ConfigurationError(
            f"{where} refused the login of user {kafka.sasl_username!r} ({kafka.sasl_mechanism}): {error.str()}"
        )
    if code == KafkaError._SSL:
        return ConfigurationError(f"TLS with {where} failed: {error.str()} (check KAFKA_SSL_CA_LOCATION)")
    hint = f"; {SECURITY_HINT}" if not kafka.uses_sasl else ""
    return ConfigurationError(f"cannot reach {where}: {error.str()}{hint}")


def require_topic(kafka: KafkaSettings, topic: str, timeout: float = 10.0) -> None:
    """Return when `topic` exists and this client may use it; else a ConfigurationError saying why."""
    reported: list[KafkaError] = []  # the client's own errors say more than "transport failure"
    admin = AdminClient(kafka.client_config(error_cb=reported.append))
    try:
        metadata = admin.list_topics(topic=topic, timeout=timeout)
    except KafkaException as exc:
        admin.poll(0)
        telling = [error for error in reported if error.code() in (KafkaError._AUTHENTICATION, KafkaError._SSL)]
        raise connection_error(kafka, telling[0] if telling else exc.args[0]) from None
    found = metadata.topics.get(topic)
    if found is not None and found.error is not None and found.error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED:
        raise ConfigurationError(
            f"user {kafka.sasl_username!r} is not allowed to use topic {topic!r} at {kafka.bootstrap_servers}: "
            "it needs ACLs (docs/operations.md, 'Kafka security')"
        )
    if found is None or found.error is not None:
        raise ConfigurationError(
            f"topic {topic!r} does not exist at {kafka.bootstrap_servers}: create it with `streamscribe topics`"
        )

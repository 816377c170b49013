"""Helpers for Kafka headers, which arrive as a list of (name, bytes | None) pairs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, NamedTuple, Protocol, TypeVar

KafkaHeaders = list[tuple[str, bytes]]


class KafkaMessage(NamedTuple):
    """What a contract's `encode()` gives: the key, value and headers to produce."""

    key: bytes
    value: bytes
    headers: KafkaHeaders


class WritesHeaders(Protocol):
    """A contract's headers: they know how the contract writes them."""

    def to_kafka(self) -> KafkaHeaders: ...


HeadersT = TypeVar("HeadersT", bound=WritesHeaders)


@dataclass(frozen=True, slots=True)
class AudioMessage(Generic[HeadersT]):
    """A keyed audio message, as `audio.chunks` and `audio.segments` carry them: key = stream_id,
    value = PCM, and the topic's headers."""

    stream_id: str
    headers: HeadersT
    pcm: bytes

    def encode(self) -> KafkaMessage:
        """The message to produce (the inverse of the topic's `decode_*`)."""
        return KafkaMessage(self.stream_id.encode(), self.pcm, self.headers.to_kafka())


def headers_to_dict(headers: Iterable[tuple[str, bytes | None]] | None) -> dict[str, bytes]:
    """Last value wins; a header sent without a value (kcat's `-H eos`) maps to b""."""
    return {name: (value or b"") for name, value in (headers or [])}


def dict_to_headers(values: Mapping[str, object]) -> KafkaHeaders:
    """Encode header values as UTF-8 decimal/plain text, as the contracts require."""
    return [(name, str(value).encode()) for name, value in values.items()]

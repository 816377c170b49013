"""Helpers for Kafka headers, which arrive as a list of (name, bytes | None) pairs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

KafkaHeaders = list[tuple[str, bytes]]


class KafkaMessage(NamedTuple):
    """What a contract's `encode()` gives: the key, value and headers to produce."""

    key: bytes
    value: bytes
    headers: KafkaHeaders


def headers_to_dict(headers: Iterable[tuple[str, bytes | None]] | None) -> dict[str, bytes]:
    """Last value wins; a header sent without a value (kcat's `-H eos`) maps to b""."""
    return {name: (value or b"") for name, value in (headers or [])}


def dict_to_headers(values: Mapping[str, object]) -> KafkaHeaders:
    """Encode header values as UTF-8 decimal/plain text, as the contracts require."""
    return [(name, str(value).encode()) for name, value in values.items()]

"""Who may stream and how many at once: API keys, a per-key limit and the gateway's capacity (pure).

Keys are compared in constant time. Without keys configured the gateway is open (one shared
"anonymous" identity, and only the capacity applies). At capacity a new stream is refused at
once (503 / 1013) instead of slowing every stream down.
"""

from __future__ import annotations

import hmac
from collections import Counter

from gateway.protocol import Refusal, Refused

ANONYMOUS = "anonymous"


def authenticate(keys: frozenset[str], authorization: str | None, token: str | None) -> str:
    """The caller's key (`Authorization: Bearer KEY`, or `?token=KEY` for browsers); Refused if wrong.

    Returns ANONYMOUS when no keys are configured.
    """
    if not keys:
        return ANONYMOUS
    offered = token
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Refused(Refusal.UNAUTHORIZED, "the Authorization header must be 'Bearer <api key>'")
        offered = value.strip()
    if not offered:
        raise Refused(Refusal.UNAUTHORIZED, "an API key is required (Authorization: Bearer, or ?token=)")
    matched = [key for key in keys if hmac.compare_digest(key.encode(), offered.encode())]
    if not matched:
        raise Refused(Refusal.UNAUTHORIZED, "the API key is not valid")
    return matched[0]


class Admission:
    """Counts the streams open now, per key and in all."""

    def __init__(self, capacity: int, per_key_limit: int) -> None:
        self.capacity = capacity
        self.per_key_limit = per_key_limit
        self._per_key: Counter[str] = Counter()
        self.open = 0

    def check(self, key: str) -> None:
        """Raise Refused (AT_CAPACITY / OVER_LIMIT) when a new stream of `key` would be refused now
        (before the work of reading an upload; `admit` decides)."""
        if self.open >= self.capacity:
            raise Refused(Refusal.AT_CAPACITY,
                          f"the gateway carries its maximum of {self.capacity} streams; retry later")
        if key != ANONYMOUS and self._per_key[key] >= self.per_key_limit:
            raise Refused(Refusal.OVER_LIMIT, f"this API key already has {self.per_key_limit} streams open")

    def admit(self, key: str) -> None:
        """Count a new stream of `key`, or raise Refused (AT_CAPACITY / OVER_LIMIT)."""
        self.check(key)
        self._per_key[key] += 1
        self.open += 1

    def release(self, key: str) -> None:
        """A stream of `key` ended."""
        self._per_key[key] -= 1
        if self._per_key[key] <= 0:
            del self._per_key[key]
        self.open -= 1

    def streams_of(self, key: str) -> int:
        """Streams `key` has open now."""
        return self._per_key[key]

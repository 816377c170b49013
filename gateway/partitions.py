"""Which `transcripts` partitions a gateway reads, and the stream ids it gives out (pure).

A gateway must not read every result of every stream once there are many gateways. Each
instance owns a few "home" partitions of `transcripts` and names the streams it creates so that
their key hashes (CRC-32, the recognizers' partitioner: `transcript_partition`) to one of them;
it reads those partitions only, by manual assignment (no consumer group, nothing committed).
A client that brings its own stream id adds that id's partition for as long as the stream lasts
(reference-counted). With G gateways of H home partitions each on P partitions, a gateway reads
about H/P of all results instead of all of them (measured by `streamscribe bench gateway`).
"""

from __future__ import annotations

import secrets
import zlib
from collections import Counter
from collections.abc import Callable

from streamscribe.contracts.transcript import transcript_partition


def home_partitions(instance_id: str, count: int, partitions: int, first: int | None = None) -> frozenset[int]:
    """`count` consecutive partitions (wrapping) from `first`, by default from a hash of the instance id.

    Set `first` per instance (e.g. the StatefulSet ordinal times `count`) to spread gateways evenly;
    the hash default spreads them at random.
    """
    start = zlib.crc32(instance_id.encode()) % partitions if first is None else first % partitions
    return frozenset((start + i) % partitions for i in range(min(count, partitions)))


def new_stream_id(
    prefix: str, home: frozenset[int], partitions: int, token: Callable[[], str] = lambda: secrets.token_hex(8),
) -> str:
    """A fresh, unguessable stream id whose results land in a home partition.

    Each try lands home with probability |home|/partitions, so this takes partitions/|home| tries
    on average (10 for 2 of 20); the loop is bounded by the draw, not by a count.
    """
    while True:
        stream_id = f"{prefix}-{token()}"
        if transcript_partition(stream_id, partitions) in home:
            return stream_id


class PartitionRefs:
    """The partitions a gateway reads: home ones always, others while a stream needs them."""

    def __init__(self, home: frozenset[int]) -> None:
        self.home = home
        self._extra: Counter[int] = Counter()

    @property
    def reading(self) -> frozenset[int]:
        """Every partition that is read now."""
        return self.home | frozenset(self._extra)

    def acquire(self, partition: int) -> bool:
        """A stream needs `partition`; True when it must be added to the assignment."""
        if partition in self.home:
            return False
        self._extra[partition] += 1
        return self._extra[partition] == 1

    def release(self, partition: int) -> bool:
        """A stream is done with `partition`; True when it can leave the assignment."""
        if partition in self.home or partition not in self._extra:
            return False
        self._extra[partition] -= 1
        if self._extra[partition]:
            return False
        del self._extra[partition]
        return True

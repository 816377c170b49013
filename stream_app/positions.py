"""Which fetched `audio.chunks` records the worker may process: each owned partition's records reach
the ingest core once, in offset order, from the offset its restored state starts at.

The core cannot tell a lost chunk from a late one (a `seq` gap is rejected and the stream resyncs
after it; an earlier seq arriving then is rejected as a repeat), so it must not be handed records
out of order or with holes. faust/aiokafka can do both: a record consumed and then dropped leaves
the consumer's position past it (faust's getmany drops the records of paused partitions, which
aiokafka hands out when faust's set of active partitions turns empty while a fetch waits, as at the
end of a changelog recovery), and faust seeks partitions back to their committed offsets.
`audio.chunks` is neither compacted nor transactional, so its offsets follow on: per partition the
worker expects the next offset, skips records behind it (already processed) and seeks back when one
is ahead of it (`RESEEK`). The rest of that fetch's records of the partition are skipped (they come
from the position being corrected); the next fetch starts where the seek put it. Offsets below the
partition's first retained one are gone: the seek then starts from there (`sought`). A partition
whose streams were just rebuilt takes no record until it is told where its records start (`start`):
the worker then seeks it there, so what was skipped meanwhile is read again.

The same object remembers each partition's last committed offset (`committed`), so everything
the worker knows about a partition's progress is in one place and goes when it is revoked. (The
ingest core derives the offsets safe to commit from its streams' resume points; faust keeps its
own read position, reached through stream_app/faust_glue.py.)
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class Verdict(Enum):
    """What to do with one fetched record."""

    ACCEPT = "accept"  # the next record of its partition: process it
    SKIP = "skip"  # not owned or started, already processed, or from a position being corrected
    RESEEK = "reseek"  # records before it were skipped by the consumer: read again from `next_offset`


class PartitionPositions:
    """Per partition this worker owns: the next offset the ingest core needs, and the last committed one."""

    def __init__(self) -> None:
        self._next: dict[int, int | None] = {}  # None: where its records start is not known yet
        self._stale: set[int] = set()
        self._committed: dict[int, int] = {}

    def own(self, partition: int) -> None:
        """The partition's streams were rebuilt from the table: its records wait for `start`."""
        self._next[partition] = None
        self._stale.discard(partition)

    def start(self, partition: int, offset: int) -> None:
        """The owned partition's records are read from `offset` on (unless it had a start already)."""
        if partition in self._next and self._next[partition] is None:
            self._next[partition] = offset

    def revoke(self, partitions: Iterable[int]) -> None:
        """These partitions are no longer processed here."""
        for partition in partitions:
            self._next.pop(partition, None)
            self._stale.discard(partition)
            self._committed.pop(partition, None)

    def owned(self) -> list[int]:
        """The partitions held here, in order."""
        return sorted(self._next)

    def owns(self, partition: int) -> bool:
        """True while the partition's streams are held here."""
        return partition in self._next

    def next_offset(self, partition: int) -> int | None:
        """The offset the partition must be read from next (None: not owned, or not started)."""
        return self._next.get(partition)

    def committed(self, partition: int, offset: int) -> None:
        """The partition's input offsets are committed up to `offset`."""
        self._committed[partition] = offset

    def committed_offsets(self) -> dict[int, int]:
        """The last committed offset of each partition that has one."""
        return self._committed

    def new_fetch(self) -> None:
        """A fetch starts: partitions sought during the last one are read from their new position."""
        self._stale.clear()

    def admit(self, partition: int, offset: int) -> Verdict:
        """Whether the record at `offset` of `partition` is the next one to process."""
        expected = self._next.get(partition)
        if expected is None or partition in self._stale or offset < expected:
            return Verdict.SKIP
        if offset > expected:
            self._stale.add(partition)
            return Verdict.RESEEK
        self._next[partition] = offset + 1
        return Verdict.ACCEPT

    def sought(self, partition: int, expected: int, offset: int) -> None:
        """The partition, expected at `expected`, is read again from `offset`: `expected`, or the first
        offset kept when that is higher (the records in between were deleted and will not come).
        Nothing changes if the partition was rebuilt meanwhile."""
        if self._next.get(partition) == expected:
            self._next[partition] = max(expected, offset)

"""Final segments the stream app sends again. After a stream-app worker restarts, it replays its
input from the last committed offsets and re-emits segments identical to ones it had already sent
(same stream, index, start sample and newest-chunk time: the cuts follow the chunks, not the
clock). A recognizer that has committed a final's result does not write it a second time.

Limit: the memory is the worker's own and holds the newest `capacity` finals. A copy that reaches
a worker which did not write the original (its partition moved in between) is recognised again and
written again: the same text, a duplicate that readers drop by (stream_id, segment).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence

from streamscribe.contracts.segment import Segment

Signature = tuple[str, int, int, int]


def signature(segment: Segment) -> Signature:
    """What a final segment and its replayed copies have in common, and a new segment does not."""
    headers = segment.headers
    return segment.stream_id, headers.index, headers.start_sample, headers.produced_at_ms


class WrittenFinals:
    """The signatures of the newest `capacity` final segments whose results this worker committed."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._written: OrderedDict[Signature, None] = OrderedDict()

    def copies(self, segments: Sequence[Segment]) -> set[int]:
        """Positions of the finals in `segments` that were written already, or come earlier in `segments`."""
        seen = set()
        positions = set()
        for position, segment in enumerate(segments):
            if not segment.headers.final:
                continue
            key = signature(segment)
            if key in self._written or key in seen:
                positions.add(position)
            seen.add(key)
        return positions

    def remember(self, segments: Iterable[Segment]) -> None:
        """The results of `segments` are committed: their finals count as written."""
        for segment in segments:
            if segment.headers.final and self._capacity:
                key = signature(segment)
                self._written[key] = None
                self._written.move_to_end(key)
        while len(self._written) > self._capacity:
            self._written.popitem(last=False)

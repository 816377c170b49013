"""Transcript consumer SDK: read results, drop copies, reassemble streams, wait for their end.

```python
from producers.reader import TranscriptReader

with TranscriptReader(kafka, topics) as reader:
    for result in reader.results(stream_id="call-1", timeout=30):  # live results, copies dropped
        print(result.segment, result.final, result.text)
    call = reader.wait_for_stream("call-1", timeout=60)  # every final result up to eos
    print(call.text)
```

The reader reads through `TranscriptConsumer` (committed results only, one error policy) and
drops redelivered copies on `(stream_id, segment, final)` (see producers.assembly). Without a
`group_id` it is an anonymous reader that commits nothing; with one, it joins that consumer group
and commits what it has read.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from types import TracebackType

from producers.assembly import StreamText, TranscriptAssembler
from producers.transcript_consumer import TranscriptConsumer
from streamscribe.contracts import Transcript
from streamscribe.errors import StreamscribeError
from streamscribe.settings import KafkaSettings, TopicSettings

POLL_SECONDS = 0.2


class TranscriptTimeout(StreamscribeError):
    """A stream did not finish within the time allowed."""


class TranscriptReader:
    """Reads the `transcripts` topic for all streams or a few, without duplicates."""

    def __init__(
        self,
        kafka: KafkaSettings,
        topics: TopicSettings,
        group_id: str | None = None,
        from_beginning: bool = True,
    ) -> None:
        self.assembler = TranscriptAssembler()
        self._consumer = TranscriptConsumer(kafka, topics.transcripts, group_id, from_beginning)
        self._consumer.subscribe()

    def __enter__(self) -> TranscriptReader:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Leave the group and release the connection."""
        self._consumer.close()

    def poll(self, timeout: float = POLL_SECONDS) -> Transcript | None:
        """The next new result (a copy is consumed and dropped), or None if none came in time;
        TranscriptSourceError when the consumer failed for good (`transcript_consumer.parse_result`)."""
        transcript = self._consumer.poll(timeout)
        if transcript is None or not self.assembler.accept(transcript):
            return None
        return transcript

    def results(self, stream_id: str | None = None, timeout: float | None = None) -> Iterator[Transcript]:
        """New results as they arrive (only `stream_id`'s if given) until `timeout` seconds pass.

        Results of other streams are still recorded, so a later `wait_for_stream` sees them.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while deadline is None or time.monotonic() < deadline:
            wait = POLL_SECONDS if deadline is None else max(0.0, min(POLL_SECONDS, deadline - time.monotonic()))
            transcript = self.poll(wait)
            if transcript is not None and (stream_id is None or transcript.stream_id == stream_id):
                yield transcript

    def stream(self, stream_id: str) -> StreamText:
        """What has arrived for a stream so far."""
        return self.assembler.streams.get(stream_id) or StreamText(stream_id)

    def wait_for_streams(self, stream_ids: Iterable[str], timeout: float) -> dict[str, StreamText]:
        """Read until every named stream has its eos result and all final results before it."""
        wanted = list(stream_ids)
        pending = set(wanted)
        deadline = time.monotonic() + timeout
        while True:
            pending = {s for s in pending if not self.stream(s).complete}
            if not pending:
                return {s: self.stream(s) for s in wanted}
            if time.monotonic() >= deadline:
                raise TranscriptTimeout(self._describe_unfinished(pending, timeout))
            self.poll(max(0.0, min(POLL_SECONDS, deadline - time.monotonic())))

    def wait_for_stream(self, stream_id: str, timeout: float) -> StreamText:
        """Read until the stream has its eos result and all final results before it."""
        return self.wait_for_streams([stream_id], timeout)[stream_id]

    def _describe_unfinished(self, pending: set[str], timeout: float) -> str:
        details = []
        for stream_id in sorted(pending)[:5]:
            stream = self.stream(stream_id)
            state = "no eos yet" if stream.last_segment is None else f"missing {stream.missing_segments}"
            details.append(f"{stream_id} ({len(stream.finals)} final results, {state})")
        more = f" and {len(pending) - 5} more" if len(pending) > 5 else ""
        return f"{len(pending)} streams unfinished after {timeout:g}s: {', '.join(details)}{more}"

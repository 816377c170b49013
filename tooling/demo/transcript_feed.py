"""Read transcripts with the transcript SDK in a thread and apply them to the demo's board."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from streamscribe.errors import StreamscribeError
from streamscribe.settings import KafkaSettings, TopicSettings
from tooling.demo.board import Board, DemoStream

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2


class TranscriptFeedFailed(StreamscribeError):
    """Reading transcripts failed."""


class TranscriptFeed:
    """While open, applies every new result of the board's streams as it arrives.

    Reads the topic from the beginning, so no result produced before the consumer got its
    partitions is missed; results of other streams are skipped (stream ids are unique per run).
    """

    def __init__(
        self,
        kafka: KafkaSettings,
        topics: TopicSettings,
        board: Board,
        on_finished: Callable[[DemoStream], None],
    ) -> None:
        self.kafka = kafka
        self.topics = topics
        self.board = board
        self.on_finished = on_finished
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-transcripts", daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        from producers.reader import TranscriptReader  # noqa: PLC0415 - librdkafka consumer

        try:
            with TranscriptReader(self.kafka, self.topics, from_beginning=True) as reader:
                while not self._stop.is_set():
                    transcript = reader.poll(POLL_SECONDS)
                    if transcript is None or self.board.apply(transcript, time.monotonic()) is None:
                        continue
                    stream = reader.stream(transcript.stream_id)
                    if stream.complete:
                        # scored on the spoken words: formatting writes "25" for "twenty five"
                        self.on_finished(self.board.complete(transcript.stream_id, stream.spoken_text))
        except Exception as exc:  # noqa: BLE001 - reported to the demo by check()
            log.debug("transcript feed failed", exc_info=True)
            self._error = exc

    def check(self) -> None:
        """Raise TranscriptFeedFailed if reading has failed."""
        if self._error is not None:
            raise TranscriptFeedFailed(f"reading transcripts failed: {self._error}")

    def __enter__(self) -> TranscriptFeed:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

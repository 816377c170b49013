"""`SegmentSender`: the worker's segments and rejections go to Kafka through librdkafka.

Why not faust's producer (aiokafka, pure Python): at 1,000 live streams the worker sends ~3,000
segments (~90 MB) a second, and py-spy showed aiokafka spending about a third of the worker's CPU
building batches and encoding every produce request in Python, on the event loop that also
processes the chunks, with one request in flight per broker. librdkafka (confluent-kafka, which
the recognizer and the producer SDK already use) copies each message once and builds, checksums
and sends the batches in its own threads. faust's producer still writes the table's changelog.

All calls run on the event loop's thread and never block it (like the producer SDK's
`AsyncAudioProducer`): delivery reports are served by `poll(0)`, so their callbacks run on this
thread. Commits need every message sent before them delivered: sends are counted per epoch, and
`wait_delivered` closes the current epoch and polls until it and every earlier one have nothing
in flight. A failed delivery fails that wait and every later one (nothing past it is committed).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from streamscribe.contracts.headers import KafkaHeaders
from streamscribe.errors import StreamscribeError

POLL_INTERVAL_S = 0.005


class DeliveryFailed(StreamscribeError):
    """A segment or rejection was not delivered: the input offsets behind it must not be committed."""


class _Epoch:
    """The messages sent between two commits: how many are in flight, the first failure."""

    __slots__ = ("pending", "error")

    def __init__(self) -> None:
        self.pending = 0
        self.error: KafkaError | None = None

    def delivered(self, error: KafkaError | None, _message: Message) -> None:
        self.pending -= 1
        if error is not None and self.error is None:
            self.error = error


class SegmentSender:
    """Sends the worker's output messages; `wait_delivered` before committing the input behind them."""

    def __init__(self, config: dict[str, Any], delivery_timeout_s: float = 60.0, producer: Any = None) -> None:
        self._producer = Producer(config) if producer is None else producer  # (tests pass a fake)
        self._epoch = _Epoch()
        self._open: list[_Epoch] = []  # closed epochs still waited for, oldest first
        self._delivery_timeout_s = delivery_timeout_s
        self._failure: KafkaError | None = None

    async def send(self, topic: str, key: bytes | None, value: bytes | None, headers: KafkaHeaders) -> None:
        """Queue one message; when librdkafka's queue is full, pause this sender (not the loop) until it has room.
        The message counts as in flight from the first try, so a commit meanwhile waits for it."""
        epoch, produce = self._epoch, self._producer.produce
        epoch.pending += 1
        while True:
            try:
                produce(topic, value, key, headers=headers, on_delivery=epoch.delivered)
                return
            except BufferError:
                self._producer.poll(0)
                await asyncio.sleep(POLL_INTERVAL_S)
            except BaseException:
                epoch.pending -= 1
                raise

    @property
    def in_flight(self) -> int:
        """Messages sent and not yet reported delivered (or failed)."""
        return self._epoch.pending + sum(epoch.pending for epoch in self._open)

    def poll(self) -> None:
        """Serve the delivery reports that have arrived (call after each batch of sends)."""
        self._producer.poll(0)

    def end_epoch(self) -> _Epoch:
        """Close the epoch of the messages sent so far (later sends start the next one)."""
        closing, self._epoch = self._epoch, _Epoch()
        self._open.append(closing)
        return closing

    async def wait_delivered(self, epoch: _Epoch | None = None) -> None:
        """Wait until every message of `epoch` (default: all sent so far) and of the epochs before it is
        delivered; DeliveryFailed if one was not (now or at an earlier wait)."""
        closing = self.end_epoch() if epoch is None else epoch
        deadline = time.monotonic() + self._delivery_timeout_s
        while True:
            self._producer.poll(0)
            while self._open and self._open[0].pending == 0:
                failed = self._open.pop(0).error
                self._failure = self._failure or failed
            if self._failure is not None:
                raise DeliveryFailed(f"a segment or rejection was not delivered: {self._failure}")
            if closing not in self._open:
                return
            if time.monotonic() > deadline:
                raise DeliveryFailed(f"messages still undelivered after {self._delivery_timeout_s:g} s")
            await asyncio.sleep(POLL_INTERVAL_S)

    def close(self, timeout_s: float = 2.0) -> int:
        """Flush what is queued (bounded); returns how many messages were left undelivered."""
        try:
            return self._producer.flush(timeout_s)
        except KafkaException:
            return len(self._producer)

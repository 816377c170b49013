"""SegmentSender's delivery accounting: a commit waits for exactly what was sent before it."""

from __future__ import annotations

import asyncio

import pytest

from stream_app.sender import DeliveryFailed, SegmentSender


class FakeProducer:
    """Queues messages; `deliver` reports the oldest ones on the next poll; `room` bounds the queue."""

    def __init__(self, room: int = 1_000) -> None:
        self.queued: list[tuple[bytes, object]] = []
        self.to_report: list[tuple[object, object]] = []
        self.room = room

    def produce(self, topic: str, value: bytes, key: bytes, headers: object, on_delivery: object) -> None:
        if len(self.queued) >= self.room:
            raise BufferError("queue full")
        self.queued.append((value, on_delivery))

    def deliver(self, count: int, error: object = None) -> None:
        for value, callback in self.queued[:count]:
            self.to_report.append((callback, error))
        del self.queued[:count]

    def poll(self, _timeout: float) -> int:
        reports, self.to_report = self.to_report, []
        for callback, error in reports:
            callback(error, None)
        return len(reports)


def test_a_commit_waits_for_what_was_sent_before_it_only() -> None:
    async def scenario() -> None:
        fake = FakeProducer()
        sender = SegmentSender({}, producer=fake)
        await sender.send("t", b"k", b"1", [])
        await sender.send("t", b"k", b"2", [])
        epoch = sender.end_epoch()
        await sender.send("t", b"k", b"3", [])  # after the commit's cut: not waited for
        waiting = asyncio.ensure_future(sender.wait_delivered(epoch))
        await asyncio.sleep(0.02)
        assert not waiting.done()
        fake.deliver(2)
        await asyncio.wait_for(waiting, 1)
        fake.deliver(1)
        await asyncio.wait_for(sender.wait_delivered(), 1)

    asyncio.run(scenario())


def test_a_failed_delivery_fails_this_and_every_later_wait() -> None:
    async def scenario() -> None:
        fake = FakeProducer()
        sender = SegmentSender({}, producer=fake)
        await sender.send("t", b"k", b"1", [])
        fake.deliver(1, error="broker down")
        with pytest.raises(DeliveryFailed, match="broker down"):
            await sender.wait_delivered()
        await sender.send("t", b"k", b"2", [])
        fake.deliver(1)
        with pytest.raises(DeliveryFailed):
            await sender.wait_delivered()  # nothing past a lost segment is ever committed

    asyncio.run(scenario())


def test_a_full_queue_pauses_the_sender_and_the_message_counts_from_its_first_try() -> None:
    async def scenario() -> None:
        fake = FakeProducer(room=1)
        sender = SegmentSender({}, producer=fake)
        await sender.send("t", b"k", b"1", [])
        blocked = asyncio.ensure_future(sender.send("t", b"k", b"2", []))
        await asyncio.sleep(0.02)
        assert not blocked.done()
        waiting = asyncio.ensure_future(sender.wait_delivered())  # must cover the blocked message too
        fake.deliver(1)
        await asyncio.wait_for(blocked, 1)
        await asyncio.sleep(0.02)
        assert not waiting.done()
        fake.deliver(1)
        await asyncio.wait_for(waiting, 1)

    asyncio.run(scenario())

"""The faust glue: an agent feeds `audio.chunks` to the ingest core, a table keeps checkpoints.

Durability without re-sending audio to a changelog (see README.md): the `stream-state` table
holds one small `Checkpoint` per stream, and the unemitted audio stays in `audio.chunks`
because this worker never commits an input offset a stream may still need:

1. the consumer hands the agent the chunk records of each fetch as one batch, and the agent
   feeds them to `IngestCore`; segments and rejections it produces are sent at once (their
   delivery futures are kept);
2. faust's periodic commit calls `CheckpointingConsumer._commit_tps` (faust_glue.py), which awaits those
   deliveries, writes the changed checkpoints to the table, asks the core for the safe offset
   of every partition and lets faust flush the producer (segments, rejections, changelog)
   before it commits exactly those offsets;
3. after a crash or rebalance, the table is restored from its changelog, every stream is
   rebuilt from its checkpoint (`on_recover`), and the chunks from the committed offsets on
   are replayed; deterministic cutting makes a replayed segment identical to its first copy.
   The consumer hands the core each partition's records once and in offset order from there
   (`PartitionPositions`: duplicates are skipped, a hole makes it seek back; `on_seeked`).

faust's per-message path (two tasks, conductor, channel queue, stream iterator per message) is
replaced by one batch per fetch (`_drain_messages`); README.md has the measurements. Every
override of faust's internals is in faust_glue.py; this module uses faust's public API only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import faust
from faust.types import TP, Message

from stream_app.checkpoint import Checkpoint
from stream_app.committed import CommittedOffsetsUnknown, committed_offsets
from stream_app.faust_glue import CheckpointTable, StreamFaustApp, last_fetches, read_offsets
from stream_app.ingest import ChunkMessage, FetchState, IngestCore, Outputs
from stream_app.metrics import StreamAppMetrics
from stream_app.positions import PartitionPositions
from stream_app.sender import SegmentSender
from stream_app.settings import StreamAppSettings
from streamscribe.contracts.rejection import rejection_headers
from streamscribe.contracts.segment import SEGMENT_SAMPLE_RATE
from streamscribe.pcm import S16_WIDTH
from streamscribe.settings import KafkaSettings
from streamscribe.shutdown import ShutdownDeadline

log = logging.getLogger(__name__)

TABLE_NAME = "stream-state"
COMMITTED_TIMEOUT_S = 10.0  # one ask of the coordinator for committed offsets (asked again until it answers)
RAW = "raw"


def broker_options(kafka: KafkaSettings) -> dict[str, Any]:
    """faust's broker URLs and credentials from the shared Kafka settings (same security as librdkafka's)."""
    urls = [f"kafka://{server.strip()}" for server in kafka.resolved_bootstrap().split(",")]
    security = kafka.security_config()  # validates the fields the same way for every client
    context = kafka.ssl_context()
    credentials: faust.types.auth.CredentialsT | None = None
    if kafka.uses_sasl:
        credentials = faust.SASLCredentials(
            username=str(security["sasl.username"]), password=str(security["sasl.password"]),
            ssl_context=context, mechanism=kafka.sasl_mechanism,
        )
    elif context is not None:
        credentials = faust.SSLCredentials(context)
    return {"broker": urls, "broker_credentials": credentials}


def faust_app(settings: StreamAppSettings, partitions: int) -> StreamFaustApp:
    """The faust App for `settings` (consumer group = `app_id`)."""
    web = {"web_enabled": False} if settings.web_port is None else {"web_port": settings.web_port}
    return StreamFaustApp(
        settings.app_id,
        **broker_options(settings.kafka),
        store="memory://",
        Table=CheckpointTable,
        datadir=str(settings.workdir),
        topic_partitions=partitions,
        topic_replication_factor=settings.topics.replication_factor,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=settings.commit_interval_ms / 1000,
        broker_session_timeout=settings.session_timeout_ms / 1000,
        broker_heartbeat_interval=settings.session_timeout_ms / 3000,
        broker_rebalance_timeout=settings.session_timeout_ms / 1000,
        producer_max_request_size=max_message_bytes(settings),  # faust's producer: the changelog
        # aiokafka checks every fetched batch's CRC in Python's thread (5.8 µs per 8 kB chunk, ~4 % of the worker at
        # 1,000 streams); the broker checked it when the batch was produced, TCP checks the transfer, and
        # librdkafka (the recognizer's consumer) does not check it by default either
        broker_check_crcs=False,
        stream_wait_empty=False,
        **web,
    )


def max_message_bytes(settings: StreamAppSettings) -> int:
    """Largest message the worker sends: a rejected chunk, or a final segment with its cut overlap."""
    longest_segment = settings.max_segment_bytes + settings.cut_overlap_ms * SEGMENT_SAMPLE_RATE // 1000 * S16_WIDTH
    return max(settings.max_chunk_bytes * 2, longest_segment) + 65_536


def sender_config(settings: StreamAppSettings) -> dict[str, Any]:
    """librdkafka settings of the segment sender (same servers and security as every client)."""
    message_bytes = max_message_bytes(settings)
    return settings.kafka.client_config(**{
        "client.id": f"{settings.app_id}-segments",
        "acks": "all",
        # one request in flight per broker keeps each partition's (so each stream's) order through retries;
        # not idempotent: librdkafka's idempotent producer (2.16) busy-polls in its broker thread while a
        # produce request is unanswered (100 % of a core with the broker stopped, 0 % without idempotence),
        # which at 1,000 streams took the core the broker needed. A retry may write a segment twice: segments
        # are at-least-once anyway (a takeover replays them)
        "enable.idempotence": False,
        "max.in.flight.requests.per.connection": 1,
        "partitioner": "murmur2_random",  # the Java client's (and aiokafka's) key hash: same partitions
        "linger.ms": 10,
        "batch.size": min(1_048_576, message_bytes),  # several segments per produce request
        "message.max.bytes": message_bytes,
        "queue.buffering.max.kbytes": 32_768,  # a full queue pauses the agent (backpressure)
    })


class StreamAppRuntime:
    """Everything the worker does: wiring the core to faust's agent, table, timer and commits."""

    def __init__(self, settings: StreamAppSettings, partitions: int, metrics: StreamAppMetrics | None) -> None:
        self.settings = settings
        self.app = faust_app(settings, partitions)
        self.app.runtime = self
        self.core = IngestCore(settings.segmenting_rules(), settings.idle_timeout_s, settings.max_chunk_bytes,
                               settings.max_live_step_s, settings.max_preview_lag_ms)
        self.metrics = metrics
        topics = settings.topics
        self.chunks_topic_name = topics.chunks
        # the consumer subscribes audio.chunks and hands the agent one batch of records per fetch
        # (acks=False: faust's ack bookkeeping is not what decides commits here)
        self.chunks = self.app.topic(topics.chunks, key_type=bytes, value_type=bytes,
                                     key_serializer=RAW, value_serializer=RAW, acks=False)
        self.app.topics.add(self.chunks)
        self.batches = self.app.channel(maxsize=settings.batch_queue)
        # bytes → bytes makes faust use the raw serializer for the table and its changelog
        self.table = self.app.Table(TABLE_NAME, partitions=partitions, key_type=bytes, value_type=bytes,
                                    on_recover=self._on_recovered, help="stream_id → Checkpoint of the stream app")
        self.app.agent(self.batches, name="stream_app.ingest")(self._ingest)
        self.app.timer(settings.housekeeping_interval_s, name="stream_app.housekeeping")(self._housekeeping)
        self.app.on_partitions_revoked.connect(self._on_revoked)
        self.sender = SegmentSender(sender_config(settings))
        self._sending = asyncio.Lock()  # held while a batch's outputs go to the sender (it may wait for room)
        self.app.on_before_shutdown.connect(self._close_sender)  # sent after the consumer's last commit
        self.positions = PartitionPositions()  # per owned partition: where its records stand, what is committed
        self.shutdown_deadline = ShutdownDeadline("stream-app", settings.shutdown_timeout_ms / 1000, self.unfinished)
        if metrics is not None:
            metrics.watch(self.core, self.positions)

    async def _ingest(self, batches: faust.StreamT) -> None:
        async for messages in batches:
            await self.handle(messages)

    async def handle(self, messages: Sequence[Message]) -> None:
        """Process a batch of chunk messages (in partition order) and send what it produced."""
        out, now, now_ms, process = Outputs(), time.monotonic(), time.time() * 1000, self.core.process
        generation, owns = self.app.consumer_generation_id, self.positions.owns
        for message in messages:
            if message.generation_id != generation or not owns(message.partition):
                continue  # fetched before a rebalance: the partition is read again from its committed offset
            timestamp_ms = int(message.timestamp * 1000) if message.timestamp is not None else 0
            process(ChunkMessage(message.key, message.value, message.headers, timestamp_ms,
                                 message.partition, message.offset), now, out, now_ms)
        if out:
            await self._send(out)

    async def _send(self, out: Outputs) -> None:
        async with self._sending:
            await self._send_all(out)

    async def _send_all(self, out: Outputs) -> None:
        # librdkafka, not faust's producer: see sender.py
        send, now_ms = self.sender.send, time.time() * 1000
        segments_topic, rejected_topic = self.settings.topics.segments, self.settings.topics.rejected
        for segment in out.segments:
            key, value, headers = segment.encode()
            await send(segments_topic, key, value, headers)
            if self.metrics is not None and segment.headers.final:
                self.metrics.observe_emit_delay(segment.headers.produced_at_ms, now_ms)
        for rejection in out.rejections:
            message = rejection.message
            source = (self.chunks_topic_name, message.partition, message.offset)
            original = [(name, value or b"") for name, value in message.headers or []]
            stream_id = message.key.decode("utf-8", "replace") if message.key else None
            log.warning("rejected %s/%d@%d (stream %s): %s", *source, stream_id, rejection.error)
            headers = rejection_headers(original, rejection.error, source)
            await send(rejected_topic, message.key, message.value, headers)
        self.sender.poll()

    async def _housekeeping(self, _app: object = None) -> None:
        """Close idle streams (by their partitions' live clocks); drop the table entries of streams closed
        long enough ago."""
        out, now = Outputs(), time.monotonic()
        self.core.close_idle(now, out, self._fetch_states())
        if out:
            await self._send(out)
        for state in self.core.expired_closed(self.positions.committed_offsets(), now, self.settings.idle_timeout_s):
            key = state.stream_id.encode()
            self.table.send_changelog(state.partition, key, None, value_serializer=RAW)
            self.table.data.pop(key, None)
            self._count_changelog(len(key))

    def _fetch_states(self) -> dict[int, FetchState]:
        """Per owned input partition: is the consumer's last fetch answer fresh, and the highwater it gave."""
        consumer = self.app.consumer
        tps = [tp for tp in consumer.assignment()
               if tp.topic == self.chunks_topic_name and self.positions.owns(tp.partition)]
        now_ms, max_age_ms = time.time() * 1000, self.settings.live_fetch_age_ms
        return {tp.partition: FetchState(polled_ms is not None and now_ms - polled_ms <= max_age_ms, highwater)
                for tp, (highwater, polled_ms) in last_fetches(consumer, tps).items()}

    async def prepare_commit(self, tps: Sequence[TP]) -> dict[TP, int]:
        """Make the checkpoints durable-ready, then return the offsets safe to commit."""
        async with self._sending:  # no batch half sent: the checkpoints account only for what the sender has
            due = self.core.checkpoints_due()
            sent = self.sender.end_epoch()
        await self.sender.wait_delivered(sent)  # a failed delivery raises: nothing is committed
        for stream_id, checkpoint in due:
            if self.core.stream(stream_id) is None:
                continue  # its partition was revoked meanwhile: the new owner replays it
            key, value = stream_id.encode(), checkpoint.encode()
            self.table.send_changelog(checkpoint.partition, key, value)
            self.table.data[key] = value
            self.core.checkpoint_written(stream_id, checkpoint)
            self._count_changelog(len(key) + len(value))
        safe = self.core.safe_offsets()
        return {tp: safe[tp.partition] for tp in tps if tp.partition in safe}

    def on_committed(self, offsets: Mapping[TP, int]) -> None:
        """Remember the committed input offsets (closed streams expire once committed past)."""
        for tp, offset in offsets.items():
            self.positions.committed(tp.partition, offset)

    async def _on_revoked(self, _app: object, revoked: set[TP], **_: Any) -> None:
        partitions = {tp.partition for tp in revoked if tp.topic == self.chunks_topic_name}
        if not partitions:
            return
        try:
            await self.app.consumer.commit()
        except Exception:  # noqa: BLE001 - the new owner replays from the last commit instead
            log.warning("commit on revocation failed; partitions %s will replay further", sorted(partitions))
        self.positions.revoke(partitions)
        self.core.forget_partitions(partitions)

    async def _on_recovered(self) -> None:
        partitions = {tp.partition for tp in self.app.consumer.assignment() if tp.topic == self.chunks_topic_name}
        entries = []
        for key, value in self.table.data.items():
            checkpoint = Checkpoint.decode(value)
            if checkpoint.partition in partitions:
                entries.append((key.decode(), checkpoint))
        restored = self.core.restore(entries, time.monotonic())
        for partition in partitions:
            self.positions.own(partition)  # its records wait until `on_seeked` says where they start
        log.info("table recovered: %d streams restored for partitions %s", restored, sorted(partitions))
        if self.metrics is not None:
            self.metrics.recoveries.inc()
            self.metrics.restored_streams.inc(restored)

    def on_ready(self) -> None:
        """faust finished starting the worker (first assignment recovered): report it."""
        if self.metrics is not None:
            self.metrics.ready.set(1)

    async def on_seeked(self) -> None:
        """faust sought the assigned partitions to their committed offsets: the partitions whose streams
        were rebuilt since start there (at the first offset kept when nothing was committed) and are
        sought there again, so records the consumer took and dropped before that are read again."""
        consumer, positions = self.app.consumer, self.positions
        tps = [tp for tp in consumer.assignment() if tp.topic == self.chunks_topic_name
               and positions.owns(tp.partition) and positions.next_offset(tp.partition) is None]
        if not tps:
            return
        committed = read_offsets(consumer, tps)  # what faust's seek just set
        unknown = [tp for tp in tps if committed[tp] is None]
        if unknown:  # aiokafka's "nothing committed" can be a coordinator still loading: ask again
            confirmed = await self._confirm_committed([tp.partition for tp in unknown])
            committed.update({tp: confirmed[tp.partition] for tp in unknown})
            unknown = [tp for tp in unknown if committed[tp] is None]
        earliest = await consumer.earliest_offsets(*unknown) if unknown else {}
        starts = {tp: committed[tp] if committed[tp] is not None else earliest.get(tp) or 0 for tp in tps}
        for tp, offset in starts.items():
            positions.start(tp.partition, offset)
            self.core.start_partition(tp.partition, offset)
        await consumer.seek_wait(starts)

    async def _confirm_committed(self, partitions: list[int]) -> dict[int, int | None]:
        """The group's committed offsets of these input partitions, asked until the coordinator answers."""
        settings = self.settings
        while True:
            try:
                return await asyncio.to_thread(committed_offsets, settings.kafka, settings.app_id,
                                               self.chunks_topic_name, partitions, COMMITTED_TIMEOUT_S)
            except CommittedOffsetsUnknown as exc:
                log.warning("%s: committed offsets of partitions %s not known yet (%s); asking again",
                            self.chunks_topic_name, partitions, exc)

    async def reseek(self, tp: TP, offset: int) -> None:
        """The consumer skipped records of `tp` (`offset` arrived): read it again from where the core stands."""
        positions, consumer = self.positions, self.app.consumer
        wanted = positions.next_offset(tp.partition)
        if wanted is None:
            return
        try:
            first_kept = (await consumer.earliest_offsets(tp)).get(tp) or 0
            if positions.next_offset(tp.partition) != wanted:
                return  # rebuilt meanwhile: it is read from its new start
            target = max(wanted, first_kept)
            if target > wanted:
                log.error("%s/%d: offsets %d..%d were deleted before they were processed", tp.topic, tp.partition,
                          wanted, target - 1)
            else:
                log.warning("%s/%d: offset %d arrived before %d; reading again from %d", tp.topic, tp.partition,
                            offset, wanted, wanted)
            await consumer.seek_wait({tp: target})
        except Exception:  # noqa: BLE001 - e.g. revoked meanwhile; the next fetch shows the hole again
            log.warning("%s/%d: seeking back to %d failed", tp.topic, tp.partition, wanted, exc_info=True)
            return
        positions.sought(tp.partition, wanted, target)

    def unfinished(self) -> str:
        """What a shutdown cut short leaves to the next owner of the partitions (for the log)."""
        committed = self.positions.committed_offsets()
        partitions = []
        for partition in self.positions.owned():
            processed = self.core.next_offset(partition)
            partitions.append(f"{self.chunks_topic_name}/{partition} processed to {processed}, committed to "
                              f"{committed.get(partition)}")
        return (f"{self.core.open_streams} open streams, {self.sender.in_flight} sends unconfirmed; "
                f"{'; '.join(partitions) or 'no partition owned'} (uncommitted input is read again by the next owner)")

    async def _close_sender(self, _app: object = None, **_: Any) -> None:
        left = self.sender.close()
        if left:
            log.warning("%d segments or rejections were not delivered at shutdown (sent again after a restart)", left)

    def _count_changelog(self, nbytes: int) -> None:
        if self.metrics is not None:
            self.metrics.changelog_bytes.inc(nbytes)

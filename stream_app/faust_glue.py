"""Every override of faust/aiokafka internals, in one module, each with a comment saying why.

faust-streaming offers no public hooks for what the stream app needs (fuller fetches, one batch
per fetch, commits of the offsets the app says are safe, a quiet worker), so these subclasses
override private methods. Private methods change between releases without notice: the tested
range is pinned in pyproject.toml and `require_tested_faust` refuses to start on another
version. When upgrading faust, re-read each override against the new source and rerun
tests/stream_app (test_worker, test_recovery) before widening `TESTED_FAUST`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

import faust
from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP, EventT

from stream_app.checkpoint import supersedes
from stream_app.positions import Verdict
from streamscribe.errors import ConfigurationError

if TYPE_CHECKING:
    from stream_app.app import StreamAppRuntime

log = logging.getLogger(__name__)

TESTED_FAUST = ((0, 15, 3), (0, 16))  # >=0.15.3,<0.16: keep in step with pyproject.toml


def release(text: str) -> tuple[int, ...]:
    """The release numbers of a version string ('0.15.3' -> (0, 15, 3); '0.16.0rc1' -> (0, 16, 0))."""
    return tuple(int(number) for number in re.findall(r"\d+", text.split("+")[0])[:3])


def require_tested_faust(installed: str | None = None) -> None:
    """ConfigurationError unless the installed faust-streaming is in the tested range."""
    if installed is None:
        try:
            installed = version("faust-streaming")
        except PackageNotFoundError:
            raise ConfigurationError("faust-streaming is not installed: run `make setup`") from None
    low, high = TESTED_FAUST
    if not low <= release(installed) < high:
        tested = f">={'.'.join(map(str, low))},<{'.'.join(map(str, high))}"
        raise ConfigurationError(
            f"faust-streaming {installed} is not a tested version (tested: {tested}): the stream app "
            "overrides faust internals (stream_app/faust_glue.py); install the locked version with `make setup`"
        )


def read_offsets(consumer: aiokafka_driver.Consumer, tps: Sequence[TP]) -> Mapping[TP, int | None]:
    """Where faust's consumer will read each partition next (its private `_read_offset`), e.g. the
    committed offsets its seek just set."""
    return {tp: consumer._read_offset.get(tp) for tp in tps}


def last_fetches(consumer: aiokafka_driver.Consumer, tps: Iterable[TP]) -> dict[TP, tuple[int | None, int | None]]:
    """Per partition, what aiokafka kept of the consumer's last fetch answer for it: (highwater, when it
    arrived in ms of wall-clock time); (None, None) before the first answer. Partitions no longer
    assigned are left out.

    faust exposes `highwater` but not aiokafka's `last_poll_timestamp`, so both are read from the
    aiokafka consumer behind faust's private consumer thread (`_thread._consumer`). That thread
    updates them while this (the event loop's) thread reads them: plain attribute reads, as faust's
    own `highwater()` does.
    """
    client = consumer._thread._consumer
    if client is None:
        return {}
    fetches = {}
    for tp in tps:
        try:
            fetches[tp] = (client.highwater(tp), client.last_poll_timestamp(tp))
        except AssertionError:  # aiokafka asserts the partition is assigned: revoked meanwhile
            continue
    return fetches


class BatchingConsumerThread(aiokafka_driver.AIOKafkaConsumerThread):
    """faust's aiokafka consumer thread, asking the broker for fuller fetches.

    faust leaves aiokafka's `fetch_min_bytes=1`: with thousands of 100 ms chunks a second each
    fetch returns a message or two, and fetch requests cost more CPU than the chunks. Waiting up
    to `fetch_max_wait_ms` for `fetch_min_bytes` trades a few milliseconds of latency for that.
    """

    # override: builds aiokafka's consumer; then sets its private fetch knobs, which faust has no setting for
    def _create_worker_consumer(self, transport: aiokafka_driver.Transport) -> Any:
        consumer = super()._create_worker_consumer(transport)
        settings = self.app.runtime.settings
        consumer._fetch_min_bytes = settings.fetch_min_bytes
        consumer._fetch_max_wait_ms = settings.fetch_max_wait_ms
        return consumer


class CheckpointingConsumer(aiokafka_driver.Consumer):
    """faust's aiokafka consumer, committing the offsets the stream app says are safe."""

    app: StreamFaustApp

    # override: faust's factory of the consumer thread, to use the one with fuller fetches
    def _new_consumer_thread(self) -> BatchingConsumerThread:
        return BatchingConsumerThread(self, loop=self.loop, beacon=self.beacon)

    # override: faust offers only partitions with acked messages for commit; records are not acked
    # here (acks=False), so every assigned input partition is offered: the runtime knows what is safe
    def _filter_tps_with_pending_acks(self, topics: Iterable[Any] | None = None) -> Iterable[TP]:
        wanted = set(topics) if topics is not None else None
        return [
            tp for tp in self.assignment()
            if tp.topic == self.app.runtime.chunks_topic_name
            and (wanted is None or tp in wanted or tp.topic in wanted)
        ]

    # override: faust commits its acked offsets; here the runtime makes checkpoints durable first and
    # says which offsets are safe (`prepare_commit`), and learns what was committed (`on_committed`)
    async def _commit_tps(self, tps: Iterable[TP], start_new_transaction: bool) -> bool:
        safe = await self.app.runtime.prepare_commit(list(tps))
        offsets = {tp: offset for tp, offset in safe.items() if self._should_commit(tp, offset)}
        if not offsets:
            return False
        committed = await self._commit_offsets(offsets, start_new_transaction=start_new_transaction)
        if committed:
            self.app.runtime.on_committed(offsets)
        return committed

    # override: faust's fetch loop, reading its private `_read_offset`, `_stopped` and `suspend_flow`
    async def _drain_messages(self, fetcher: Any) -> None:  # pragma: no cover - faust's hot loop
        # faust's loop runs every message through two tasks (`wait_first(callback, suspend)`),
        # the conductor, a channel queue and the stream iterator. Here the records of one fetch
        # from the chunks topic go to the agent as one batch, each partition's in order and
        # without holes (`positions`); other topics (the table's changelog during recovery) take
        # faust's path.
        callback, getmany = self.callback, self.getmany
        consumer_stopped, fetcher_stopped = self._stopped.is_set, fetcher._stopped.is_set
        read_offset, suspended = self._read_offset, self.suspend_flow.is_set
        runtime = self.app.runtime
        positions, chunks_topic = runtime.positions, runtime.chunks_topic_name
        try:
            while not (consumer_stopped() or fetcher_stopped()):
                records = getmany(timeout=1.0)
                await asyncio.sleep(0)
                positions.new_fetch()
                batch = []
                async for tp, message in records:
                    if suspended():
                        continue
                    if tp.topic == chunks_topic:
                        verdict = positions.admit(tp.partition, message.offset)
                        if verdict is Verdict.ACCEPT:
                            batch.append(message)
                            read_offset[tp] = message.offset
                        elif verdict is Verdict.RESEEK:
                            await runtime.reseek(tp, message.offset)
                        continue
                    known = read_offset[tp]
                    if known is None or message.offset >= known:
                        await callback(message)
                        read_offset[tp] = message.offset
                if batch:
                    await runtime.batches.send(value=batch)
        except self.consumer_stopped_errors:
            if not self.transport.app.should_stop:
                raise
        except asyncio.CancelledError:
            if not self.transport.app.should_stop:
                raise

    # override: faust's seek to the committed offsets on assignment; the runtime then starts the
    # partitions whose streams were rebuilt (`on_seeked`)
    async def perform_seek(self) -> None:
        """faust's seek of every assigned partition to its committed offset, then the runtime's."""
        await super().perform_seek()
        await self.app.runtime.on_seeked()


class CheckpointingTransport(aiokafka_driver.Transport):
    """The aiokafka transport with `CheckpointingConsumer`."""

    Consumer = CheckpointingConsumer  # override: the transport's consumer class


class StreamFaustApp(faust.App):
    """A faust App whose consumer commits what `runtime` allows."""

    runtime: StreamAppRuntime

    # override: faust's transport factory (private), to install the consumer above
    def _new_transport(self) -> CheckpointingTransport:
        return CheckpointingTransport(self.conf.broker_consumer, self)

    # override: faust's service dependencies, minus the Monitor sensor
    def on_init_dependencies(self) -> Iterable[Any]:
        dependencies = super().on_init_dependencies()
        # faust's Monitor sensor keeps statistics on every message, for a web view that is off
        self.sensors.remove(self.monitor)
        return dependencies


class CheckpointTable(faust.Table):
    """faust's table of checkpoints, rebuilt from its changelog keeping each stream's most advanced
    checkpoint rather than the last one written: the changelog has no fence against a worker that
    wakes from a pause past its session and writes stale checkpoints (`supersedes`)."""

    # override: faust's recovery (and standby) hook, which applies the changelog in offset order
    def apply_changelog_batch(self, batch: Iterable[EventT]) -> None:
        latest: dict[Any, bytes | None] = {}  # what this batch has applied so far, per key
        applied, older = [], []
        for event in batch:
            key, entry = event.key, event.message.value
            kept = latest[key] if key in latest else self.data.get(key)
            if supersedes(entry, kept):
                latest[key] = entry
                applied.append(event)
            else:
                older.append(event.message)
        if older:  # mostly a changelog read again from an earlier offset; a paused worker's late writes too
            log.info("kept the newer checkpoint over %d older changelog entries (first: %s/%d@%d)", len(older),
                     older[0].topic, older[0].partition, older[0].offset)
        super().apply_changelog_batch(applied)


class QuietWorker(faust.Worker):
    """faust's Worker without its terminal spinner, whose log handler sets the root logger to
    DEBUG: every debug call in aiokafka then builds a log record (a tenth of the worker's CPU)."""

    app: StreamFaustApp

    # override: faust's root-logger set-up hook, to drop the spinner
    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        self.spinner = None

    # override: mode's handler of SIGTERM/SIGINT (it schedules the stop), to arm the hard deadline first:
    # faust's stop can block for good on a dead broker (its consumer thread dies in aiokafka's close and
    # the worker waits on it; issue 22)
    def _schedule_shutdown(self, signum: signal.Signals) -> None:
        self.app.runtime.shutdown_deadline.arm()
        super()._schedule_shutdown(signum)

    # override: faust's "worker started" signal (it logs "Ready"), to report readiness as a metric
    async def on_startup_finished(self) -> None:
        await super().on_startup_finished()
        self.app.runtime.on_ready()

"""The gateway's shared parts (producer, transcript router, admission) and one stream's life.

Every endpoint (native WebSocket, vosk, HTTP) runs a stream the same way: `Gateway.stream`
admits it, names it, starts reading its results, opens it in the producer SDK, and on the way
out (normal end, refusal, client gone) sends its eos so the pipeline closes it cleanly, stops
reading its results and frees its place.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import CollectorRegistry

from gateway.admission import Admission
from gateway.metrics import GatewayMetrics
from gateway.partitions import home_partitions, new_stream_id
from gateway.protocol import FrameAligner, Refusal, Refused, StartRequest
from gateway.settings import GatewaySettings
from gateway.transcripts import Subscription, TranscriptRouter, topic_partitions
from producers import AsyncAudioProducer, AsyncAudioStream, ProducerError, ProducerSettings
from producers.transcript_consumer import TranscriptSourceError
from streamscribe.contracts import Transcript

log = logging.getLogger(__name__)

WAKE_S = 1.0  # a waiting reader wakes this often to notice that its stream has ended


class GatewayStream:
    """One stream: audio in through the SDK, its results out of the router."""

    def __init__(self, stream: AsyncAudioStream, subscription: Subscription, request: StartRequest,
                 result_timeout_s: float, metrics: GatewayMetrics) -> None:
        self.stream = stream
        self.metrics = metrics
        self.subscription = subscription
        self.request = request
        self._aligner = FrameAligner(request.format.frame_bytes)
        self._result_timeout_s = result_timeout_s
        self._ended_at: float | None = None

    @property
    def stream_id(self) -> str:
        """The stream's id (its Kafka key)."""
        return self.stream.stream_id

    @property
    def ended(self) -> bool:
        """True once the eos chunk was sent."""
        return self.stream.closed

    async def write(self, data: bytes) -> None:
        """Send audio (whole frames; a split frame waits for the next write)."""
        self.metrics.audio_bytes.inc(len(data))
        frames = self._aligner.push(data)
        if frames:
            try:
                await self.stream.write(frames)
            except ProducerError as exc:
                raise Refused(Refusal.UPSTREAM, f"the pipeline did not take the audio: {exc}") from None

    async def end(self) -> None:
        """Send the eos chunk (once)."""
        if not self.stream.closed:
            self._ended_at = asyncio.get_running_loop().time()
            try:
                await self.stream.close()
            except ProducerError as exc:
                raise Refused(Refusal.UPSTREAM, f"the pipeline did not take the end of the stream: {exc}") from None

    async def next_result(self) -> Transcript:
        """The stream's next result; once the stream has ended, Refused(UPSTREAM) when the
        pipeline gives none within the result timeout (counted from the end)."""
        loop, results = asyncio.get_running_loop(), self.subscription.queue
        while True:
            wait = WAKE_S
            if self._ended_at is not None:
                wait = min(wait, self._ended_at + self._result_timeout_s - loop.time())
                if wait <= 0:
                    raise Refused(Refusal.UPSTREAM, f"no eos result for {self.stream_id} within "
                                                    f"{self._result_timeout_s:g}s of its end")
            try:
                result = await asyncio.wait_for(results.get(), wait)
            except TimeoutError:
                continue
            self.metrics.transcripts_sent.inc()
            return result

    @property
    def complete(self) -> bool:
        """True once the eos result and every final result before it have been taken."""
        return self.subscription.seen.complete and self.subscription.queue.empty()


class Gateway:
    """What one gateway process shares between its connections."""

    def __init__(self, settings: GatewaySettings, metrics: GatewayMetrics | None = None) -> None:
        self.settings = settings
        self.metrics = metrics or GatewayMetrics(CollectorRegistry())
        self.admission = Admission(settings.max_streams, settings.max_streams_per_key)
        self.producer: AsyncAudioProducer | None = None
        self.router: TranscriptRouter | None = None

    async def start(self) -> None:
        """Connect to Kafka: the producer, and the reader of this instance's home partitions."""
        settings = self.settings
        partitions = await asyncio.to_thread(topic_partitions, settings.kafka, settings.topics.transcripts)
        home = home_partitions(settings.instance_id, settings.home_partitions, partitions, settings.home_first)
        self.producer = AsyncAudioProducer(settings=ProducerSettings(kafka=settings.kafka, topics=settings.topics))
        self.router = TranscriptRouter(settings.kafka, settings.topics.transcripts, partitions, home, self.metrics)
        self.router.start(asyncio.get_running_loop())
        log.info("gateway %s: reading %s partitions %s of %d, writing %s", settings.instance_id,
                 settings.topics.transcripts, sorted(home), partitions, settings.topics.chunks)

    async def stop(self) -> None:
        """Flush the producer and stop reading."""
        if self.producer is not None:
            await self.producer.close(timeout=10)
        if self.router is not None:
            await asyncio.to_thread(self.router.stop)

    @property
    def ready(self) -> bool:
        """True when streams can be taken."""
        return self.router is not None and self.router.healthy

    @asynccontextmanager
    async def stream(self, key: str, request: StartRequest, endpoint: str) -> AsyncIterator[GatewayStream]:
        """Run one stream (see the module docstring); Refused when it may not start."""
        router, producer = self.router, self.producer
        if router is None or producer is None or not router.healthy:
            raise Refused(Refusal.AT_CAPACITY, "the gateway is not connected to Kafka yet")
        stream_id = request.stream_id or new_stream_id(self.settings.stream_id_prefix, router.refs.home,
                                                       router.partitions)
        if router.is_streaming(stream_id):
            raise Refused(Refusal.CONFLICT, f"stream {stream_id} is already streaming")
        self.admission.admit(key)
        self.metrics.streams.labels(endpoint=endpoint).inc()
        self.metrics.streams_open.inc()
        subscription: Subscription | None = None
        gateway_stream: GatewayStream | None = None
        try:
            try:
                subscription = await router.subscribe(stream_id)
            except (TranscriptSourceError, TimeoutError) as exc:
                raise Refused(Refusal.UPSTREAM, f"cannot read the results of {stream_id}: {exc}") from None
            audio = request.format
            stream = producer.open_stream(stream_id, audio.sample_rate, audio.channels, audio.encoding.value,
                                          request.options)
            gateway_stream = GatewayStream(stream, subscription, request, self.settings.result_timeout_s,
                                           self.metrics)
            log.info("stream %s started (%s, %s)", stream_id, endpoint, audio)
            yield gateway_stream
        finally:
            if gateway_stream is not None and not gateway_stream.ended:
                await self._end_quietly(gateway_stream)
            if subscription is not None:
                router.unsubscribe(subscription)
            self.admission.release(key)
            self.metrics.streams_open.dec()

    async def _end_quietly(self, stream: GatewayStream) -> None:
        """Send the eos of a stream its client left (nothing to tell the client any more)."""
        try:
            await stream.end()
            log.info("stream %s ended by the gateway (client gone or refused)", stream.stream_id)
        except Refused as exc:
            log.warning("stream %s: could not send its eos: %s", stream.stream_id, exc.reason)

"""`streamscribe send FILE…`: stream audio files as concurrent live streams."""

from __future__ import annotations

import argparse
import asyncio
import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from infra.cluster import with_embedded_broker
from producers.settings import ProducerSettings, SendSettings
from streamscribe.cli_settings import add_settings_command, settings_from_args
from streamscribe.errors import ConfigurationError
from streamscribe.kafka_access import require_topic
from streamscribe.settings import KafkaSettings

if TYPE_CHECKING:
    from producers.sources import ContractAudio

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `send` subcommand: the files and ids, then SendSettings' fields as flags."""
    send = add_settings_command(
        subparsers, "send", SendSettings, run_send,
        "stream audio files (WAV, FLAC, OGG, MP3, …) as live streams into audio.chunks",
        description=ProducerSettings.__doc__,
    )
    send.add_argument("files", nargs="+", type=Path, metavar="FILE")
    send.add_argument(
        "--stream-id",
        action="append",
        dest="stream_ids",
        metavar="ID",
        help="stream id, once per file in order (default: file stem + random suffix)",
    )


def stream_ids_for(files: list[Path], given: list[str] | None) -> list[str]:
    """The given ids (one per file), else each file's stem plus a short random suffix."""
    if given:
        if len(given) != len(files):
            raise ConfigurationError(f"{len(given)} --stream-id for {len(files)} files: give one per file")
        return given
    return [f"{path.stem}-{uuid.uuid4().hex[:6]}" for path in files]


def run_send(args: argparse.Namespace) -> int:
    """Read every file, then stream them all concurrently; a line per stream when it is done."""
    from producers.sources import prepare, read_audio  # noqa: PLC0415 - keeps --help fast

    settings = with_embedded_broker(settings_from_args(SendSettings, args))
    ids = stream_ids_for(args.files, args.stream_ids)
    sources = {
        stream_id: prepare(read_audio(path), settings.target_sample_rate)
        for stream_id, path in zip(ids, args.files, strict=True)
    }
    require_topic(settings.kafka, settings.topics.chunks)
    if settings.metrics_port is not None:
        from streamscribe.metrics import serve_metrics  # noqa: PLC0415

        serve_metrics(settings.metrics_port, "send")
    asyncio.run(_send_all(settings, sources, settings.metrics_port is not None))
    return 0


async def _send_all(settings: ProducerSettings, sources: dict[str, ContractAudio], with_metrics: bool) -> None:
    """All sources at once through one producer, with a progress bar per stream on stderr."""
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import Progress  # noqa: PLC0415

    from producers.async_producer import AsyncAudioProducer  # noqa: PLC0415
    from producers.metrics import ProducerMetrics  # noqa: PLC0415
    from producers.sending import send_audio  # noqa: PLC0415

    async with AsyncAudioProducer(settings=settings) as producer:
        if with_metrics:
            ProducerMetrics().watch(producer.stats)
        with Progress(console=Console(stderr=True), transient=True) as progress:

            async def send_one(stream_id: str, audio: ContractAudio) -> None:
                task = progress.add_task(stream_id, total=audio.duration)
                result = await send_audio(
                    producer,
                    stream_id,
                    audio,
                    chunk_ms=settings.chunk_ms,
                    realtime=settings.realtime,
                    on_progress=lambda seconds: progress.update(task, completed=seconds),
                )
                progress.remove_task(task)
                print(result.describe(), flush=True)

            await asyncio.gather(*(send_one(stream_id, audio) for stream_id, audio in sources.items()))

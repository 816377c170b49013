"""`streamscribe send FILE…` (audio files as concurrent live streams) and `streamscribe transcribe FILE…`
(the same through the running pipeline, one transcript or captions file per input)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from infra.cluster import with_embedded_broker
from producers.settings import ProducerSettings, SendSettings, TranscribeSettings
from streamscribe.cli_settings import add_settings_command, settings_from_args
from streamscribe.errors import ConfigurationError
from streamscribe.kafka_access import require_topic

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
    transcribe = add_settings_command(
        subparsers, "transcribe", TranscribeSettings, run_transcribe,
        "transcribe audio files through the running pipeline into FILE.txt|json|srt|vtt",
    )
    for command in (send, transcribe):
        command.add_argument("files", nargs="+", type=Path, metavar="FILE")
        command.add_argument(
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


def read_sources(settings: ProducerSettings, files: list[Path], ids: list[str]) -> dict[str, ContractAudio]:
    """Every file read and conformed to the contract, by stream id (bad input fails before sending)."""
    from producers.sources import prepare, read_audio  # noqa: PLC0415 - keeps --help fast

    return {stream_id: prepare(read_audio(path), settings.target_sample_rate)
            for stream_id, path in zip(ids, files, strict=True)}


def run_send(args: argparse.Namespace) -> int:
    """Read every file, then stream them all concurrently; a line per stream when it is done."""
    settings = with_embedded_broker(settings_from_args(SendSettings, args))
    sources = read_sources(settings, args.files, stream_ids_for(args.files, args.stream_ids))
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


def run_transcribe(args: argparse.Namespace) -> int:
    """Send every file, wait for each stream's last result, write FILE.<format> into the output folder."""
    from producers.reader import TranscriptReader  # noqa: PLC0415
    from producers.transcript_files import transcript_document  # noqa: PLC0415

    settings = with_embedded_broker(settings_from_args(TranscribeSettings, args))
    ids = stream_ids_for(args.files, args.stream_ids)
    sources = read_sources(settings, args.files, ids)
    require_topic(settings.kafka, settings.topics.transcripts)
    settings.output_dir.mkdir(parents=True, exist_ok=True)
    # from the oldest result kept: the stream ids are new, and nothing can be missed before the
    # reader's partitions are assigned
    with TranscriptReader(settings.kafka, settings.topics, from_beginning=True) as reader:
        asyncio.run(_send_all(settings, sources, with_metrics=False))
        streams = reader.wait_for_streams(ids, settings.timeout_s)
    for stream_id, path in zip(ids, args.files, strict=True):
        target = settings.output_dir / f"{path.stem}.{settings.format}"
        target.write_text(transcript_document(streams[stream_id], settings.format), encoding="utf-8")
        print(f"{path} -> {target}", flush=True)
    return 0

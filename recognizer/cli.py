"""`streamscribe recognizer` (a worker of the recognizer group) and `streamscribe listen`."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Callable
from typing import Any

from infra.cluster import with_embedded_broker
from recognizer.settings import FormatSettings, ListenSettings, RecognizerSettings
from streamscribe.cli_settings import add_settings_command, settings_from_args
from streamscribe.errors import ConfigurationError

log = logging.getLogger(__name__)

KAFKA_START_TIMEOUT = 120.0  # joining the group and initialising transactions


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `recognizer`, `listen` and `format` subcommands (flags: their settings' fields)."""
    add_settings_command(
        subparsers, "recognizer", RecognizerSettings, run_recognizer,
        "run one recognizer worker (audio.segments → transcripts)",
        "Join the recognizer consumer group and turn segments into transcripts, exactly once.",
    )
    add_settings_command(subparsers, "listen", ListenSettings, run_listen, "print transcripts as they arrive")
    fmt = add_settings_command(
        subparsers, "format", FormatSettings, run_format,
        "format spoken text as the recognizer formats final results (punctuation, casing, numbers, redaction)",
    )
    fmt.add_argument("text", nargs="*", metavar="WORD",
                     help="the spoken words (none: read one result per line of stdin)")


def run_recognizer(args: argparse.Namespace) -> int:
    """Load the model, then process segments until SIGINT/SIGTERM."""
    from recognizer.engine import RecognitionEngine  # noqa: PLC0415 - loads torch and NeMo
    from recognizer.metrics import RecognizerMetrics  # noqa: PLC0415
    from recognizer.worker import RecognizerWorker, WorkerThread  # noqa: PLC0415
    from streamscribe.metrics import serve_metrics  # noqa: PLC0415
    from streamscribe.shutdown import ShutdownDeadline  # noqa: PLC0415

    settings = with_embedded_broker(settings_from_args(RecognizerSettings, args))
    serve_metrics(settings.metrics_port, "recognizer")
    engine = RecognitionEngine.from_settings(settings, RecognizerMetrics())
    runner = WorkerThread(RecognizerWorker(settings, engine))
    deadline = ShutdownDeadline(f"recognizer {settings.instance_id}", settings.shutdown_timeout_ms / 1000,
                                lambda: "its open transaction (aborted by the broker, redone by the group)")

    def stop(*_: object) -> None:
        deadline.arm()
        runner.worker.stop()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    try:
        runner.start(timeout=KAFKA_START_TIMEOUT)
        runner.wait()
    finally:
        engine.close()
    log.info("recognizer %s stopped", settings.instance_id)
    return 0


def format_result(transcript: Any) -> str:
    """One line per result: stream, segment, times, kind and text."""
    kind = "eos" if transcript.eos else ("final" if transcript.final else "interim")
    return (f"{transcript.stream_id} #{transcript.segment} [{transcript.start:7.2f}-{transcript.end:7.2f}] "
            f"{kind:7} {transcript.text}")


def result_printer(fmt: str) -> Callable[[Any], str]:
    """What `listen --format` prints for each result ("" prints nothing)."""
    if fmt == "json":
        return lambda transcript: transcript.to_json_bytes().decode() + "\n"
    if fmt in ("srt", "vtt"):
        from producers.captions import CaptionStream  # noqa: PLC0415

        captions = CaptionStream(fmt)  # type: ignore[arg-type]
        sys.stdout.write(captions.header())
        return captions.add
    return lambda transcript: format_result(transcript) + "\n"


def run_listen(args: argparse.Namespace) -> int:
    """Print results (copies dropped) until Ctrl-C, or until the one stream asked for ends."""
    from producers.reader import TranscriptReader  # noqa: PLC0415

    settings = with_embedded_broker(settings_from_args(ListenSettings, args))
    stream_id = settings.stream_id
    if settings.format in ("srt", "vtt") and not stream_id:
        raise ConfigurationError(f"--format {settings.format} writes one stream's captions: give --stream-id")
    printer = result_printer(settings.format)
    with TranscriptReader(
        settings.kafka, settings.topics, group_id=settings.group_id, from_beginning=settings.from_beginning
    ) as reader:
        for transcript in reader.results(stream_id):
            sys.stdout.write(printer(transcript))
            sys.stdout.flush()
            if not (transcript.eos and transcript.final):
                continue
            if not stream_id:
                reader.assembler.forget(transcript.stream_id)  # all streams: keep memory bounded
            elif reader.stream(stream_id).complete:
                return 0
    return 0


def formatted_json(formatted: Any) -> str:
    """`format --json`: the text, the spoken words (after redaction) and each written token's words."""
    return json.dumps({
        "text": formatted.text,
        "words": [token.text for token in formatted.spoken],
        "written": [{"text": t.text, "first_word": t.first, "last_word": t.last} for t in formatted.written],
    })


def run_format(args: argparse.Namespace) -> int:
    """Format the words given, else each line of stdin, printing one line per result."""
    from recognizer.formatting import Formatter  # noqa: PLC0415 - keeps --help fast
    from recognizer.formatting.hidden_event import default_punctuator  # noqa: PLC0415
    from recognizer.formatting.itn import NemoInverseNormalizer  # noqa: PLC0415

    settings = settings_from_args(FormatSettings, args)
    options = settings.options()
    formatter = Formatter(NemoInverseNormalizer() if options.formatting == "full" else None, default_punctuator())
    lines = [" ".join(args.text)] if args.text else sys.stdin
    for line in lines:
        formatted = formatter.format(line.lower().split(), options)
        sys.stdout.write((formatted_json(formatted) if settings.json_output else formatted.text) + "\n")
        sys.stdout.flush()
    return 0

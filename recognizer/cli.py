"""`streamscribe recognizer` (a worker of the recognizer group) and `streamscribe listen`."""

from __future__ import annotations

import argparse
import logging
import signal
from typing import Any

from streamscribe.settings import add_kafka_arguments, kafka_settings_from_args

log = logging.getLogger(__name__)

KAFKA_START_TIMEOUT = 120.0  # joining the group and initialising transactions

# flag name → RecognizerSettings field, for the flags that map one to one
SETTING_FLAGS = (
    "model", "device", "decoder", "lm", "unigrams", "beam_width", "alpha", "beta", "hotword_weight",
    "max_batch", "max_wait_ms", "batches_per_transaction", "max_padding", "silence_dbfs", "torch_threads",
    "group_id", "instance_id",
    "transaction_timeout_ms", "session_timeout_ms", "metrics_port",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `recognizer` and `listen` subcommands."""
    worker = subparsers.add_parser(
        "recognizer", help="run one recognizer worker (audio.segments → transcripts)",
        description="Join the recognizer consumer group and turn segments into transcripts, exactly once.",
    )
    add_recognizer_arguments(worker)
    add_kafka_arguments(worker)
    worker.set_defaults(func=run_recognizer)

    listen = subparsers.add_parser("listen", help="print transcripts as they arrive")
    add_kafka_arguments(listen)
    listen.add_argument("--stream-id", help="only this stream (exit when it ends)")
    listen.add_argument("--from-beginning", action="store_true", help="start at the oldest result kept")
    listen.add_argument("--group-id", help="join this consumer group (default: an anonymous reader)")
    listen.set_defaults(func=run_listen)


def add_recognizer_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags for every RecognizerSettings field worth setting by hand (env vars cover the rest)."""
    parser.add_argument("--model", help="a .nemo file or a NeMo pretrained name (default: the shipped model)")
    parser.add_argument("--device", help="auto (CUDA if present, else CPU), cpu, cuda, cuda:N")
    parser.add_argument("--decoder", choices=["greedy", "beam"], help="CTC decoder (default greedy)")
    parser.add_argument("--lm", help="KenLM model for beam search (default: the shipped one)")
    parser.add_argument("--unigrams", help="the LM's word list (default: <prefix>.unigrams.txt beside it)")
    parser.add_argument("--beam-width", type=int)
    parser.add_argument("--alpha", type=float, help="LM weight")
    parser.add_argument("--beta", type=float, help="word insertion bonus")
    parser.add_argument("--hotword", dest="hotwords", action="append", help="boost this word (repeatable)")
    parser.add_argument("--hotword-weight", type=float)
    parser.add_argument("--max-batch", type=int, help="most segments per forward pass")
    parser.add_argument("--max-wait-ms", type=int, help="longest wait to fill a batch")
    parser.add_argument("--batches-per-transaction", type=int,
                        help="read up to this many batches' worth of segments per Kafka transaction")
    parser.add_argument("--max-padding", type=float, help="padding allowed per batch, as a fraction of its audio")
    parser.add_argument("--silence-dbfs", type=float,
                        help="segments with no 20 ms frame louder than this get an empty result unrecognised")
    parser.add_argument("--torch-threads", type=int, help="CPU threads for torch")
    parser.add_argument("--group-id", help="recognizer consumer group")
    parser.add_argument("--instance-id", help="this worker's id (its transactional.id suffix)")
    parser.add_argument("--transaction-timeout-ms", type=int)
    parser.add_argument("--session-timeout-ms", type=int)
    parser.add_argument("--metrics-port", type=int, help="serve Prometheus metrics here (0 = any free port)")


def recognizer_settings_from_args(args: argparse.Namespace) -> Any:
    """RecognizerSettings from env vars, overridden by the flags given."""
    from recognizer.settings import RecognizerSettings  # noqa: PLC0415

    kafka, topics = kafka_settings_from_args(args)
    overrides = {name: getattr(args, name) for name in SETTING_FLAGS if getattr(args, name, None) is not None}
    if getattr(args, "hotwords", None):
        overrides["hotwords"] = args.hotwords
    return RecognizerSettings(kafka=kafka, topics=topics, **overrides)


def run_recognizer(args: argparse.Namespace) -> int:
    """Load the model, then process segments until SIGINT/SIGTERM."""
    from recognizer.engine import RecognitionEngine  # noqa: PLC0415 - loads torch and NeMo
    from recognizer.worker import RecognizerWorker, WorkerThread  # noqa: PLC0415
    from streamscribe.metrics import serve_metrics  # noqa: PLC0415

    settings = recognizer_settings_from_args(args)
    serve_metrics(settings.metrics_port, "recognizer")
    engine = RecognitionEngine.from_settings(settings)
    runner = WorkerThread(RecognizerWorker(settings, engine))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: runner.worker.stop())
    runner.start(timeout=KAFKA_START_TIMEOUT)
    runner.wait()
    log.info("recognizer %s stopped", settings.instance_id)
    return 0


def format_result(transcript: Any) -> str:
    """One line per result: stream, segment, times, kind and text."""
    kind = "eos" if transcript.eos else ("final" if transcript.final else "interim")
    return (f"{transcript.stream_id} #{transcript.segment} [{transcript.start:7.2f}-{transcript.end:7.2f}] "
            f"{kind:7} {transcript.text}")


def run_listen(args: argparse.Namespace) -> int:
    """Print results (copies dropped) until Ctrl-C, or until the one stream asked for ends."""
    from recognizer.reader import TranscriptReader  # noqa: PLC0415

    kafka, topics = kafka_settings_from_args(args)
    with TranscriptReader(kafka, topics, group_id=args.group_id, from_beginning=args.from_beginning) as reader:
        for transcript in reader.results(args.stream_id):
            print(format_result(transcript), flush=True)
            if not (transcript.eos and transcript.final):
                continue
            if not args.stream_id:
                reader.assembler.forget(transcript.stream_id)  # all streams: keep memory bounded
            elif reader.stream(args.stream_id).complete:
                return 0
    return 0

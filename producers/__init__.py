"""The client SDK: stream live audio into `audio.chunks` (sync and asyncio, audio sources), and
read the results back from `transcripts` (copies dropped, streams reassembled, live captions).

    from producers import AudioProducer, AsyncAudioProducer, ProducerSettings, TranscriptReader

Failures are never silent: a chunk Kafka did not take, and a chunk the stream app refused after
Kafka took it (read back from `audio.rejected`, e.g. every chunk after the stream was closed as
idle: `after_eos`), raise a `DeliveryError` naming the stream, the seq and the reason from the
stream's next write, close or wait, or the producer's flush (producers/refusals.py;
`report_refusals=False` turns the reading off). A refusal that comes back after the producer was
closed is only logged while it runs, and kept in `audio.rejected`.

Names load on first use (PEP 562), so `streamscribe --help` does not import numpy or librdkafka.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AsyncAudioProducer": "producers.async_producer",
    "AsyncAudioStream": "producers.async_producer",
    "AudioProducer": "producers.producer",
    "AudioStream": "producers.producer",
    "AudioSourceError": "producers.errors",
    "DeliveryError": "producers.errors",
    "DeliveryFailure": "producers.errors",
    "ProducerError": "producers.errors",
    "StreamStateError": "producers.errors",
    "ProducerSettings": "producers.settings",
    "ProducerStats": "producers.ledger",
    "StreamText": "producers.assembly",
    "TranscriptAssembler": "producers.assembly",
    "TranscriptReader": "producers.reader",
    "TranscriptConsumer": "producers.transcript_consumer",
    "TranscriptSourceError": "producers.transcript_consumer",
    "TranscriptTimeout": "producers.reader",
}

__all__ = [
    "AsyncAudioProducer",
    "AsyncAudioStream",
    "AudioProducer",
    "AudioSourceError",
    "AudioStream",
    "DeliveryError",
    "DeliveryFailure",
    "ProducerError",
    "ProducerSettings",
    "ProducerStats",
    "StreamStateError",
    "StreamText",
    "TranscriptAssembler",
    "TranscriptConsumer",
    "TranscriptReader",
    "TranscriptSourceError",
    "TranscriptTimeout",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'producers' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)

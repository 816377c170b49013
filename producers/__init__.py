"""Producer SDK: stream live audio into `audio.chunks` (sync and asyncio), plus audio sources.

    from producers import AudioProducer, AsyncAudioProducer, ProducerSettings

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
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'producers' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)

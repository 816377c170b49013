"""G.711 (ITU-T) telephone codecs: mu-law and A-law, one byte per sample, as 256-entry tables.

Decoding is a table lookup (`MULAW_TO_S16`, `ALAW_TO_S16`: the linear 16-bit value of each
code, as the ITU reference and Python's `audioop` give it). Encoding picks, for each 16-bit
sample, the code whose decoded value is nearest (round to nearest rather than the reference
encoder's truncation), which is what a producer needs to make test or telephone audio.
"""

from __future__ import annotations

import numpy as np

CODES = np.arange(256, dtype=np.int32)


def _mulaw_table() -> np.ndarray:
    code = ~CODES & 0xFF
    magnitude = (((code & 0x0F) << 3) + 0x84) << ((code & 0x70) >> 4)
    return np.where(code & 0x80, 0x84 - magnitude, magnitude - 0x84).astype(np.int16)


def _alaw_table() -> np.ndarray:
    code = CODES ^ 0x55
    segment = (code & 0x70) >> 4
    mantissa = (code & 0x0F) << 4
    magnitude = np.where(segment == 0, mantissa + 8, (mantissa + 0x108) << np.maximum(segment - 1, 0))
    return np.where(code & 0x80, magnitude, -magnitude).astype(np.int16)


MULAW_TO_S16 = _mulaw_table()
ALAW_TO_S16 = _alaw_table()


def _nearest_code_encoder(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(table, kind="stable")
    return table[order].astype(np.int32), order.astype(np.uint8)


_MULAW_SORTED = _nearest_code_encoder(MULAW_TO_S16)
_ALAW_SORTED = _nearest_code_encoder(ALAW_TO_S16)


def _encode(samples: np.ndarray, sorted_table: tuple[np.ndarray, np.ndarray]) -> bytes:
    values, codes = sorted_table
    s16 = np.asarray(samples, dtype=np.int32)
    above = np.clip(np.searchsorted(values, s16), 1, len(values) - 1)
    nearer_below = (s16 - values[above - 1]) <= (values[above] - s16)
    return codes[np.where(nearer_below, above - 1, above)].tobytes()


def encode_mulaw(samples: np.ndarray) -> bytes:
    """16-bit linear samples (any integer array) as mu-law bytes."""
    return _encode(samples, _MULAW_SORTED)


def encode_alaw(samples: np.ndarray) -> bytes:
    """16-bit linear samples (any integer array) as A-law bytes."""
    return _encode(samples, _ALAW_SORTED)

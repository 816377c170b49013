"""Reasons a message is refused, and the headers it carries on `audio.rejected`."""

from __future__ import annotations

from enum import StrEnum

from streamscribe.errors import StreamscribeError


class RejectReason(StrEnum):
    """Why a message went to `audio.rejected` (the value of its `reject_reason` header)."""

    MISSING_KEY = "missing_key"
    MISSING_HEADER = "missing_header"
    BAD_SEQ = "bad_seq"
    UNKNOWN_ENCODING = "unknown_encoding"
    BAD_CHANNELS = "bad_channels"
    RATE_OUT_OF_RANGE = "rate_out_of_range"
    ODD_BYTE_COUNT = "odd_byte_count"
    OVERSIZED = "oversized"
    SEQ_GAP = "seq_gap"
    SEQ_REPEAT = "seq_repeat"
    FORMAT_CHANGED = "format_changed"
    AFTER_EOS = "after_eos"
    BAD_HEADER = "bad_header"  # a header is present but its value breaks the contract


class InvalidMessage(StreamscribeError):
    """A message breaks its topic's contract; `reason` says which rule (it goes to `audio.rejected`)."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


class InvalidChunk(InvalidMessage):
    """A message on `audio.chunks` breaks the chunk contract."""


def rejection_headers(
    original: list[tuple[str, bytes]] | None,
    error: InvalidMessage,
    source: tuple[str, int, int],
) -> list[tuple[str, bytes]]:
    """Headers for a rejected message: the original ones plus reason, detail and source.

    `source` is (topic, partition, offset) of the refused message, so it can be found and
    replayed; the payload itself is forwarded unchanged.
    """
    topic, partition, offset = source
    return [
        *(original or []),
        ("reject_reason", error.reason.value.encode()),
        ("reject_detail", error.detail.encode()),
        ("source", f"{topic}/{partition}/{offset}".encode()),
    ]

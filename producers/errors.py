"""What the producer SDK raises: every error is a `ProducerError` (a StreamscribeError)."""

from __future__ import annotations

from dataclasses import dataclass

from streamscribe.errors import StreamscribeError


class ProducerError(StreamscribeError):
    """The producer SDK could not do what was asked."""


class AudioSourceError(ProducerError):
    """An audio file, buffer or array could not be read or converted."""


class StreamStateError(ProducerError):
    """A stream was used in a way its state does not allow (write after close, reused id)."""


@dataclass(frozen=True, slots=True)
class DeliveryFailure:
    """One chunk Kafka did not take: which stream, which seq, and why."""

    stream_id: str
    seq: int | None
    error: str
    fatal: bool = False

    def __str__(self) -> str:
        where = f"seq {self.seq}" if self.seq is not None else "a chunk"
        return f"stream {self.stream_id!r} {where}: {self.error}"


class DeliveryError(ProducerError):
    """Chunks that were handed to the producer never reached Kafka."""

    def __init__(self, failures: list[DeliveryFailure]) -> None:
        shown = "; ".join(str(failure) for failure in failures[:5])
        more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
        super().__init__(f"{len(failures)} chunk(s) not delivered: {shown}{more}")
        self.failures = failures

"""The per-stream rules for `seq`, format and end of stream: which chunks are accepted.

Rules, checked in this order for each chunk that passed `decode_chunk` (so the outcome depends
only on the order the chunks arrive in, and a replay decides the same):

1. the stream is closed (its eos chunk was accepted, or it was closed as idle) → `after_eos`;
2. `seq` below the next expected one (a producer's retry sent it again) → `seq_repeat`, the
   copy is dropped and reported; the stream carries on unchanged;
3. `seq` above the next expected one (chunks were lost or reordered) → `seq_gap`: this chunk
   is reported with the missing range and the stream resynchronises after it, so one lost
   message costs one more chunk but does not silence the rest of a live stream;
4. a format (rate, channels, encoding) other than the stream's first chunk's →
   `format_changed`; the seq counts as used;
5. otherwise the chunk is accepted; an eos chunk closes the stream.

Sample offsets (`start_sample`) count accepted audio only.
"""

from __future__ import annotations

from dataclasses import dataclass

from streamscribe.contracts.chunk import AudioFormat, ChunkHeaders
from streamscribe.contracts.rejection import InvalidChunk, RejectReason


@dataclass(slots=True)
class SequenceGate:
    """What a stream expects next: its next `seq`, its format, whether it is closed."""

    next_seq: int = 0
    format: AudioFormat | None = None
    closed_because: str | None = None

    def admit(self, headers: ChunkHeaders) -> InvalidChunk | None:
        """Apply the rules to one chunk: None if accepted (state updated), else the rejection."""
        if self.closed_because is not None:
            return InvalidChunk(RejectReason.AFTER_EOS, f"seq {headers.seq}: {self.closed_because}")
        expected = self.next_seq
        if headers.seq < expected:
            return InvalidChunk(
                RejectReason.SEQ_REPEAT, f"seq {headers.seq} was already received (next expected {expected})"
            )
        self.next_seq = headers.seq + 1
        if headers.seq > expected:
            missing = f"{expected}" if headers.seq == expected + 1 else f"{expected}..{headers.seq - 1}"
            return InvalidChunk(
                RejectReason.SEQ_GAP, f"seq {headers.seq} arrived but seq {missing} did not; resuming after it"
            )
        chunk_format = headers.format
        if self.format is None:
            self.format = chunk_format
        elif chunk_format != self.format:
            return InvalidChunk(
                RejectReason.FORMAT_CHANGED, f"seq {headers.seq} is {chunk_format}, the stream is {self.format}"
            )
        if headers.eos:
            self.close(f"the stream ended at seq {headers.seq}")
        return None

    def close(self, why: str) -> None:
        """No chunk is accepted any more; later ones are rejected saying `why`."""
        self.closed_because = why

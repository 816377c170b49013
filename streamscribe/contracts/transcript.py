"""`transcripts`: one JSON object per recognition result, key = stream_id.

A result is identified by (stream_id, segment, final); consumers dedupe on that key. A
stream's last final result carries `eos: true`.

Partitioning: the recognizers write with librdkafka's `consistent_random` partitioner, i.e. the
CRC-32 of the key modulo the partition count (`transcript_partition`), not the Java clients'
murmur2. A reader that wants one stream's results reads only that partition (the gateway does).
"""

from __future__ import annotations

import zlib

from pydantic import BaseModel, ConfigDict, Field

from streamscribe.contracts.headers import KafkaMessage


TRANSCRIPT_PARTITIONER = "consistent_random"


def transcript_partition(stream_id: str, partitions: int) -> int:
    """The `transcripts` partition of a stream: CRC-32 of its UTF-8 key modulo `partitions`."""
    return zlib.crc32(stream_id.encode()) % partitions


class Word(BaseModel):
    """One recognised word with times relative to the stream's start.

    `stable` (interim results only; absent elsewhere): True when the word is not expected to
    change in later results, so captions may show it without flicker.
    """

    model_config = ConfigDict(frozen=True)

    word: str
    start: float
    end: float
    confidence: float = Field(ge=0.0, le=1.0)
    stable: bool | None = None


class WrittenToken(BaseModel):
    """One token of a formatted result's `text` and the `words` it came from (indices, both included).

    "$25.40" written for "twenty five dollars forty" spans those four words, so its times are
    `words[first_word].start` to `words[last_word].end` (docs/formatting.md).
    """

    model_config = ConfigDict(frozen=True)

    text: str
    first_word: int = Field(ge=0)
    last_word: int = Field(ge=0)


class Transcript(BaseModel):
    """One result on the `transcripts` topic."""

    model_config = ConfigDict(frozen=True, extra="allow")

    stream_id: str
    segment: int = Field(ge=0)
    start: float = Field(ge=0.0)
    end: float = Field(ge=0.0)
    text: str
    final: bool = True
    words: list[Word] = Field(default_factory=list)
    model: str
    eos: bool = False
    written: list[WrittenToken] | None = None  # formatted finals only (docs/contracts.md)

    @property
    def dedupe_key(self) -> tuple[str, int, bool]:
        """Identity of a result: a redelivered copy has the same key."""
        return (self.stream_id, self.segment, self.final)

    def encode(self) -> KafkaMessage:
        """The message to produce: key = stream_id, value = the JSON object, no headers."""
        return KafkaMessage(self.stream_id.encode(), self.to_json_bytes(), [])

    def to_json_bytes(self) -> bytes:
        """The Kafka message value (a word's `stable` only where it is set)."""
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_json_bytes(cls, value: bytes) -> Transcript:
        """Parse a Kafka message value; raises pydantic.ValidationError when malformed."""
        return cls.model_validate_json(value)

"""`transcripts` values: JSON round trip and what validation refuses."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from streamscribe.contracts import Transcript, Word


def sample() -> Transcript:
    return Transcript(
        stream_id="call-1",
        segment=4,
        start=1.25,
        end=2.5,
        text="hello world",
        final=True,
        words=[
            Word(word="hello", start=1.25, end=1.7, confidence=0.9),
            Word(word="world", start=1.8, end=2.5, confidence=1.0),
        ],
        model="tiny-ctc",
        eos=True,
    )


def test_json_round_trip() -> None:
    original = sample()
    assert Transcript.from_json_bytes(original.to_json_bytes()) == original


def test_json_carries_the_contract_fields() -> None:
    document = json.loads(sample().to_json_bytes())
    assert {"stream_id", "segment", "start", "end", "text", "final", "words", "model", "eos"} <= set(document)
    assert document["words"][0] == {"word": "hello", "start": 1.25, "end": 1.7, "confidence": 0.9}


def test_extra_fields_survive_round_trip() -> None:
    value = json.dumps({**json.loads(sample().to_json_bytes()), "latency_ms": 312}).encode()
    assert json.loads(Transcript.from_json_bytes(value).to_json_bytes())["latency_ms"] == 312


def test_minimal_result_gets_defaults() -> None:
    parsed = Transcript.from_json_bytes(
        b'{"stream_id":"s","segment":0,"start":0,"end":0.5,"text":"","model":"m"}'
    )
    assert (parsed.final, parsed.words, parsed.eos) == (True, [], False)


def test_dedupe_key_separates_interim_from_final() -> None:
    final = sample()
    interim = final.model_copy(update={"final": False})
    assert final.dedupe_key == ("call-1", 4, True)
    assert interim.dedupe_key != final.dedupe_key


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"segment": -1}, "segment"),
        ({"start": -0.1}, "start"),
        ({"end": "later"}, "end"),
        ({"stream_id": None}, "stream_id"),
        ({"words": [{"word": "x", "start": 0, "end": 1, "confidence": 1.5}]}, "confidence"),
    ],
)
def test_validation_errors_name_the_field(change: dict[str, object], field: str) -> None:
    document = {**json.loads(sample().to_json_bytes()), **change}
    with pytest.raises(ValidationError, match=field):
        Transcript.from_json_bytes(json.dumps(document).encode())


@pytest.mark.parametrize("missing", ["stream_id", "segment", "text", "model"])
def test_required_fields(missing: str) -> None:
    document = json.loads(sample().to_json_bytes())
    del document[missing]
    with pytest.raises(ValidationError, match=missing):
        Transcript.from_json_bytes(json.dumps(document).encode())


def test_malformed_json_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        Transcript.from_json_bytes(b'{"stream_id": "s", ')

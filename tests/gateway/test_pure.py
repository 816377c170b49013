"""The gateway's pure parts: start messages, refusals, vosk replies, admission, partition choice."""

from __future__ import annotations

import json
import random
import zlib

import pytest

from gateway.admission import ANONYMOUS, Admission, authenticate
from gateway.partitions import PartitionRefs, home_partitions, new_stream_id
from gateway.protocol import FrameAligner, Refusal, Refused, is_eos, parse_start
from gateway.vosk import VoskReplies, parse_control, result_message
from streamscribe.contracts import Encoding, StreamOptions, Transcript, Word
from streamscribe.contracts.recognition import RecognitionOptions
from streamscribe.contracts.transcript import transcript_partition


def refusal_of(call, *args) -> Refused:  # noqa: ANN001
    with pytest.raises(Refused) as caught:
        call(*args)
    return caught.value


def test_a_full_start_message() -> None:
    start = parse_start(json.dumps({"type": "start", "sample_rate": 8000, "encoding": "pcm_mulaw", "channels": 2,
                                    "stream_id": "call-7", "options": {"interim_interval_ms": 0, "redact": "pii"}}))
    assert (start.format.sample_rate, start.format.encoding, start.format.channels, start.stream_id) == (
        8000, Encoding.PCM_MULAW, 2, "call-7")
    assert start.options == StreamOptions(interim_interval_ms=0, recognition=RecognitionOptions((("redact", "pii"),)))
    assert start.format.frame_bytes == 2


@pytest.mark.parametrize(("message", "named"), [
    ("not json", "JSON object"),
    ("[1]", "JSON object"),
    ('{"sample_rate": 16000}', '"type": "start"'),
    ('{"type": "start"}', "sample_rate"),
    ('{"type": "start", "sample_rate": 96000}', "sample_rate"),
    ('{"type": "start", "sample_rate": 16000, "encoding": "mp3"}', "unknown encoding 'mp3'"),
    ('{"type": "start", "sample_rate": 16000, "channels": 3}', "channels"),
    ('{"type": "start", "sample_rate": 16000, "stream_id": "a b"}', "stream_id"),
    ('{"type": "start", "sample_rate": 16000, "options": {"beam": 1}}', "unknown option"),
    ('{"type": "start", "sample_rate": 16000, "options": {"formatting": "loud"}}', "'formatting' must be one of"),
    ('{"type": "start", "sample_rate": 16000, "volume": 3}', "unknown field"),
])
def test_a_bad_start_message_is_refused_with_what_is_wrong(message: str, named: str) -> None:
    refused = refusal_of(parse_start, message)
    assert refused.refusal is Refusal.BAD_REQUEST and refused.refusal.close_code == 4400
    assert named in refused.reason


def test_control_messages_after_the_start() -> None:
    assert is_eos('{"type": "eos"}')
    assert refusal_of(is_eos, '{"type": "pause"}').refusal is Refusal.BAD_REQUEST


def test_close_reasons_fit_a_close_frame() -> None:
    reason = Refused(Refusal.BAD_REQUEST, "é" * 200).close_reason()
    assert len(reason.encode()) <= 123 and reason.startswith("é")


def test_refusal_codes_are_the_documented_ones() -> None:
    assert Refusal.AT_CAPACITY.value == (1013, 503) and Refusal.TOO_BIG.close_code == 1009
    assert Refusal.OVER_LIMIT.close_code == 1013 and Refusal.UNAUTHORIZED.http_status == 401


def test_split_sample_frames_are_carried_over() -> None:
    aligner = FrameAligner(2)
    assert aligner.push(b"abc") == b"ab" and aligner.pending == 1
    assert aligner.push(b"defg") == b"cdef" and aligner.push(b"") == b""
    assert aligner.pending == 1


def result(segment: int, text: str, final: bool = True, eos: bool = False, conf: float = 0.9) -> Transcript:
    words = [Word(word=w, start=segment + i * 0.3, end=segment + i * 0.3 + 0.25, confidence=conf)
             for i, w in enumerate(text.split())]
    return Transcript(stream_id="s", segment=segment, start=segment, end=segment + 1, text=text, final=final,
                      eos=eos, words=words, model="m")


def test_vosk_control_messages() -> None:
    control = parse_control('{"config": {"sample_rate": 8000.0, "words": 1}}')
    assert (control.sample_rate, control.words) == (8000, True)
    assert parse_control('{"config": {"words": false, "max_alternatives": 0}}').words is False
    assert parse_control('{"config": {"sample_rate": 16000}}').words is None  # unchanged
    assert parse_control('{"eof" : 1}').eof and parse_control('{"reset" : 1}').reset
    for bad in ('{"config": {"sample_rate": 8000.5}}', '{"hello": 1}', "eof", '{"config": {"words": "yes"}}'):
        with pytest.raises(ValueError):
            parse_control(bad)


@pytest.mark.parametrize(("config", "named"), [('{"max_alternatives": 3}', "max_alternatives"),
                                               ('{"phrase_list": ["yes", "no"]}', "phrase_list"),
                                               ('{"model": "en"}', "model")])
def test_vosk_options_not_supported_are_refused_by_name(config: str, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        parse_control(f'{{"config": {config}}}')


def test_vosk_replies_partial_until_a_final_then_the_rest_at_eof() -> None:
    replies = VoskReplies()
    assert replies.reply() == {"partial": ""}
    replies.add(result(0, "hello wor", final=False))
    assert replies.reply() == {"partial": "hello wor"}
    replies.add(result(0, "hello world"))
    replies.add(result(1, "good", final=False))
    answer = replies.reply()
    assert answer["text"] == "hello world"
    assert list(answer["result"][0]) == ["conf", "end", "start", "word"] and answer["result"][1]["word"] == "world"
    assert replies.reply() == {"partial": "good"}
    replies.add(result(2, "bye", eos=True))
    replies.add(result(1, "good day"))
    assert replies.done and replies.final()["text"] == "good day bye"
    assert result_message([result(3, "", eos=True)]) == {"text": ""}


def test_vosk_replies_without_words_when_the_client_asked_for_none() -> None:
    replies = VoskReplies(words=False)
    replies.add(result(0, "hello world", eos=True))
    assert replies.final() == {"text": "hello world"}


def test_api_keys() -> None:
    keys = frozenset({"k1", "k2"})
    assert authenticate(frozenset(), None, None) == ANONYMOUS
    assert authenticate(keys, "Bearer k2", None) == "k2" and authenticate(keys, None, "k1") == "k1"
    for header, token in ((None, None), ("Bearer nope", None), ("Basic k1", None), (None, "k3")):
        assert refusal_of(authenticate, keys, header, token).refusal is Refusal.UNAUTHORIZED


def test_admission_limits_per_key_and_in_all() -> None:
    admission = Admission(capacity=3, per_key_limit=2)
    admission.admit("a")
    admission.admit("a")
    assert refusal_of(admission.admit, "a").refusal is Refusal.OVER_LIMIT
    admission.admit("b")
    assert refusal_of(admission.admit, "c").refusal is Refusal.AT_CAPACITY
    admission.release("a")
    admission.admit("c")
    assert (admission.open, admission.streams_of("a"), admission.streams_of("c")) == (3, 1, 1)


def test_transcript_partition_is_librdkafka_consistent_crc32() -> None:
    assert transcript_partition("call-1", 20) == zlib.crc32(b"call-1") % 20
    assert transcript_partition("", 7) == 0


def test_home_partitions_wrap_and_new_ids_land_home() -> None:
    assert home_partitions("any", 3, 10, first=9) == {9, 0, 1}
    assert home_partitions("x", 50, 4) == {0, 1, 2, 3}
    home = home_partitions("gateway-a", 2, 20)
    assert len(home) == 2 and home == home_partitions("gateway-a", 2, 20)
    rng = random.Random(1)
    ids = {new_stream_id("gw", home, 20, token=lambda: f"{rng.getrandbits(64):016x}") for _ in range(200)}
    assert len(ids) == 200 and {transcript_partition(i, 20) for i in ids} == home


def test_partition_refs_count_extra_partitions() -> None:
    refs = PartitionRefs(frozenset({0, 1}))
    assert not refs.acquire(0) and refs.acquire(5) and not refs.acquire(5)
    assert refs.reading == {0, 1, 5}
    assert not refs.release(5) and refs.release(5) and not refs.release(5) and not refs.release(1)
    assert refs.reading == {0, 1}

"""The gateway against the real stack: native WebSocket, vosk protocol, HTTP upload (JSON and
NDJSON), a mu-law stream from kcat, and every refusal, each with a clear code and the refused
stream ended cleanly (its eos result reaches `transcripts`) without disturbing other streams."""

from __future__ import annotations

import asyncio
import json
import subprocess
from typing import Any

import aiohttp
import numpy as np
import pytest

from gateway.protocol import Refusal
from producers.reader import TranscriptReader
from streamscribe.contracts import Transcript
from streamscribe.contracts.transcript import transcript_partition
from streamscribe.g711 import MULAW_TO_S16
from tests.gateway.conftest import KEYS, MAX_WER, PER_KEY_LIMIT, Speech, Stack

pytestmark = [pytest.mark.broker, pytest.mark.model, pytest.mark.slow]  # the stack loads the shipped model

AUTH = {"Authorization": f"Bearer {KEYS[0]}"}
FRAME = 3200  # 100 ms of 16 kHz s16
TIMEOUT = aiohttp.ClientTimeout(total=240)
MULAW_MAX_WER = 0.7  # 8-bit G.711 noise costs the small model some words; no words at all would be 1.0


def start(**fields: Any) -> str:
    return json.dumps({"type": "start", "sample_rate": 16000, **fields})


async def native(url: str, pcm: bytes, headers: dict[str, str] | None = None, **fields: Any
                 ) -> tuple[str, list[Transcript], int | None]:
    """Stream `pcm` over /v1/stream; returns (stream id, results in arrival order, close code)."""
    results: list[Transcript] = []
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session, \
            session.ws_connect(url, headers=headers or AUTH) as ws:
        await ws.send_str(start(**fields))
        started = await ws.receive_json()
        assert started["type"] == "started", started

        async def send() -> None:
            for at in range(0, len(pcm), FRAME):
                await ws.send_bytes(pcm[at:at + FRAME])
                await asyncio.sleep(0.01)
            await ws.send_str(json.dumps({"type": "eos"}))

        sender = asyncio.create_task(send())
        async for message in ws:
            if message.type is aiohttp.WSMsgType.TEXT:
                results.append(Transcript.model_validate_json(message.data))
        await sender
        return started["stream_id"], results, ws.close_code


def text_of(results: list[Transcript]) -> str:
    finals = sorted((r for r in results if r.final), key=lambda r: r.segment)
    return " ".join(r.text for r in finals if r.text)


async def test_native_websocket_stream_with_live_captions(stack: Stack, speech: Speech) -> None:
    stream_id, results, code = await native(stack.gateway.url("/v1/stream"), speech.pcm,
                                            options={"interim_interval_ms": 300})
    assert code == 1000
    assert results[-1].eos and results[-1].final and all(r.stream_id == stream_id for r in results)
    assert any(not r.final for r in results), "asked for interim results, got none"
    assert speech.wer(text_of(results)) <= MAX_WER, text_of(results)
    assert transcript_partition(stream_id, stack.gateway.gateway.router.partitions) in \
        stack.gateway.gateway.router.refs.home  # a gateway-made id lands in a home partition


async def test_a_client_stream_id_on_another_partition_is_read_for_that_stream(stack: Stack, speech: Speech) -> None:
    router = stack.gateway.gateway.router
    stream_id = next(f"client-{i}" for i in range(100)
                     if transcript_partition(f"client-{i}", router.partitions) not in router.refs.home)
    got_id, results, code = await native(stack.gateway.url("/v1/stream"), speech.pcm[: 16000 * 2 * 4],
                                         stream_id=stream_id, options={"interim_interval_ms": 0})
    assert (got_id, code) == (stream_id, 1000)
    assert results[-1].eos and not any(not r.final for r in results)  # finals only, as asked
    assert router.refs.reading == router.refs.home  # the extra partition was let go


async def test_vosk_client_in_lockstep(stack: Stack, speech: Speech) -> None:
    replies: list[dict[str, Any]] = []
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session, \
            session.ws_connect(stack.gateway.url("/vosk"), headers=AUTH) as ws:
        await ws.send_str(json.dumps({"config": {"sample_rate": 16000, "words": 1}}))
        for at in range(0, len(speech.pcm), 8000):  # vosk's example client: 8000 bytes, then read one reply
            await ws.send_bytes(speech.pcm[at:at + 8000])
            replies.append(json.loads(await ws.receive_str()))
            await asyncio.sleep(0.05)
        await ws.send_str('{"eof" : 1}')
        replies.append(json.loads(await ws.receive_str()))
        assert (await ws.receive()).type is aiohttp.WSMsgType.CLOSE
    assert all(set(reply) in ({"partial"}, {"text"}, {"text", "result"}) for reply in replies), replies
    text = " ".join(reply["text"] for reply in replies if reply.get("text"))
    assert speech.wer(text) <= MAX_WER, text
    words = [word for reply in replies for word in reply.get("result", [])]
    assert words and list(words[0]) == ["conf", "end", "start", "word"]
    assert [w["start"] for w in words] == sorted(w["start"] for w in words)


async def test_http_upload_whole_and_as_ndjson(stack: Stack, speech: Speech) -> None:
    body = speech.wav.read_bytes()
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        async with session.post(stack.gateway.url("/v1/recognize"), data=body, headers=AUTH) as response:
            assert response.status == 200, await response.text()
            whole = await response.json()
        async with session.post(stack.gateway.url("/v1/recognize?stream=true&interim_interval_ms=500"), data=body,
                                headers=AUTH) as response:
            assert response.headers["Content-Type"].startswith("application/x-ndjson")
            lines = [Transcript.model_validate_json(line) async for line in response.content if line.strip()]
    assert speech.wer(whole["text"]) <= MAX_WER, whole["text"]
    assert whole["words"] and [s["segment"] for s in whole["segments"]] == list(range(len(whole["segments"])))
    assert whole["segments"][-1]["eos"] and abs(whole["duration"] - len(speech.pcm) / 32000) < 0.01
    # An upload arrives faster than real time, so the recognizer may skip every preview as superseded
    # by newer audio of the stream: interims are allowed here, not required (the WebSocket test needs them).
    finals = [line.segment for line in lines if line.final]
    assert lines[-1].eos and finals == list(range(len(finals)))  # every final, in order, none twice
    assert speech.wer(text_of(lines)) <= MAX_WER


async def test_http_upload_as_captions(stack: Stack, speech: Speech) -> None:
    body = speech.wav.read_bytes()
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        async with session.post(stack.gateway.url("/v1/recognize?format=vtt"), data=body, headers=AUTH) as response:
            assert response.status == 200 and response.headers["Content-Type"].startswith("text/vtt")
            vtt = await response.text()
        async with session.post(stack.gateway.url("/v1/recognize?format=doc"), data=body, headers=AUTH) as response:
            assert response.status == 400 and "format" in (await response.json())["reason"]
        async with session.post(stack.gateway.url("/v1/recognize?redact=everything"), data=body,
                                headers=AUTH) as response:  # a per-stream option is checked like the rest
            assert response.status == 400 and "'redact' must be one of" in (await response.json())["reason"]
    assert vtt.startswith("WEBVTT\n\n00:00:") and " --> " in vtt
    cue_text = " ".join(line for line in vtt.splitlines()[1:] if line and " --> " not in line)
    assert speech.wer(cue_text) <= MAX_WER, vtt


async def test_captions_of_results_a_client_holds(stack: Stack) -> None:
    results = [Transcript(stream_id="c", segment=i, start=3.0 * i, end=3.0 * i + 1.5, text=f"part {i}", model="m")
               for i in range(3)]
    body = "[" + ",".join(r.model_dump_json() for r in results) + "]"
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        async with session.post(stack.gateway.url("/v1/captions?format=srt"), data=body, headers=AUTH) as response:
            assert response.status == 200, await response.text()
            srt = await response.text()
        async with session.post(stack.gateway.url("/v1/captions"), data=b"{}", headers=AUTH) as response:
            assert response.status == 400
    assert srt.count(" --> ") == 3 and srt.startswith("1\n00:00:00,000 --> 00:00:01,500\npart 0\n")  # pauses cut


def test_a_mulaw_stream_from_kcat(stack: Stack, speech: Speech, tmp_path) -> None:
    """kcat sends G.711 mu-law; the result must be what the same audio gives as 16-bit PCM (the
    stream app decodes each code to exactly its 16-bit value), and still carry the words."""
    mulaw, linear = tmp_path / "call.ul", tmp_path / "call.s16"
    # 16 kHz: the codec is under test here (8 kHz telephone bandwidth costs this 16 kHz model accuracy of its own)
    subprocess.run(["sox", str(speech.wav), "-e", "mu-law", "-t", "raw", str(mulaw)], check=True)
    linear.write_bytes(MULAW_TO_S16[np.frombuffer(mulaw.read_bytes(), np.uint8)].astype("<i2").tobytes())
    bootstrap = stack.kafka.resolved_bootstrap()
    for key, path, encoding in (("kcat-mulaw", mulaw, "pcm_mulaw"), ("kcat-linear", linear, "pcm_s16le")):
        common = ["kcat", "-P", "-b", bootstrap, "-t", stack.topics.chunks, "-k", key,
                  "-H", "sample_rate=16000", "-H", f"encoding={encoding}"]
        subprocess.run([*common, "-H", "seq=0", str(path)], check=True)
        subprocess.run([*common, "-H", "seq=1", "-H", "eos=1"], input=b"", check=True)
    with TranscriptReader(stack.kafka, stack.topics) as reader:
        finished = reader.wait_for_streams(["kcat-mulaw", "kcat-linear"], timeout=180)
    text = finished["kcat-mulaw"].text
    assert text == finished["kcat-linear"].text
    assert speech.wer(text) <= MULAW_MAX_WER, text


async def refused_ws(url: str, first: str | bytes | None = None, headers: dict[str, str] | None = None,
                     then: list[str | bytes] = ()) -> tuple[int | None, str, str | None]:
    """Connect, send messages, read until closed; returns (close code, close reason, stream id)."""
    stream_id = None
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session, \
            session.ws_connect(url, headers=headers if headers is not None else AUTH, max_msg_size=0) as ws:
        for message in ([first] if first is not None else []) + list(then):
            if isinstance(message, bytes):
                await ws.send_bytes(message)
            else:
                await ws.send_str(message)
        while True:
            message = await ws.receive()
            if message.type is aiohttp.WSMsgType.TEXT and json.loads(message.data).get("type") == "started":
                stream_id = json.loads(message.data)["stream_id"]
            elif message.type is aiohttp.WSMsgType.CLOSE:
                return message.data, message.extra or "", stream_id
            elif message.type is not aiohttp.WSMsgType.TEXT:
                return ws.close_code, "", stream_id


async def test_malformed_start_and_unknown_encoding_are_refused(stack: Stack) -> None:
    url = stack.gateway.url("/v1/stream")
    code, reason, _ = await refused_ws(url, "{not json")
    assert code == Refusal.BAD_REQUEST.close_code and "JSON" in reason
    code, reason, _ = await refused_ws(url, start(encoding="opus"))
    assert code == 4400 and "unknown encoding 'opus'" in reason
    code, _, _ = await refused_ws(url, b"\x00\x01")  # audio before the start message
    assert code == 4400


async def test_missing_or_wrong_api_key(stack: Stack) -> None:
    url = stack.gateway.url("/v1/stream")
    assert (await refused_ws(url, start(), headers={}))[0] == Refusal.UNAUTHORIZED.close_code
    assert (await refused_ws(url, start(), headers={"Authorization": "Bearer nope"}))[0] == 4401
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        async with session.post(stack.gateway.url("/v1/recognize"), data=b"x") as response:
            assert response.status == 401 and (await response.json())["error"] == "unauthorized"
        async with session.post(stack.gateway.url(f"/v1/recognize?token={KEYS[1]}"), data=b"not audio") as response:
            assert response.status == 400  # the query token is accepted; the body is not audio


def wait_for_eos(stack: Stack, stream_ids: list[str]) -> None:
    """Every stream got its eos result: the gateway ended it cleanly in the pipeline."""
    with TranscriptReader(stack.kafka, stack.topics) as reader:
        finished = reader.wait_for_streams(stream_ids, timeout=180)
    assert all(finished[s].complete for s in stream_ids)


async def test_oversized_frame_idle_client_and_disconnect_end_their_streams(stack: Stack, speech: Speech) -> None:
    url = stack.gateway.url("/v1/stream")
    second = speech.pcm[: 16000 * 2]
    good = asyncio.create_task(native(url, speech.pcm, headers={"Authorization": f"Bearer {KEYS[1]}"}))
    code, reason, oversized = await refused_ws(url, start(), then=[second, b"\x00" * (65 * 1024)])
    assert code == Refusal.TOO_BIG.close_code
    code, reason, idle = await refused_ws(url, start(), then=[second])  # then says nothing for 2 s
    assert code == Refusal.IDLE.close_code and "nothing received" in reason
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        ws = await session.ws_connect(url, headers=AUTH)
        await ws.send_str(start())
        gone = (await ws.receive_json())["stream_id"]
        await ws.send_bytes(second)
        await ws.close()  # mid-stream, without eos
    _, results, code = await good
    assert code == 1000 and results[-1].eos, "another connection was disturbed"
    await asyncio.to_thread(wait_for_eos, stack, [oversized, idle, gone])


async def test_over_the_per_key_limit_and_at_capacity(stack: Stack) -> None:
    url = stack.gateway.url("/v1/stream")
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        held = []
        for _ in range(PER_KEY_LIMIT):
            ws = await session.ws_connect(url, headers=AUTH)
            await ws.send_str(start())
            assert (await ws.receive_json())["type"] == "started"
            held.append(ws)
        code, reason, _ = await refused_ws(url, start())
        assert code == 1013 and str(PER_KEY_LIMIT) in reason
        small = stack.small.url("/v1/stream")
        busy = await session.ws_connect(small)
        await busy.send_str(start())
        assert (await busy.receive_json())["type"] == "started"
        code, reason, _ = await refused_ws(small, start(), headers={})
        assert code == Refusal.AT_CAPACITY.close_code and "maximum" in reason
        async with session.post(stack.small.url("/v1/recognize"), data=b"RIFF") as response:
            assert response.status == 503
        for ws in [*held, busy]:
            await ws.send_str(json.dumps({"type": "eos"}))
            await ws.close()


async def test_health_readiness_and_metrics(stack: Stack) -> None:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        async with session.get(stack.gateway.url("/healthz")) as response:
            assert response.status == 200
        async with session.get(stack.gateway.url("/readyz")) as response:
            assert response.status == 200 and (await response.json())["partitions"] == [0]
        async with session.get(stack.gateway.url("/metrics")) as response:
            text = await response.text()
    assert "streamscribe_gateway_streams_total" in text and "streamscribe_gateway_refusals_total" in text


async def test_tls_and_the_origin_allow_list(stack: Stack, tmp_path) -> None:
    import ssl

    from gateway.server import GatewayThread
    from gateway.settings import GatewaySettings

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    secure = GatewayThread(GatewaySettings(kafka=stack.kafka, topics=stack.topics, port=0, tls_cert=cert, tls_key=key,
                                           allowed_origins="https://captions.example.org/")).start()
    trust = ssl.create_default_context(cafile=str(cert))
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT, connector=aiohttp.TCPConnector(ssl=trust)) as session:
            async with session.get(secure.url("/healthz", "https")) as response:
                assert response.status == 200
            async with session.ws_connect(secure.url("/v1/stream", "wss"),
                                          headers={"Origin": "https://captions.example.org"}) as ws:
                await ws.send_str(start())
                assert (await ws.receive_json())["type"] == "started"
                await ws.send_str(json.dumps({"type": "eos"}))
            evil = {"Origin": "https://evil.example"}
            async with session.ws_connect(secure.url("/v1/stream", "wss"), headers=evil) as ws:
                closed = await ws.receive()
                assert (closed.type, closed.data) == (aiohttp.WSMsgType.CLOSE, Refusal.FORBIDDEN_ORIGIN.close_code)
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:  # a client that does not trust the certificate
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await session.get(secure.url("/healthz", "https"))
    finally:
        secure.stop()

"""The gateway's HTTP and WebSocket endpoints (aiohttp): thin glue around gateway.service.

Why aiohttp: it is already installed (faust depends on it), it is maintained, and one asyncio
stack gives WebSocket server, HTTP server, streaming responses (NDJSON), static files and TLS,
with a per-message size limit and ping/pong built in. Everything runs on one event loop; the
only thread is the transcript reader's (gateway.transcripts).

Endpoints: `GET /v1/stream` (native WebSocket), `GET /vosk` (vosk-server protocol),
`POST /v1/recognize` (a file; `?stream=true` for NDJSON), `GET /healthz`, `/readyz`,
`/metrics`, and the browser page at `/`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.admission import authenticate
from gateway.protocol import Refusal, Refused, is_eos, make_start, parse_start
from gateway.service import Gateway, GatewayStream
from gateway.vosk import VOSK_DEFAULT_SAMPLE_RATE, VoskReplies, parse_control
from producers.errors import AudioSourceError
from streamscribe.contracts import Transcript
from streamscribe.contracts.recognition import RECOGNITION_OPTIONS

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
GATEWAY_KEY = web.AppKey("gateway", Gateway)
HEARTBEAT_S = 30.0
UPLOAD_CHUNK_MS = 200


class ClientGone(Exception):  # noqa: N818 - a condition, not a failure
    """The client closed the connection (or it broke)."""


def _gateway(request: web.Request) -> Gateway:
    return request.app[GATEWAY_KEY]


def _check_caller(request: web.Request) -> str:
    """The caller's API key identity after the origin check; Refused if either fails."""
    settings = _gateway(request).settings
    origin = request.headers.get("Origin")
    if origin is not None and settings.origins and origin.rstrip("/") not in settings.origins:
        raise Refused(Refusal.FORBIDDEN_ORIGIN, f"origin {origin} is not allowed")
    return authenticate(settings.keys, request.headers.get("Authorization"), request.query.get("token"))


def _refused(request: web.Request, exc: Refused, endpoint: str) -> None:
    _gateway(request).metrics.refusals.labels(reason=exc.refusal.name.lower()).inc()
    log.info("%s refused (%s): %s", endpoint, exc.refusal.name.lower(), exc.reason)


async def _close(ws: web.WebSocketResponse, exc: Refused) -> None:
    if not ws.closed:
        await ws.close(code=exc.refusal.close_code, message=exc.close_reason().encode())


async def _receive(ws: web.WebSocketResponse, idle_timeout_s: float) -> str | bytes:
    """The next text or binary message; Refused on idle, a too-big frame; ClientGone on close."""
    try:
        message = await ws.receive(timeout=idle_timeout_s)
    except TimeoutError:
        raise Refused(Refusal.IDLE, f"nothing received for {idle_timeout_s:g}s") from None
    if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
        return message.data
    if message.type is WSMsgType.ERROR and ws.close_code == WSCloseCode.MESSAGE_TOO_BIG:
        raise Refused(Refusal.TOO_BIG, "a message exceeded the frame size limit")
    raise ClientGone


async def _websocket(request: web.Request, endpoint: str,
                     session: Callable[[web.WebSocketResponse, str], Awaitable[None]]) -> web.WebSocketResponse:
    """Upgrade, then run `session` with the caller's key; every refusal is a close code + reason."""
    settings = _gateway(request).settings
    ws = web.WebSocketResponse(max_msg_size=settings.max_frame_bytes, heartbeat=HEARTBEAT_S)
    await ws.prepare(request)
    try:
        await session(ws, _check_caller(request))
    except Refused as exc:
        _refused(request, exc, endpoint)
        await _close(ws, exc)
    except ClientGone:
        log.info("%s: the client left mid-stream", endpoint)
    return ws


async def native_stream(request: web.Request) -> web.WebSocketResponse:
    """`/v1/stream`: start message, binary audio, eos; results as the transcripts JSON."""
    gateway = _gateway(request)
    idle = gateway.settings.idle_timeout_s

    async def session(ws: web.WebSocketResponse, key: str) -> None:
        first = await _receive(ws, idle)
        if not isinstance(first, str):
            raise Refused(Refusal.BAD_REQUEST, "the first message must be the JSON start message")
        async with gateway.stream(key, parse_start(first), "native") as stream:
            await ws.send_json({"type": "started", "stream_id": stream.stream_id})
            sender = asyncio.create_task(_send_results(ws, stream))
            try:
                while True:
                    message = await _receive(ws, idle)
                    if isinstance(message, bytes):
                        await stream.write(message)
                    elif is_eos(message):
                        break
                await stream.end()
                await sender
            finally:
                sender.cancel()
        await ws.close()

    return await _websocket(request, "native", session)


async def _send_results(ws: web.WebSocketResponse, stream: GatewayStream) -> None:
    """Forward each result as it comes, until the stream is complete."""
    while not stream.complete:
        result = await stream.next_result()
        if ws.closed:
            return
        await ws.send_str(result.model_dump_json())


async def vosk_stream(request: web.Request) -> web.WebSocketResponse:
    """`/vosk`: vosk-server's protocol (see gateway.vosk)."""
    gateway = _gateway(request)
    settings = gateway.settings

    async def session(ws: web.WebSocketResponse, key: str) -> None:
        sample_rate, words = VOSK_DEFAULT_SAMPLE_RATE, True
        message = await _receive(ws, settings.idle_timeout_s)
        while isinstance(message, str):  # config messages before the audio
            control = _vosk_control(message)
            if control.eof:
                break
            sample_rate = control.sample_rate or sample_rate
            words = words if control.words is None else control.words
            message = await _receive(ws, settings.idle_timeout_s)
        start = make_start({"sample_rate": sample_rate})  # the stream app's default interim interval
        async with gateway.stream(key, start, "vosk") as stream:
            replies = VoskReplies(words=words)
            collector = asyncio.create_task(_collect(stream, replies))
            try:
                while isinstance(message, bytes):
                    await stream.write(message)
                    await ws.send_json(replies.reply())
                    message = await _receive(ws, settings.idle_timeout_s)
                    while isinstance(message, str):
                        control = _vosk_control(message)
                        if control.eof:
                            break
                        if control.reset:
                            await ws.send_json(replies.final())
                        message = await _receive(ws, settings.idle_timeout_s)
                await stream.end()
                await collector  # until the eos result; Refused(UPSTREAM) after the result timeout
            finally:
                collector.cancel()
            await ws.send_json(replies.final())
        await ws.close()

    return await _websocket(request, "vosk", session)


def _vosk_control(text: str):  # noqa: ANN202
    try:
        return parse_control(text)
    except ValueError as exc:
        raise Refused(Refusal.BAD_REQUEST, str(exc)) from None


async def _collect(stream: GatewayStream, replies: VoskReplies) -> None:
    while not stream.complete:
        replies.add(await stream.next_result())


async def recognize(request: web.Request) -> web.StreamResponse:
    """`POST /v1/recognize`: an audio file in, its transcript out (JSON, or NDJSON with ?stream=true;
    ?format=txt|srt|vtt: the text or captions of the final results). Per-stream options
    (`interim_interval_ms`, `formatting`, `redact`, ...) may be given as query parameters."""
    gateway = _gateway(request)
    try:
        key = _check_caller(request)
        streaming = request.query.get("stream", "").lower() in ("1", "true", "yes")
        document = _document_format(request, streaming)
        gateway.admission.check(key)  # at capacity: refuse before reading and decoding the upload
        body = await request.read()
        audio = await asyncio.to_thread(_prepare, body)
        fields: dict[str, Any] = {"sample_rate": audio.format.sample_rate, "channels": audio.format.channels}
        if "stream_id" in request.query:
            fields["stream_id"] = request.query["stream_id"]
        fields["options"] = _query_options(request)
        start = make_start(fields)
        async with gateway.stream(key, start, "http") as stream:
            for chunk in audio.chunks(UPLOAD_CHUNK_MS):
                await stream.write(chunk)
            await stream.end()
            if streaming:
                return await _ndjson(request, stream)
            results = []
            while not stream.complete:
                results.append(await stream.next_result())
            if document is not None:
                return _document(stream.stream_id, results, document)
            return web.json_response(_whole_transcript(stream.stream_id, results, audio.duration))
    except web.HTTPRequestEntityTooLarge as exc:
        refused = Refused(Refusal.TOO_BIG, str(exc.text or "body too large"))
    except Refused as exc:
        refused = exc
    _refused(request, refused, "recognize")
    return web.json_response(refused.body(), status=refused.refusal.http_status)


DOCUMENT_TYPES = {"txt": "text/plain", "srt": "application/x-subrip", "vtt": "text/vtt"}


def _document_format(request: web.Request, streaming: bool) -> str | None:
    """`?format=` of /v1/recognize: None for JSON, else txt, srt or vtt (Refused when unknown)."""
    fmt = request.query.get("format", "json")
    if fmt == "json":
        return None
    if fmt not in DOCUMENT_TYPES:
        raise Refused(Refusal.BAD_REQUEST, f"format must be json, {', '.join(DOCUMENT_TYPES)}; got {fmt!r}")
    if streaming:
        raise Refused(Refusal.BAD_REQUEST, "stream=true answers NDJSON: it takes no format")
    return fmt


def _document(stream_id: str, results: list[Transcript], fmt: str) -> web.Response:
    from producers.assembly import StreamText  # noqa: PLC0415
    from producers.transcript_files import transcript_document  # noqa: PLC0415

    stream = StreamText(stream_id)
    for result in results:
        stream.add(result)
    text = transcript_document(stream, fmt)  # type: ignore[arg-type] - checked by _document_format
    return web.Response(text=text, content_type=DOCUMENT_TYPES[fmt], charset="utf-8")


MAX_CAPTION_RESULTS_BYTES = 16 * 1024 * 1024  # a long call's final results as JSON: far below this


async def captions(request: web.Request) -> web.Response:
    """`POST /v1/captions?format=vtt|srt`: final results (a JSON array) in, their captions out.

    For clients that hold a stream's results already (the browser page's download): the cues are
    cut by the same rules as every other interface's (producers.captions).
    """
    from pydantic import TypeAdapter, ValidationError  # noqa: PLC0415

    try:
        _check_caller(request)
        fmt = request.query.get("format", "vtt")
        if fmt not in ("srt", "vtt"):
            raise Refused(Refusal.BAD_REQUEST, f"format must be srt or vtt; got {fmt!r}")
        if (request.content_length or 0) > MAX_CAPTION_RESULTS_BYTES:
            raise Refused(Refusal.TOO_BIG, f"at most {MAX_CAPTION_RESULTS_BYTES} bytes of results")
        try:
            results = TypeAdapter(list[Transcript]).validate_json(await request.read())
        except ValidationError as exc:
            reason = f"the body must be a JSON array of results: {exc.errors()[0]['msg']}"
            raise Refused(Refusal.BAD_REQUEST, reason) from None
        return _document(results[0].stream_id if results else "", results, fmt)
    except Refused as exc:
        _refused(request, exc, "captions")
        return web.json_response(exc.body(), status=exc.refusal.http_status)


def _query_options(request: web.Request) -> dict[str, Any]:
    """The per-stream options given as query parameters (checked with the start message)."""
    options: dict[str, Any] = {name: request.query[name] for name in RECOGNITION_OPTIONS if name in request.query}
    if "interim_interval_ms" in request.query:
        options["interim_interval_ms"] = _int_query(request, "interim_interval_ms")
    return options


def _int_query(request: web.Request, name: str) -> int:
    try:
        return int(request.query[name])
    except ValueError:
        raise Refused(Refusal.BAD_REQUEST, f"{name} must be an integer") from None


def _prepare(body: bytes):  # noqa: ANN202 - producers.sources.ContractAudio
    from producers.sources import prepare, read_audio  # noqa: PLC0415 - soundfile, numpy

    if not body:
        raise Refused(Refusal.BAD_REQUEST, "the request body must be an audio file")
    try:
        return prepare(read_audio(body))
    except AudioSourceError as exc:
        raise Refused(Refusal.BAD_REQUEST, str(exc)) from None


async def _ndjson(request: web.Request, stream: GatewayStream) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
    await response.prepare(request)
    while not stream.complete:
        result = await stream.next_result()
        await response.write(result.model_dump_json().encode() + b"\n")
    await response.write_eof()
    return response


def _whole_transcript(stream_id: str, results: list, duration: float) -> dict[str, Any]:
    finals = sorted((r for r in results if r.final), key=lambda r: r.segment)
    return {
        "stream_id": stream_id,
        "duration": round(duration, 3),
        "text": " ".join(r.text for r in finals if r.text),
        "words": [w.model_dump() for r in finals for w in r.words],
        "segments": [r.model_dump() for r in finals],
    }


async def healthz(_request: web.Request) -> web.Response:
    """Alive (the event loop answers)."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready to take streams: connected to Kafka and reading its partitions."""
    gateway = _gateway(request)
    if not gateway.ready:
        return web.json_response({"status": "not ready"}, status=503)
    router = gateway.router
    assert router is not None  # noqa: S101 - ready implies it
    return web.json_response({"status": "ready", "streams": gateway.admission.open,
                              "partitions": sorted(router.refs.reading)})


async def metrics_endpoint(request: web.Request) -> web.Response:
    """Prometheus metrics of this gateway."""
    registry = _gateway(request).metrics.registry
    return web.Response(body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def page(_request: web.Request) -> web.FileResponse:
    """The browser page."""
    return web.FileResponse(STATIC / "index.html")


def build_app(gateway: Gateway) -> web.Application:
    """The aiohttp application; `gateway` is started and stopped with it."""
    app = web.Application(client_max_size=gateway.settings.max_upload_bytes)
    app[GATEWAY_KEY] = gateway

    async def lifecycle(_app: web.Application):  # noqa: ANN202
        await gateway.start()
        yield
        await gateway.stop()

    app.cleanup_ctx.append(lifecycle)
    app.add_routes([
        web.get("/v1/stream", native_stream),
        web.get("/vosk", vosk_stream),
        web.post("/v1/recognize", recognize),
        web.post("/v1/captions", captions),
        web.get("/healthz", healthz),
        web.get("/readyz", readyz),
        web.get("/metrics", metrics_endpoint),
        web.get("/", page),
        web.static("/static", STATIC),
    ])
    return app

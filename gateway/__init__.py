"""WebSocket/HTTP gateway: network clients stream audio in and get their results back.

`streamscribe gateway` (gateway.cli) serves the native WebSocket protocol, a vosk-server
compatible endpoint, HTTP file recognition, health/metrics and the browser page. Pure logic
lives in small modules (protocol, vosk, admission, partitions); aiohttp glue in app/server;
Kafka glue in service (the producer SDK) and transcripts (the home-partition reader).
"""

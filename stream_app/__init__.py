"""The stream app: faust workers turning `audio.chunks` into `audio.segments` (see README.md).

`streamscribe stream-app` runs a worker; the pure parts (normalize, endpointing, segmenter,
sequencing, checkpoint, ingest) import no Kafka client and are tested without a broker.
"""

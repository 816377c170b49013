"""The recognizer: a Kafka consumer group that turns `audio.segments` into `transcripts`.

Pure parts (batching, decoding) live apart from the NeMo model wrapper, the recognition engine
that joins them, and the Kafka glue (the transactional worker and the transcript reader SDK).
"""

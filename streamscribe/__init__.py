"""streamscribe: real-time speech recognition for many concurrent audio streams on Kafka.

This package holds what every component shares: the wire contracts, Kafka connection
settings and the `streamscribe` command line.
"""

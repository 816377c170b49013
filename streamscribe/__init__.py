"""streamscribe's shared layer: what every component imports, importing no component.

The wire contracts (`contracts/`), the Kafka connection and topic settings (`settings.py`), the
settings -> command-line mechanism (`cli_settings.py`), PCM and G.711 conversions, metrics
serving, WER and percentiles, errors and paths. The services, the client SDK and the tooling
build on it; it never imports them (tests/test_layering.py holds that).
"""

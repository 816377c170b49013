"""Tooling: what composes and measures the services, and what no service imports.

The `streamscribe` console script (`cli.py`), the demo and the local stack behind `up`
(`demo/`), the autoscaling loop (`scaling/`), every benchmark with its report and plots
(`bench/`) and the sizing arithmetic (`sizing.py`). It may import every layer below it
(services, client SDK, infra, the shared `streamscribe` package); nothing imports it.
"""

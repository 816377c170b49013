"""Which metrics a component defines, from its `<pkg>.metrics` module (public prometheus API)."""

from __future__ import annotations

import importlib

from prometheus_client.metrics import MetricWrapperBase

SAMPLE_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def metric_families(module_name: str) -> dict[str, str]:
    """Family name → type of every metric object defined in the module."""
    module = importlib.import_module(module_name)
    families: dict[str, str] = {}
    for value in vars(module).values():
        if isinstance(value, MetricWrapperBase):
            families.update({family.name: family.type for family in value.describe()})
    return families


def sample_names(module_names: tuple[str, ...]) -> set[str]:
    """Names a scrape may show for the modules' metrics (`_total`, `_bucket`, … included)."""
    names: set[str] = set()
    for module_name in module_names:
        for family, kind in metric_families(module_name).items():
            names.update(family + suffix for suffix in SAMPLE_SUFFIXES.get(kind, ("",)))
    return names

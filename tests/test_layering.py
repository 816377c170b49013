"""The layers of the tree, lowest first: a package imports only from its own package and lower layers.

docs/development.md draws the same map. Lazy imports inside functions count too: they are the
same dependency, only later.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LAYERS: tuple[tuple[str, ...], ...] = (
    ("streamscribe",),                         # shared: contracts, settings, PCM, metrics helpers
    ("infra",),                                # embedded Kafka, topics, security
    ("producers",),                            # the client SDK: audio in, transcripts out
    ("stream_app", "recognizer", "gateway"),   # the services: none imports another
    ("training",),                             # builds models with the recognizer's own core
    ("tooling",),                              # console script, demo, local stack, benchmarks
)
LAYER_OF = {package: level for level, packages in enumerate(LAYERS) for package in packages}


def imported_packages(path: Path) -> Iterator[tuple[int, str]]:
    """(line, top-level package) of every project import in one module."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            package = name.split(".")[0]
            if package in LAYER_OF:
                yield node.lineno, package


def violations(package: str, root: Path = ROOT) -> list[str]:
    """The imports of `package` (under `root`) that reach a peer or a higher layer."""
    found = []
    for path in sorted((root / package).rglob("*.py")):
        for line, imported in imported_packages(path):
            if imported != package and LAYER_OF[imported] >= LAYER_OF[package]:
                found.append(f"{path.relative_to(root)}:{line} imports {imported}")
    return found


@pytest.mark.parametrize("package", sorted(LAYER_OF))
def test_no_import_runs_up_or_across_the_layers(package: str) -> None:
    assert violations(package) == []


def test_every_top_level_package_has_a_layer() -> None:
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - {"tests"}
    assert packages == set(LAYER_OF)


def test_upward_peer_and_lazy_imports_are_caught(tmp_path: Path) -> None:
    (tmp_path / "streamscribe").mkdir()
    (tmp_path / "streamscribe" / "m.py").write_text("import tooling.cli\n")
    (tmp_path / "gateway").mkdir()
    (tmp_path / "gateway" / "m.py").write_text("import producers\n\ndef f():\n    from recognizer.x import y\n")
    assert violations("streamscribe", tmp_path) == ["streamscribe/m.py:1 imports tooling"]
    assert violations("gateway", tmp_path) == ["gateway/m.py:4 imports recognizer"]

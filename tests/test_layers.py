"""Imports run down the layers only: pipelines > assets > ingest > resources, with the webhook
receiver beside ingest and the emulator on its own; plain code never imports Dagster."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pipelines", "assets", "ingest", "resources", "webhooks", "emulator", "demo")
# What each package must not import (top-level package names).
FORBIDDEN: dict[str, set[str]] = {
    "assets": {"pipelines", "webhooks", "emulator", "demo"},
    "ingest": {"dagster", "pipelines", "assets", "webhooks", "emulator", "demo"},
    "resources": {"pipelines", "assets", "ingest", "webhooks", "emulator", "demo"},
    "webhooks": {"dagster", "pipelines", "assets", "ingest", "emulator", "demo"},
    "emulator": {"dagster", "pipelines", "assets", "ingest", "resources", "webhooks", "demo"},
}


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_runs_up_the_layers(package: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules(package)
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN[package]
    ]

    assert wrong == []


def test_only_the_resource_wrappers_import_dagster_in_resources() -> None:
    # resources/<name>_resource.py wrap plain code for Dagster; the plain code never imports it.
    wrong = [
        str(path.relative_to(ROOT))
        for path in _modules("resources")
        if not (path.parent == ROOT / "resources" and path.stem.endswith("_resource"))
        and any(name.split(".")[0] == "dagster" for name in _imports(path))
    ]

    assert wrong == []

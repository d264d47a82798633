"""The bench package's surface: every exported name resolves, lazily."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import bench
from bench.edge_race import work


def test_the_package_exports_its_public_names() -> None:
    for name in bench.__all__:
        assert getattr(bench, name) is not None
    with pytest.raises(AttributeError):
        _ = bench.not_a_name  # pyright: ignore[reportAttributeAccessIssue]


def test_the_measured_child_does_not_load_the_harness() -> None:
    # The memory run measures syncrag: the peer, the plot and (with the fake embedder) torch
    # must stay out of it.
    code = (
        "import sys, bench.memory_child; print(sorted(m for m in "
        "('langchain_qdrant', 'matplotlib', 'psutil', 'torch') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_edge_race_probe_counts_its_operations(tmp_path: Path) -> None:
    writer = work("writer", tmp_path, seconds=0.3)
    reader = work("reader", tmp_path, seconds=0.3)
    assert writer["ops"] and reader["ops"]
    assert writer["errors"] == {} and reader["errors"] == {}

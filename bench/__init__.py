"""Benchmarks of syncrag side by side with the model alone and with LangChain's indexing API.

Run with `python -m bench` (`make bench`). Names are imported lazily so that the measured
subprocess (`python -m bench.memory_child`) does not load the harness's own heavy imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.cli import main
    from bench.results import BenchResults
    from bench.run import BenchConfig, run_benchmarks, write_outputs

__all__ = ["BenchConfig", "BenchResults", "main", "run_benchmarks", "write_outputs"]

_HOMES = {
    "BenchConfig": "bench.run",
    "BenchResults": "bench.results",
    "main": "bench.cli",
    "run_benchmarks": "bench.run",
    "write_outputs": "bench.run",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'bench' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)

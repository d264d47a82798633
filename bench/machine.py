"""The machine a run measured: cores, CPU model, memory, load, and the library versions."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = (
    "torch",
    "sentence-transformers",
    "transformers",
    "qdrant-edge-py",
    "qdrant-client",
    "langchain-core",
    "langchain-qdrant",
    "dagster",
)


def cpu_model(cpuinfo: str) -> str:
    """The `model name` of /proc/cpuinfo text, or "unknown"."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return "unknown"


def memory_gib(meminfo: str) -> float | None:
    """MemTotal of /proc/meminfo text in GiB."""
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / (1024 * 1024)
    return None


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def describe_machine() -> dict[str, Any]:
    versions: dict[str, str] = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    memory = memory_gib(_read("/proc/meminfo"))
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model(_read("/proc/cpuinfo")) or platform.processor(),
        "memory_gib": round(memory, 1) if memory is not None else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]
